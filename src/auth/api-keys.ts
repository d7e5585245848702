// API key issuance for the admin API and the local seed. Keys are random,
// shown once, and stored only as SHA-256 hashes (hash-key.ts); the prefix
// kept beside the hash lets a human tell keys apart.
import { bumpRegistryVersion } from "../registry/manifest-store";
import { sha256Hex } from "./hash-key";
import { parseScopes, SCOPES, type Scope } from "./scopes";

export interface KeyGrant {
  scopes?: readonly Scope[];
  /** epoch ms; null = never */
  expiresAt?: number | null;
}

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
  grant: KeyGrant = {},
): Promise<{ id: string; prefix: string }> {
  const hash = await sha256Hex(key);
  const id = `key_${hash.slice(0, 16)}`;
  const prefix = key.slice(0, Math.min(key.length, tenant.length + 8));
  const scopes = JSON.stringify([...new Set(grant.scopes ?? SCOPES)]);
  await db.batch([
    db
      .prepare(
        "INSERT INTO api_keys (id, tenant_id, key_hash, prefix, name, created_at, scopes, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key_hash) DO NOTHING",
      )
      .bind(id, tenant, hash, prefix, name, at, scopes, grant.expiresAt ?? null),
    bumpRegistryVersion(db, at),
  ]);
  return { id, prefix };
}

export interface StoredKey {
  id: string;
  name: string;
  scopes: Scope[];
  expires_at: number | null;
}

/** A live key of the tenant (not revoked, not expired at `now`), or null. */
export async function getLiveKey(
  db: D1Database,
  tenant: string,
  keyId: string,
  now: number,
): Promise<StoredKey | null> {
  const row = await db
    .prepare(
      "SELECT id, name, scopes, expires_at FROM api_keys WHERE id = ? AND tenant_id = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)",
    )
    .bind(keyId, tenant, now)
    .first<{ id: string; name: string; scopes: string; expires_at: number | null }>();
  return row ? { ...row, scopes: [...parseScopes(row.scopes)] } : null;
}

/** Sets when a live key stops working (rotation's grace period); false when there is no such live key. */
export async function expireApiKey(
  db: D1Database,
  tenant: string,
  keyId: string,
  expiresAt: number,
  at: number,
): Promise<boolean> {
  const [result] = await db.batch([
    db
      .prepare(
        "UPDATE api_keys SET expires_at = MIN(COALESCE(expires_at, ?1), ?1) WHERE id = ?2 AND tenant_id = ?3 AND revoked_at IS NULL",
      )
      .bind(expiresAt, keyId, tenant),
    bumpRegistryVersion(db, at),
  ]);
  return (result.meta.changes ?? 0) > 0;
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
    .prepare(
      "SELECT id, prefix, name, scopes, created_at, expires_at, revoked_at FROM api_keys WHERE tenant_id = ? ORDER BY created_at",
    )
    .bind(tenant)
    .all<{ scopes: string }>();
  return results.map((row) => ({ ...row, scopes: [...parseScopes(row.scopes)] }));
}
