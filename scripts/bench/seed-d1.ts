// Prepares the bench's own D1: applies migrations/*.sql in order and seeds the
// demo tenants (adapters/*.json, with each openai-compatible base_url pointed
// at the bench's dev upstream) and the demo API keys, through the same
// helpers `npm run adapters:sync` uses. The database belongs to the bench's
// Miniflare instance (not persisted: a SQLite file in Miniflare's temporary
// directory, removed when it stops), so the developer's .wrangler/state is
// never touched and every run starts from the same rows.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { unstable_splitSqlQuery as splitSqlQuery } from "wrangler";
import { storeApiKey } from "../../src/auth/api-keys";
import { applyManifest } from "../../src/registry/manifest-store";
import { formatIssues, validateManifest } from "../../src/registry/validate-manifest";
import { DEMO_KEYS } from "../lib/demo-keys";
import { ROOT } from "../lib/offline-env";

/** The D1 binding type the shared helpers take (workers-types' D1Database). */
type Db = Parameters<typeof applyManifest>[0];

/** Applies every migrations/*.sql in name order, one batch (transaction) per file. */
export async function applyMigrations(db: Db, dir = path.join(ROOT, "migrations")): Promise<string[]> {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort();
  for (const file of files) {
    // splitSqlQuery is what `wrangler d1 migrations apply` uses to cut a file into statements.
    const statements = splitSqlQuery(readFileSync(path.join(dir, file), "utf8"))
      .map((s) => s.replaceAll("--> statement-breakpoint", "").trim())
      .filter(Boolean);
    await db.batch(statements.map((s) => db.prepare(s)));
  }
  return files;
}

/**
 * Rewrites openai-compatible upstreams to `baseUrl` (and adds `headers`, e.g.
 * the dev upstream's x-dev-token-ms pacing); the manifest files are not touched.
 */
export function pointAt(manifest: unknown, baseUrl: string, headers?: Record<string, string>): unknown {
  const copy = structuredClone(manifest) as {
    upstreams?: { kind?: string; base_url?: string; replicas?: string[]; headers?: Record<string, string> }[];
  };
  for (const upstream of copy.upstreams ?? []) {
    if (upstream.kind !== "openai-compatible") continue;
    delete upstream.replicas;
    upstream.base_url = baseUrl;
    if (headers) upstream.headers = { ...upstream.headers, ...headers };
  }
  return copy;
}

/** Seeds every demo tenant and its key; returns the tenant ids. */
export async function seedTenants(
  db: Db,
  upstreamUrl: string,
  upstreamHeaders?: Record<string, string>,
  dir = path.join(ROOT, "adapters"),
): Promise<string[]> {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".json") && f !== "schema.json")
    .sort();
  const tenants: string[] = [];
  for (const file of files) {
    const raw = pointAt(JSON.parse(readFileSync(path.join(dir, file), "utf8")), upstreamUrl, upstreamHeaders);
    const result = validateManifest(raw);
    if (!result.ok) throw new Error(`adapters/${file}: invalid\n${formatIssues(result.issues)}`);
    await applyManifest(db, result.manifest, "npm run bench", Date.now());
    const key = DEMO_KEYS[result.manifest.tenant];
    if (key) await storeApiKey(db, result.manifest.tenant, key, "bench demo key", Date.now());
    tenants.push(result.manifest.tenant);
  }
  return tenants;
}
