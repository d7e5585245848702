// The daily retention sweep (Cron Trigger, wrangler.toml [triggers]): for each
// tenant whose current manifest sets retention_days, deletes interactions
// created before the cutoff, the feedback on them and their R2 bodies, oldest
// first on the (tenant_id, created_at) index, in pages (erasure-store.ts's
// page deletion). Bounded: at most `maxPages` pages per run, so one run stays
// well inside a Cron invocation's limits; what is left is simply the oldest
// rows still past the cutoff, so the next run (or an interrupted one run
// again) resumes where this one stopped without any saved position.
import { deletePages } from "../interactions/erasure-store";

const DAY_MS = 86_400_000;

export interface SweepOptions {
  /** epoch ms */
  nowMs: number;
  pageSize?: number;
  maxPages?: number;
}

export interface SweepResult {
  tenants: { tenant: string; retentionDays: number; interactions: number; feedback: number; blobs: number }[];
  /** false when the page budget ran out with rows still past a cutoff. */
  complete: boolean;
}

/** Tenants whose current manifest sets retention_days, with that setting. */
async function retentionByTenant(db: D1Database): Promise<{ tenant: string; days: number }[]> {
  const { results } = await db
    .prepare(
      `SELECT m.tenant_id AS tenant, json_extract(m.body, '$.retention_days') AS days
         FROM manifests m
        WHERE m.version = (SELECT MAX(version) FROM manifests WHERE tenant_id = m.tenant_id)
          AND json_extract(m.body, '$.retention_days') IS NOT NULL
        ORDER BY m.tenant_id`,
    )
    .all<{ tenant: string; days: number }>();
  return results;
}

export async function sweepRetention(db: D1Database, blobs: R2Bucket, options: SweepOptions): Promise<SweepResult> {
  const pageSize = options.pageSize ?? 50;
  let pagesLeft = options.maxPages ?? 200;
  const tenants: SweepResult["tenants"] = [];
  let complete = true;
  for (const { tenant, days } of await retentionByTenant(db)) {
    const cutoff = options.nowMs - days * DAY_MS;
    const swept = await deletePages(
      db,
      blobs,
      tenant,
      () =>
        db
          .prepare(
            "SELECT request_id, blob_key FROM interactions WHERE tenant_id = ? AND created_at < ? ORDER BY created_at, request_id LIMIT ?",
          )
          .bind(tenant, cutoff, pageSize),
      options.nowMs,
      pagesLeft,
    );
    pagesLeft -= swept.pages;
    tenants.push({ tenant, retentionDays: days, ...swept.counts });
    if (!swept.complete) {
      complete = false;
      break;
    }
  }
  return { tenants, complete };
}
