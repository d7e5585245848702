// Named export feeds: a stored export spec plus a watermark on feedback
// time. A run serves rows whose feedback changed in (watermark, run start];
// only an acknowledgement moves the watermark, so a run that failed or was
// never acknowledged is served again by the next one.
import type { ExportSpec } from "../schemas/exports";

export interface Feed {
  name: string;
  spec: ExportSpec;
  watermark: number;
  createdAt: number;
  updatedAt: number;
}

interface FeedRow {
  name: string;
  format: string;
  options: string;
  watermark: number;
  created_at: number;
  updated_at: number;
}

const toFeed = (r: FeedRow): Feed => ({
  name: r.name,
  spec: JSON.parse(r.options),
  watermark: r.watermark,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** false when the tenant already has a feed of that name. */
export async function createFeed(
  db: D1Database,
  tenant: string,
  name: string,
  spec: ExportSpec,
  now: number,
): Promise<boolean> {
  const result = await db
    .prepare(
      "INSERT INTO export_feeds (tenant_id, name, format, options, watermark, created_at, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?) ON CONFLICT DO NOTHING",
    )
    .bind(tenant, name, spec.format, JSON.stringify(spec), now, now)
    .run();
  return (result.meta.changes ?? 0) > 0;
}

export async function getFeed(db: D1Database, tenant: string, name: string): Promise<Feed | null> {
  const row = await db
    .prepare("SELECT * FROM export_feeds WHERE tenant_id = ? AND name = ?")
    .bind(tenant, name)
    .first<FeedRow>();
  return row ? toFeed(row) : null;
}

export async function listFeeds(db: D1Database, tenant: string): Promise<Feed[]> {
  const { results } = await db
    .prepare("SELECT * FROM export_feeds WHERE tenant_id = ? ORDER BY name")
    .bind(tenant)
    .all<FeedRow>();
  return results.map(toFeed);
}

/** Moves the watermark forward (never back); false when the feed does not exist. */
export async function ackFeed(
  db: D1Database,
  tenant: string,
  name: string,
  upTo: number,
  now: number,
): Promise<boolean> {
  const result = await db
    .prepare("UPDATE export_feeds SET watermark = MAX(watermark, ?), updated_at = ? WHERE tenant_id = ? AND name = ?")
    .bind(upTo, now, tenant, name)
    .run();
  return (result.meta.changes ?? 0) > 0;
}

/** Sets the watermark, backwards too (an explicit reset); false when the feed does not exist. */
export async function resetFeed(
  db: D1Database,
  tenant: string,
  name: string,
  watermark: number,
  now: number,
): Promise<boolean> {
  const result = await db
    .prepare("UPDATE export_feeds SET watermark = ?, updated_at = ? WHERE tenant_id = ? AND name = ?")
    .bind(watermark, now, tenant, name)
    .run();
  return (result.meta.changes ?? 0) > 0;
}

export function feedView(feed: Feed) {
  return {
    object: "export.feed",
    name: feed.name,
    spec: feed.spec,
    watermark: feed.watermark,
    created_at: feed.createdAt,
  };
}
