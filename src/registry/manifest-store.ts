// Reads and writes tenant manifests in D1, shared by the admin API and
// `npm run adapters:sync`. An apply never edits history: it inserts the next
// version with who applied it and the diff, creates the tenant row if needed
// and bumps registry_state so every isolate recompiles (registry-cache.ts).
// All writes of one apply go in one D1 batch, i.e. one transaction.
import { diffManifests, type ManifestChange } from "./diff-manifest";
import type { Manifest } from "../schemas/manifest";

export interface StoredManifest {
  version: number;
  manifest: Manifest;
  appliedBy: string;
  appliedAt: number;
}

export interface ApplyResult {
  tenant: string;
  version: number;
  changes: ManifestChange[];
  applied: boolean;
}

export async function readCurrentManifest(db: D1Database, tenant: string): Promise<StoredManifest | null> {
  const row = await db
    .prepare(
      "SELECT version, body, applied_by, applied_at FROM manifests WHERE tenant_id = ? ORDER BY version DESC LIMIT 1",
    )
    .bind(tenant)
    .first<{ version: number; body: string; applied_by: string; applied_at: number }>();
  if (!row) return null;
  return { version: row.version, manifest: JSON.parse(row.body), appliedBy: row.applied_by, appliedAt: row.applied_at };
}

export async function listManifestVersions(db: D1Database, tenant: string, limit = 50) {
  const { results } = await db
    .prepare(
      "SELECT version, applied_by, applied_at, changes, reason FROM manifests WHERE tenant_id = ? ORDER BY version DESC LIMIT ?",
    )
    .bind(tenant, limit)
    .all<{ version: number; applied_by: string; applied_at: number; changes: string; reason: string | null }>();
  return results.map((r) => ({
    version: r.version,
    applied_by: r.applied_by,
    applied_at: r.applied_at,
    reason: r.reason,
    changes: JSON.parse(r.changes),
  }));
}

/** Dry run: what applying `manifest` would change. */
export async function planApply(db: D1Database, manifest: Manifest) {
  const current = await readCurrentManifest(db, manifest.tenant);
  return { current, changes: diffManifests(current?.manifest ?? null, manifest) };
}

export async function applyManifest(
  db: D1Database,
  manifest: Manifest,
  appliedBy: string,
  /** epoch ms */
  at: number,
): Promise<ApplyResult> {
  const { current, changes } = await planApply(db, manifest);
  if (current && changes.length === 0) {
    return { tenant: manifest.tenant, version: current.version, changes, applied: false };
  }
  const version = (current?.version ?? 0) + 1;
  await db.batch([
    db
      .prepare(
        "INSERT INTO tenants (id, display_name, created_at) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET display_name = excluded.display_name",
      )
      .bind(manifest.tenant, manifest.display_name ?? manifest.tenant, at),
    ...manifestVersionWrites(db, { manifest, version, changes, appliedBy, at }),
  ]);
  return { tenant: manifest.tenant, version, changes, applied: true };
}

export interface ManifestVersionRow {
  manifest: Manifest;
  version: number;
  changes: ManifestChange[];
  appliedBy: string;
  /** epoch ms */
  at: number;
  reason?: string;
}

/** An SQL condition (with its bindings) that must hold, in the same batch, for a write to happen. */
export interface WriteGuard {
  sql: string;
  params: unknown[];
}

/**
 * The statements that store manifest version `row.version` and tell every
 * isolate to recompile. With `onlyIf`, each is a no-op unless the condition
 * holds when it runs, so a caller can tie them to another write of the same
 * batch (a rollout's transition, src/rollouts/rollout-store.ts). A version
 * that already exists (someone applied meanwhile) fails the whole batch on
 * the primary key, so no write is lost.
 */
export function manifestVersionWrites(
  db: D1Database,
  row: ManifestVersionRow,
  onlyIf?: WriteGuard,
): D1PreparedStatement[] {
  const guard = onlyIf ? ` WHERE ${onlyIf.sql}` : "";
  const guardParams = onlyIf?.params ?? [];
  return [
    db
      .prepare(
        `INSERT INTO manifests (tenant_id, version, body, changes, applied_by, applied_at, reason) SELECT ?, ?, ?, ?, ?, ?, ?${guard}`,
      )
      .bind(
        row.manifest.tenant,
        row.version,
        JSON.stringify(row.manifest),
        JSON.stringify(row.changes),
        row.appliedBy,
        row.at,
        row.reason ?? null,
        ...guardParams,
      ),
    onlyIf
      ? db
          .prepare(`UPDATE registry_state SET version = version + 1, updated_at = ? WHERE id = 1 AND ${onlyIf.sql}`)
          .bind(row.at, ...guardParams)
      : bumpRegistryVersion(db, row.at),
  ];
}

export function bumpRegistryVersion(db: D1Database, at: number): D1PreparedStatement {
  return db
    .prepare(
      "INSERT INTO registry_state (id, version, updated_at) VALUES (1, 1, ?) ON CONFLICT(id) DO UPDATE SET version = version + 1, updated_at = excluded.updated_at",
    )
    .bind(at);
}
