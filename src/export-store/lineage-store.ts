// Feed lineage in D1 (feed_examples, feed_example_refs) and the example ids
// erasure removed from feeds (feed_erasures). A feed run writes its lineage
// page by page as it is served; an erasure (or a retention sweep) looks up
// every example built from the erased interactions or feedback rows, lists
// their ids under each feed that served them, and deletes their lineage, so
// no id of an erased record stays behind. Every statement is scoped by tenant.
import type { LineageEntry } from "../export/lineage";

// D1 binds at most 100 parameters a statement.
const EXAMPLE_COLUMNS = 6;
const REF_COLUMNS = 4;
const EXAMPLES_PER_INSERT = Math.floor(100 / EXAMPLE_COLUMNS);
const REFS_PER_INSERT = Math.floor(100 / REF_COLUMNS);
/** Refs per erasure statement: two binds are the tenant and the time. */
export const REFS_PER_ERASURE = 90;

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
const marks = (n: number, columns: number) =>
  Array.from({ length: n }, () => `(${Array(columns).fill("?").join(", ")})`).join(", ");

/** Records the lineage of examples one feed run served (idempotent per run and line). */
export async function writeFeedLineage(
  db: D1Database,
  tenant: string,
  feed: string,
  runUpTo: number,
  entries: readonly LineageEntry[],
): Promise<void> {
  if (entries.length === 0) return;
  const statements: D1PreparedStatement[] = [];
  for (const page of chunks(entries, EXAMPLES_PER_INSERT)) {
    statements.push(
      db
        .prepare(
          `INSERT INTO feed_examples (tenant_id, feed_name, run_up_to, line, example_id, lineage) VALUES ${marks(page.length, EXAMPLE_COLUMNS)} ON CONFLICT DO NOTHING`,
        )
        .bind(...page.flatMap((e) => [tenant, feed, runUpTo, e.line, e.example_id, JSON.stringify(e)])),
    );
  }
  const refs = entries.flatMap((e) =>
    [...e.interaction_ids, ...e.feedback_ids].map((ref) => [tenant, ref, feed, e.example_id]),
  );
  for (const page of chunks(refs, REFS_PER_INSERT)) {
    statements.push(
      db
        .prepare(
          `INSERT INTO feed_example_refs (tenant_id, ref, feed_name, example_id) VALUES ${marks(page.length, REF_COLUMNS)} ON CONFLICT DO NOTHING`,
        )
        .bind(...page.flat()),
    );
  }
  await db.batch(statements);
}

/** One keyset page of a run's lineage, in line order. */
export async function readRunLineage(
  db: D1Database,
  tenant: string,
  feed: string,
  runUpTo: number,
  afterLine: number,
  limit: number,
): Promise<{ line: number; lineage: string }[]> {
  const { results } = await db
    .prepare(
      "SELECT line, lineage FROM feed_examples WHERE tenant_id = ? AND feed_name = ? AND run_up_to = ? AND line > ? ORDER BY line LIMIT ?",
    )
    .bind(tenant, feed, runUpTo, afterLine, limit)
    .all<{ line: number; lineage: string }>();
  return results;
}

/**
 * Statements that list, under every feed that served one, the examples built
 * from any of `refs` (request ids or feedback ids; at most REFS_PER_ERASURE),
 * then delete their lineage. Run them in the batch that deletes the rows.
 */
export function eraseFeedExamples(db: D1Database, tenant: string, refs: readonly string[], at: number) {
  const m = refs.map(() => "?").join(", ");
  const examples = `SELECT example_id FROM feed_example_refs WHERE tenant_id = ? AND ref IN (${m})`;
  return [
    db
      .prepare(
        `INSERT INTO feed_erasures (tenant_id, feed_name, example_id, erased_at)
         SELECT DISTINCT tenant_id, feed_name, example_id, ? FROM feed_example_refs WHERE tenant_id = ? AND ref IN (${m})
         ORDER BY feed_name, example_id
         ON CONFLICT DO NOTHING`,
      )
      .bind(at, tenant, ...refs),
    db
      .prepare(`DELETE FROM feed_examples WHERE tenant_id = ? AND example_id IN (${examples})`)
      .bind(tenant, tenant, ...refs),
    db
      .prepare(`DELETE FROM feed_example_refs WHERE tenant_id = ? AND example_id IN (${examples})`)
      .bind(tenant, tenant, ...refs),
  ];
}

export interface FeedErasure {
  seq: number;
  example_id: string;
  erased_at: number;
}

/** Erased example ids of one feed after `afterSeq`, oldest first. */
export async function listFeedErasures(
  db: D1Database,
  tenant: string,
  feed: string,
  afterSeq: number,
  limit: number,
): Promise<FeedErasure[]> {
  const { results } = await db
    .prepare(
      "SELECT seq, example_id, erased_at FROM feed_erasures WHERE tenant_id = ? AND feed_name = ? AND seq > ? ORDER BY seq LIMIT ?",
    )
    .bind(tenant, feed, afterSeq, limit)
    .all<FeedErasure>();
  return results;
}
