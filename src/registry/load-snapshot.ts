// Reads the registry from D1. The Snapshot (keys and manifest versions: a
// few hundred bytes a tenant) is read whole in one batch; a tenant's manifest
// (tens of KB once compiled) is read and compiled only when one of its
// requests arrives. A stored manifest that no longer validates (it was
// checked when applied, so this means a schema change) fails that tenant
// alone, with a logged error naming the field, not every other tenant.
import type { TenantSnapshot } from "../routing/compiled";
import { compileTenant } from "./compile-tenant";
import { parseKeyLimits } from "../limits/limit-types";
import { parseScopes } from "../auth/scopes";
import type { KeyEntry, Snapshot } from "./snapshot";
import { formatIssues, validateManifest } from "./validate-manifest";

export async function readRegistryVersion(db: D1Database): Promise<number> {
  const row = await db.prepare("SELECT version FROM registry_state WHERE id = 1").first<{ version: number }>();
  return row?.version ?? 0;
}

export async function loadSnapshot(db: D1Database, nowMs: () => number): Promise<Snapshot> {
  const [state, keys, versions] = await db.batch([
    db.prepare("SELECT version FROM registry_state WHERE id = 1"),
    db.prepare("SELECT id, tenant_id, key_hash, scopes, expires_at, limits FROM api_keys WHERE revoked_at IS NULL"),
    db.prepare("SELECT tenant_id, MAX(version) AS version FROM manifests GROUP BY tenant_id"),
  ]);
  const keyMap = new Map<string, KeyEntry>();
  type KeyRow = {
    id: string;
    tenant_id: string;
    key_hash: string;
    scopes: string;
    expires_at: number | null;
    limits: string | null;
  };
  for (const k of keys.results as KeyRow[]) {
    keyMap.set(k.key_hash, {
      keyId: k.id,
      tenantId: k.tenant_id,
      scopes: parseScopes(k.scopes),
      expiresAt: k.expires_at ?? null,
      limits: parseKeyLimits(k.limits),
    });
  }
  const tenants = new Map<string, number>();
  for (const v of versions.results as { tenant_id: string; version: number }[]) tenants.set(v.tenant_id, v.version);
  const version = (state.results[0] as { version: number } | undefined)?.version ?? 0;
  return { version, loadedAt: nowMs(), keys: keyMap, tenants };
}

export async function loadTenant(db: D1Database, tenant: string, nowMs: () => number): Promise<TenantSnapshot | null> {
  const row = await db
    .prepare("SELECT version, body FROM manifests WHERE tenant_id = ? ORDER BY version DESC LIMIT 1")
    .bind(tenant)
    .first<{ version: number; body: string }>();
  if (!row) return null;
  const checked = validateManifest(JSON.parse(row.body));
  if (!checked.ok) {
    console.error(
      JSON.stringify({
        msg: "stored manifest is invalid",
        tenant,
        version: row.version,
        issues: formatIssues(checked.issues),
      }),
    );
    return null;
  }
  return compileTenant(checked.manifest, { manifestVersion: row.version, compiledAt: nowMs() });
}
