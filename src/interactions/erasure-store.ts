// Erasure of end-user data on request (a deletion request under privacy law,
// or a tenant cleaning up): every interaction row, feedback row and R2 body of
// one end user in one tenant, or of one interaction. The erasure itself is
// recorded (table erasures) so a record still on the queue is dropped when it
// lands (logging/write-interactions.ts). Every statement is scoped by tenant.
// Bounded: rows are deleted in pages of ERASE_PAGE interactions (each page one
// D1 batch, its R2 bodies deleted in one call), so a user with many rows does
// not make one oversized statement. The example ids feeds served from the
// erased records are listed for downstream datasets (export-store/lineage-store.ts).
import { feedbackId } from "../export/lineage";
import { eraseFeedExamples, REFS_PER_ERASURE } from "../export-store/lineage-store";
import { blobKeyFor } from "../logging/log-producer";

const ERASE_PAGE = 50;

export interface ErasureCounts {
  interactions: number;
  feedback: number;
  blobs: number;
}

/** Deletes these interactions of the tenant, the feedback on them, their R2 bodies and the lineage of examples built from them. */
async function deleteInteractionPage(
  db: D1Database,
  blobs: R2Bucket,
  tenant: string,
  rows: { request_id: string; blob_key: string | null }[],
  at: number,
): Promise<ErasureCounts> {
  const ids = rows.map((r) => r.request_id);
  const marks = ids.map(() => "?").join(", ");
  const [feedback, interactions] = await db.batch([
    db.prepare(`DELETE FROM feedback WHERE tenant_id = ? AND request_id IN (${marks})`).bind(tenant, ...ids),
    db.prepare(`DELETE FROM interactions WHERE tenant_id = ? AND request_id IN (${marks})`).bind(tenant, ...ids),
    ...eraseFeedExamples(db, tenant, ids, at),
  ]);
  // A record over the queue's message size travelled through R2 and stays
  // there under its request id even when its row fit D1 (no blob_key).
  const keys = [
    ...new Set(rows.flatMap((r) => [r.blob_key, blobKeyFor({ tenant_id: tenant, request_id: r.request_id })])),
  ];
  const held = (await Promise.all(keys.map(async (key) => (key && (await blobs.head(key)) ? key : null)))).filter(
    (key): key is string => key !== null,
  );
  if (held.length) await blobs.delete(held);
  return { interactions: interactions.meta.changes ?? 0, feedback: feedback.meta.changes ?? 0, blobs: held.length };
}

const add = (a: ErasureCounts, b: ErasureCounts): ErasureCounts => ({
  interactions: a.interactions + b.interactions,
  feedback: a.feedback + b.feedback,
  blobs: a.blobs + b.blobs,
});

type PageRow = { request_id: string; blob_key: string | null };

/**
 * Deletes page after page of the interactions `page()` selects (it must stop
 * selecting what was deleted, e.g. by a WHERE the deletion falsifies) until
 * it selects none (complete) or `maxPages` pages are done (not complete).
 */
export async function deletePages(
  db: D1Database,
  blobs: R2Bucket,
  tenant: string,
  page: () => D1PreparedStatement,
  at: number,
  maxPages = Infinity,
): Promise<{ counts: ErasureCounts; pages: number; complete: boolean }> {
  let counts: ErasureCounts = { interactions: 0, feedback: 0, blobs: 0 };
  for (let pages = 0; ; pages++) {
    if (pages === maxPages) return { counts, pages, complete: false };
    const { results } = await page().all<PageRow>();
    if (results.length === 0) return { counts, pages, complete: true };
    counts = add(counts, await deleteInteractionPage(db, blobs, tenant, results, at));
  }
}

function recordErasure(db: D1Database, tenant: string, kind: "user" | "request", subject: string, at: number) {
  return db
    .prepare(
      "INSERT INTO erasures (tenant_id, kind, subject, erased_at) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET erased_at = excluded.erased_at",
    )
    .bind(tenant, kind, subject, at)
    .run();
}

/** Everything of `user` in the tenant: their interactions (with all feedback on them) and the feedback they gave. */
export async function eraseUser(
  db: D1Database,
  blobs: R2Bucket,
  tenant: string,
  user: string,
  at: number,
): Promise<ErasureCounts> {
  // Recorded first: a record landing while the pages below run is dropped too.
  await recordErasure(db, tenant, "user", user, at);
  const { counts } = await deletePages(
    db,
    blobs,
    tenant,
    () =>
      db
        .prepare("SELECT request_id, blob_key FROM interactions WHERE tenant_id = ? AND user = ? LIMIT ?")
        .bind(tenant, user, ERASE_PAGE),
    at,
  );
  return { ...counts, feedback: counts.feedback + (await deleteGivenFeedback(db, tenant, user, at)) };
}

/** Their ratings of other users' interactions (a rater is the feedback's user), page by page with the examples built on them. */
async function deleteGivenFeedback(db: D1Database, tenant: string, user: string, at: number): Promise<number> {
  let deleted = 0;
  for (;;) {
    const { results } = await db
      .prepare("SELECT rowid, request_id, choice FROM feedback WHERE tenant_id = ? AND user_key = ? LIMIT ?")
      .bind(tenant, user, REFS_PER_ERASURE)
      .all<{ rowid: number; request_id: string; choice: number }>();
    if (results.length === 0) return deleted;
    const rowids = results.map((r) => r.rowid);
    const [removed] = await db.batch([
      db
        .prepare(`DELETE FROM feedback WHERE tenant_id = ? AND rowid IN (${rowids.map(() => "?").join(", ")})`)
        .bind(tenant, ...rowids),
      ...eraseFeedExamples(
        db,
        tenant,
        results.map((r) => feedbackId(r.request_id, r.choice, user)),
        at,
      ),
    ]);
    deleted += removed.meta.changes ?? 0;
  }
}

/** One interaction and all feedback on it; null when the tenant has no such interaction and no feedback on it. */
export async function eraseInteraction(
  db: D1Database,
  blobs: R2Bucket,
  tenant: string,
  requestId: string,
  at: number,
): Promise<ErasureCounts | null> {
  const row = await db
    .prepare("SELECT request_id, blob_key FROM interactions WHERE tenant_id = ? AND request_id = ?")
    .bind(tenant, requestId)
    .first<{ request_id: string; blob_key: string | null }>();
  await recordErasure(db, tenant, "request", requestId, at);
  const counts = await deleteInteractionPage(db, blobs, tenant, [row ?? { request_id: requestId, blob_key: null }], at);
  return row || counts.feedback > 0 ? counts : null;
}
