// API key issuance for the admin API and the local seed. Keys are random,
// shown once, and stored only as SHA-256 hashes (hash-key.ts); the prefix
// kept beside the hash lets a human tell keys apart.
import { bumpRegistryVersion } from "../registry/manifest-store";
import { parseKeyLimits } from "../limits/limit-types";
import type { LimitValues } from "../schemas/manifest";
import { sha256Hex } from "./hash-key";
import { parseScopes, SCOPES, type Scope } from "./scopes";

export interface KeyGrant {
  scopes?: readonly Scope[];
  /** epoch ms; null = never */
  expiresAt?: number | null;
  /** The key's own limits, replacing the manifest's per_key for it; null = those. */
  limits?: LimitValues | null;
}

export function generateApiKey(tenant: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  let body = "";
  for (const b of bytes) body += b.toString(16).padStart(2, "0");
  return `sk-${tenant}-${body}`;
}

/** The INSERT of a new key (its hash, never the key), with the id and prefix it is stored under. */
async function insertKey(
  db: D1Database,
  tenant: string,
  key: string,
  name: string,
  at: number,
  grant: KeyGrant,
): Promise<{ id: string; prefix: string; insert: D1PreparedStatement }> {
  const hash = await sha256Hex(key);
  const id = `key_${hash.slice(0, 16)}`;
  const prefix = key.slice(0, Math.min(key.length, tenant.length + 8));
  const scopes = JSON.stringify([...new Set(grant.scopes ?? SCOPES)]);
  const insert = db
    .prepare(
      "INSERT INTO api_keys (id, tenant_id, key_hash, prefix, name, created_at, scopes, expires_at, limits) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key_hash) DO NOTHING",
    )
    .bind(
      id,
      tenant,
      hash,
      prefix,
      name,
      at,
      scopes,
      grant.expiresAt ?? null,
      grant.limits ? JSON.stringify(grant.limits) : null,
    );
  return { id, prefix, insert };
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
  const { id, prefix, insert } = await insertKey(db, tenant, key, name, at, grant);
  await db.batch([insert, bumpRegistryVersion(db, at)]);
  return { id, prefix };
}

export interface StoredKey {
  id: string;
  name: string;
  scopes: Scope[];
  expires_at: number | null;
  limits: LimitValues | null;
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
      "SELECT id, name, scopes, expires_at, limits FROM api_keys WHERE id = ? AND tenant_id = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)",
    )
    .bind(keyId, tenant, now)
    .first<{ id: string; name: string; scopes: string; expires_at: number | null; limits: string | null }>();
  return row ? { ...row, scopes: [...parseScopes(row.scopes)], limits: parseKeyLimits(row.limits) } : null;
}

/**
 * Rotation in one D1 batch: the new key (same name and scopes, no expiry) and
 * the old one's end of grace (never later than an expiry it already had), so
 * a failure cannot leave one without the other. Returns when the old key stops.
 */
export async function rotateApiKey(
  db: D1Database,
  tenant: string,
  old: StoredKey,
  key: string,
  graceEndsAt: number,
  at: number,
): Promise<{ id: string; prefix: string; oldExpiresAt: number }> {
  const { id, prefix, insert } = await insertKey(db, tenant, key, old.name, at, {
    scopes: old.scopes,
    limits: old.limits,
  });
  const [, expired] = await db.batch([
    insert,
    db
      .prepare(
        "UPDATE api_keys SET expires_at = MIN(COALESCE(expires_at, ?1), ?1) WHERE id = ?2 AND tenant_id = ?3 AND revoked_at IS NULL RETURNING expires_at",
      )
      .bind(graceEndsAt, old.id, tenant),
    bumpRegistryVersion(db, at),
  ]);
  const row = expired.results[0] as { expires_at: number } | undefined;
  return { id, prefix, oldExpiresAt: row?.expires_at ?? graceEndsAt };
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
      "SELECT id, prefix, name, scopes, created_at, expires_at, revoked_at, limits FROM api_keys WHERE tenant_id = ? ORDER BY created_at",
    )
    .bind(tenant)
    .all<{ scopes: string; limits: string | null }>();
  return results.map((row) => ({ ...row, scopes: [...parseScopes(row.scopes)], limits: parseKeyLimits(row.limits) }));
}
