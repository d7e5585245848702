// Builds a Snapshot from D1: the registry version, live API keys and the
// newest manifest of each tenant, in one batch (one round trip). A manifest
// that no longer validates (it was checked when applied, so this means a
// schema change) is skipped with a logged error rather than taking every
// other tenant down with it.
import { compileTenant, type TenantSnapshot } from "./compile-tenant";
import type { KeyEntry, Snapshot } from "./snapshot";
import { validateManifest } from "./validate-manifest";

interface ManifestRow {
  tenant_id: string;
  version: number;
  body: string;
}

export async function readRegistryVersion(db: D1Database): Promise<number> {
  const row = await db.prepare("SELECT version FROM registry_state WHERE id = 1").first<{ version: number }>();
  return row?.version ?? 0;
}

export async function loadSnapshot(db: D1Database, now: () => number = Date.now): Promise<Snapshot> {
  const [state, keys, manifests] = await db.batch([
    db.prepare("SELECT version FROM registry_state WHERE id = 1"),
    db.prepare("SELECT id, tenant_id, key_hash FROM api_keys WHERE revoked_at IS NULL"),
    db.prepare(
      `SELECT m.tenant_id, m.version, m.body FROM manifests m
       JOIN (SELECT tenant_id, MAX(version) AS version FROM manifests GROUP BY tenant_id) newest
         ON newest.tenant_id = m.tenant_id AND newest.version = m.version`,
    ),
  ]);
  const keyMap = new Map<string, KeyEntry>();
  for (const k of keys.results as { id: string; tenant_id: string; key_hash: string }[]) {
    keyMap.set(k.key_hash, { keyId: k.id, tenantId: k.tenant_id });
  }
  const tenants = new Map<string, TenantSnapshot>();
  for (const row of manifests.results as ManifestRow[]) {
    const checked = validateManifest(JSON.parse(row.body));
    if (!checked.ok) {
      console.error(JSON.stringify({ msg: "stored manifest is invalid; tenant skipped", tenant: row.tenant_id, issues: checked.issues }));
      continue;
    }
    tenants.set(row.tenant_id, compileTenant(checked.manifest, { manifestVersion: row.version, now }));
  }
  const version = (state.results[0] as { version: number } | undefined)?.version ?? 0;
  return { version, loadedAt: now(), keys: keyMap, tenants };
}
