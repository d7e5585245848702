// Bearer API key → tenant, from the cached registry snapshot (no D1 query in
// steady state). Unknown, revoked, expired and missing keys all get the same
// 401, so the answer says nothing about which keys exist; a known key without
// the route's scope gets 403 naming the scope.
// Not hono/bearer-auth: it answers a malformed Authorization header with 400
// and a plain-text body, where OpenAI's clients expect 401 in OpenAI's shape.
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { invalidApiKey, missingScope } from "../errors";
import type { KeyEntry } from "../registry/snapshot";
import { KeyDigests } from "./hash-key";
import type { Scope } from "./scopes";

export interface ApiKeyAuthOptions {
  /** Lets a route also accept another credential (e.g. a feedback token). */
  optional?: boolean;
  /** The key must hold one of these; a function when the scope depends on the method (reading vs erasing). */
  scopes: readonly Scope[] | ((method: string) => readonly Scope[]);
}

export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}

/** The live key entry for a bearer token's SHA-256, or null (unknown, revoked or expired). */
export async function liveKey(c: Context<AppEnv>, keyHash: string): Promise<KeyEntry | null> {
  const snapshot = await c.get("registry").snapshot(c.env.DB, (p) => c.executionCtx.waitUntil(p));
  const entry = snapshot.keys.get(keyHash);
  if (!entry || (entry.expiresAt !== null && entry.expiresAt <= c.get("clock").nowMs())) return null;
  return entry;
}

/** Per isolate, shared by every route's middleware (a pure key-to-digest map: see KeyDigests). */
const keyDigests = new KeyDigests();

export function apiKeyAuth(options: ApiKeyAuthOptions) {
  return createMiddleware<AppEnv>(async function apiKeyAuth(c, next) {
    const key = bearerToken(c.req.header("authorization"));
    if (!key) {
      if (options.optional) return next();
      throw invalidApiKey();
    }
    const { hash, remembered } = await keyDigests.digest(key);
    const entry = await liveKey(c, hash);
    const tenant = entry && (await c.get("registry").tenant(c.env.DB, entry.tenantId));
    if (!entry || !tenant) throw invalidApiKey();
    if (!remembered) keyDigests.remember(key, hash);
    const needed = typeof options.scopes === "function" ? options.scopes(c.req.method) : options.scopes;
    if (!needed.some((scope) => entry.scopes.has(scope))) throw missingScope(needed);
    c.set("tenant", tenant);
    c.set("apiKeyId", entry.keyId);
    c.set("apiKeyLimits", entry.limits);
    await next();
  });
}
