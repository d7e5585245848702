// Guards /admin. ADMIN_TOKEN (the platform operator) reaches every route; a
// tenant API key with the `manage` scope reaches its own tenant's routes,
// /admin/tenants/{its tenant}/…, and nothing else: another tenant's path is
// a 404, as if that tenant did not exist, and global routes (the tenant list)
// stay with ADMIN_TOKEN. The token comparison hashes both sides first so it
// takes the same time whatever the guess; a missing ADMIN_TOKEN disables the
// operator's access instead of opening it (manage keys still work).
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { adminDisabled, invalidApiKey, missingScope, notFound } from "../errors";
import { bearerToken, liveKey } from "./api-key-auth";
import { sha256Hex } from "./hash-key";

const TENANT_PATH = /^\/admin\/tenants\/([^/]+)\/./;

// ADMIN_TOKEN is fixed per isolate: hash it once, not on every admin request
// (the hash itself is kept, not a promise another request would settle).
let hashed: { secret: string; hash: string } | null = null;
async function secretHash(secret: string): Promise<string> {
  if (hashed?.secret !== secret) hashed = { secret, hash: await sha256Hex(secret) };
  return hashed.hash;
}

export function adminAuth() {
  return createMiddleware<AppEnv>(async function adminAuth(c, next) {
    const secret = c.get("config").adminToken;
    const token = bearerToken(c.req.header("authorization"));
    // One hash of the token serves both checks: against ADMIN_TOKEN's and as a key.
    const tokenHash = token ? await sha256Hex(token) : null;
    if (secret && tokenHash && tokenHash === (await secretHash(secret))) return next();

    const pathTenant = TENANT_PATH.exec(c.req.path)?.[1];
    const key = pathTenant && tokenHash ? await liveKey(c, tokenHash) : null;
    if (key) {
      if (key.tenantId !== decodeURIComponent(pathTenant!)) throw notFound(`Tenant '${pathTenant}'`, "tenant");
      if (!key.scopes.has("manage")) throw missingScope(["manage"]);
      c.set("apiKeyId", key.keyId);
      return next();
    }
    if (!secret && !pathTenant) throw adminDisabled();
    throw invalidApiKey(
      pathTenant
        ? "Tenant admin routes need 'Authorization: Bearer <ADMIN_TOKEN>' or an API key of this tenant with the manage scope."
        : "Admin endpoints need 'Authorization: Bearer <ADMIN_TOKEN>'.",
    );
  });
}
