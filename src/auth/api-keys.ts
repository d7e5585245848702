// API key issuance for the admin API and the local seed. Keys are random,
// shown once, and stored only as SHA-256 hashes (hash-key.ts); the prefix
// kept beside the hash lets a human tell keys apart.
import { bumpRegistryVersion } from "../registry/manifest-store";
import { sha256Hex } from "./hash-key";

export function generateApiKey(tenant: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  let body = "";
  for (const b of bytes) body += b.toString(16).padStart(2, "0");
  return `sk-${tenant}-${body}`;
}

export async function storeApiKey(
  db: D1Database,
  tenant: string,
  key: string,
  name: string,
  /** epoch ms */
  at: number,
): Promise<{ id: string; prefix: string }> {
  const hash = await sha256Hex(key);
  const id = `key_${hash.slice(0, 16)}`;
  const prefix = key.slice(0, Math.min(key.length, tenant.length + 8));
  await db.batch([
    db
      .prepare(
        "INSERT INTO api_keys (id, tenant_id, key_hash, prefix, name, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(key_hash) DO NOTHING",
      )
      .bind(id, tenant, hash, prefix, name, at),
    bumpRegistryVersion(db, at),
  ]);
  return { id, prefix };
}

export async function revokeApiKey(
  db: D1Database,
  tenant: string,
  keyId: string,
  /** epoch ms */
  at: number,
): Promise<boolean> {
  const [result] = await db.batch([
    db
      .prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND tenant_id = ? AND revoked_at IS NULL")
      .bind(at, keyId, tenant),
    bumpRegistryVersion(db, at),
  ]);
  return (result.meta.changes ?? 0) > 0;
}

export async function listApiKeys(db: D1Database, tenant: string) {
  const { results } = await db
    .prepare("SELECT id, prefix, name, created_at, revoked_at FROM api_keys WHERE tenant_id = ? ORDER BY created_at")
    .bind(tenant)
    .all();
  return results;
}
