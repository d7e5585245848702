// Bearer API key → tenant, from the cached registry snapshot (no D1 query in
// steady state). Unknown, revoked and missing keys all get the same 401, so
// the answer says nothing about which keys exist.
// Not hono/bearer-auth: it answers a malformed Authorization header with 400
// and a plain-text body, where OpenAI's clients expect 401 in OpenAI's shape.
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { invalidApiKey } from "../errors";
import { sha256Hex } from "./hash-key";

export interface ApiKeyAuthOptions {
  /** Lets a route also accept another credential (e.g. a feedback token). */
  optional?: boolean;
}

export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}

export function apiKeyAuth(options: ApiKeyAuthOptions = {}) {
  return createMiddleware<AppEnv>(async function apiKeyAuth(c, next) {
    const key = bearerToken(c.req.header("authorization"));
    if (!key) {
      if (options.optional) return next();
      throw invalidApiKey();
    }
    const registry = c.var.registry;
    const snapshot = await registry.snapshot(c.env.DB, (p) => c.executionCtx.waitUntil(p));
    const entry = snapshot.keys.get(await sha256Hex(key));
    const tenant = entry && (await registry.tenant(c.env.DB, entry.tenantId));
    if (!entry || !tenant) throw invalidApiKey();
    c.set("tenant", tenant);
    c.set("apiKeyId", entry.keyId);
    await next();
  });
}
