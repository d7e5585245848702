// Guards /admin with the ADMIN_TOKEN secret. The comparison hashes both sides
// first so it takes the same time whatever the guess; a missing secret
// disables the admin API instead of opening it.
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { GatewayError, invalidApiKey } from "../errors";
import { bearerToken } from "./api-key-auth";
import { sha256Hex } from "./hash-key";

export interface AdminAuthOptions {
  secretName?: "ADMIN_TOKEN";
}

export function adminAuth(options: AdminAuthOptions = {}) {
  const secretName = options.secretName ?? "ADMIN_TOKEN";
  return createMiddleware<AppEnv>(async function adminAuth(c, next) {
    const secret = c.env[secretName];
    if (!secret) {
      throw new GatewayError(403, "permission_error", "admin_disabled", {
        message: "The admin API is disabled: ADMIN_TOKEN is not set.",
      });
    }
    const token = bearerToken(c.req.header("authorization"));
    if (!token || (await sha256Hex(token)) !== (await sha256Hex(secret))) {
      throw invalidApiKey("Admin endpoints need 'Authorization: Bearer <ADMIN_TOKEN>'.");
    }
    await next();
  });
}
