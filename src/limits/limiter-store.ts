// The tenant limiter's SQLite tables (Durable Object storage, private to one
// tenant's object, so nothing here is keyed by tenant). A scope is '' for
// the tenant as a whole and the key id for one key (key ids are `key_…`, never
// empty). The object keeps the live state in memory (limiter-state.ts) and
// writes here behind it, in one transaction at most once a second: every
// write of a Durable Object holds back its next answers until the write is
// durable (about a millisecond per commit locally), so a commit per request
// would put that on every chat request, and a flood of refusals would turn
// into a flood of commits. These tables are what a restarted object starts
// from. Sizes stay bounded: request times older than a minute, token days
// before yesterday and expired leases are pruned, and refusals are one
// counter row per key, scope and kind. Layout and retention: docs/limits.md.
import type { LimitKind, LimitScope } from "./limit-types";

const SCHEMA = [
  // One row per admitted request of the last minute, per scope with a requests_per_minute.
  "CREATE TABLE IF NOT EXISTS requests (scope TEXT NOT NULL, at INTEGER NOT NULL)",
  "CREATE INDEX IF NOT EXISTS requests_scope_at ON requests (scope, at)",
  "CREATE TABLE IF NOT EXISTS tokens (scope TEXT NOT NULL, day INTEGER NOT NULL, used INTEGER NOT NULL, PRIMARY KEY (scope, day))",
  "CREATE TABLE IF NOT EXISTS leases (id TEXT PRIMARY KEY, key_id TEXT NOT NULL, expires_at INTEGER NOT NULL)",
  "CREATE TABLE IF NOT EXISTS refusals (key_id TEXT NOT NULL, scope TEXT NOT NULL, kind TEXT NOT NULL, count INTEGER NOT NULL, last_at INTEGER NOT NULL, PRIMARY KEY (key_id, scope, kind))",
];

export const TENANT_SCOPE = "";

export class LimiterStore {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    for (const statement of SCHEMA) sql.exec(statement);
  }

  /** Request times of one scope after `sinceMs`, oldest first. */
  requestTimes(scope: string, sinceMs: number): number[] {
    return [
      ...this.#sql.exec<{ at: number }>(
        "SELECT at FROM requests WHERE scope = ? AND at > ? ORDER BY at",
        scope,
        sinceMs,
      ),
    ].map((row) => row.at);
  }

  addRequest(scope: string, atMs: number): void {
    this.#sql.exec("INSERT INTO requests (scope, at) VALUES (?, ?)", scope, atMs);
  }

  tokensUsed(scope: string, day: number): number {
    const row = this.#sql
      .exec<{ used: number }>("SELECT used FROM tokens WHERE scope = ? AND day = ?", scope, day)
      .next();
    return row.done ? 0 : row.value.used;
  }

  addTokens(scope: string, day: number, tokens: number): void {
    this.#sql.exec(
      "INSERT INTO tokens (scope, day, used) VALUES (?, ?, ?) ON CONFLICT (scope, day) DO UPDATE SET used = used + excluded.used",
      scope,
      day,
      tokens,
    );
  }

  leases(): { id: string; key_id: string; expires_at: number }[] {
    return this.#sql
      .exec<{ id: string; key_id: string; expires_at: number }>("SELECT id, key_id, expires_at FROM leases")
      .toArray();
  }

  putLease(id: string, keyId: string, expiresAt: number): void {
    this.#sql.exec(
      "INSERT INTO leases (id, key_id, expires_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at",
      id,
      keyId,
      expiresAt,
    );
  }

  releaseLease(id: string): void {
    this.#sql.exec("DELETE FROM leases WHERE id = ?", id);
  }

  addRefusals(keyId: string, scope: LimitScope, kind: LimitKind, count: number, lastAt: number): void {
    this.#sql.exec(
      "INSERT INTO refusals (key_id, scope, kind, count, last_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (key_id, scope, kind) DO UPDATE SET count = count + excluded.count, last_at = max(last_at, excluded.last_at)",
      keyId,
      scope,
      kind,
      count,
      lastAt,
    );
  }

  /** Drops request times at or before `requestsBeforeMs`, expired leases and token days before `keepDay`. */
  prune(requestsBeforeMs: number, nowMs: number, keepDay: number): void {
    this.#sql.exec("DELETE FROM requests WHERE at <= ?", requestsBeforeMs);
    this.#sql.exec("DELETE FROM leases WHERE expires_at <= ?", nowMs);
    this.#sql.exec("DELETE FROM tokens WHERE day < ?", keepDay);
  }

  // ── What the operator reads (GET /admin/tenants/{tenant}/limits) ──────────

  requestsByScope(sinceMs: number): Map<string, number> {
    const rows = this.#sql.exec<{ scope: string; n: number }>(
      "SELECT scope, count(*) AS n FROM requests WHERE at > ? GROUP BY scope",
      sinceMs,
    );
    return new Map([...rows].map((r) => [r.scope, r.n]));
  }

  tokensByScope(day: number): Map<string, number> {
    const rows = this.#sql.exec<{ scope: string; used: number }>("SELECT scope, used FROM tokens WHERE day = ?", day);
    return new Map([...rows].map((r) => [r.scope, r.used]));
  }

  leasesByKey(nowMs: number): Map<string, number> {
    const rows = this.#sql.exec<{ key_id: string; n: number }>(
      "SELECT key_id, count(*) AS n FROM leases WHERE expires_at > ? GROUP BY key_id",
      nowMs,
    );
    return new Map([...rows].map((r) => [r.key_id, r.n]));
  }

  refusals(): { key_id: string; scope: LimitScope; kind: LimitKind; count: number; last_at: number }[] {
    return this.#sql
      .exec<{ key_id: string; scope: LimitScope; kind: LimitKind; count: number; last_at: number }>(
        "SELECT key_id, scope, kind, count, last_at FROM refusals",
      )
      .toArray();
  }
}
