// Guards /admin with the ADMIN_TOKEN secret. The comparison hashes both sides
// first so it takes the same time whatever the guess; a missing secret
// disables the admin API instead of opening it.
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { adminDisabled, invalidApiKey } from "../errors";
import { bearerToken } from "./api-key-auth";
import { sha256Hex } from "./hash-key";

export function adminAuth() {
  return createMiddleware<AppEnv>(async function adminAuth(c, next) {
    const secret = c.var.config.adminToken;
    if (!secret) {
      throw adminDisabled();
    }
    const token = bearerToken(c.req.header("authorization"));
    if (!token || (await sha256Hex(token)) !== (await sha256Hex(secret))) {
      throw invalidApiKey("Admin endpoints need 'Authorization: Bearer <ADMIN_TOKEN>'.");
    }
    await next();
  });
}
