// Who may post feedback: the tenant's server with an API key, or an end
// user's browser holding the signed feedback token of one chat response
// (src/auth/feedback-token.ts). The token is accepted as `Authorization:
// Bearer v1.…` or in `x-switchyard-feedback-token`; an API key (sk-…) goes
// through the ordinary apiKeyAuth, so both credentials fail with the same 401.
//
// The token signs (tenant, request id, expiry) and the request id is in the
// body, so a token can only be checked after the body is parsed: an API key
// or a missing credential is decided before validation, a token after it.
//
// A token is one rater's ballot for one completion. It may not name a `user`:
// otherwise one token could cast any number of votes on its request under
// made-up user names and outvote real raters in the export's majority rule.
import { createMiddleware } from "hono/factory";
import type { Context } from "hono";
import { apiKeyAuth, bearerToken } from "../auth/api-key-auth";
import { verifyFeedbackToken } from "../auth/feedback-token";
import { epochSeconds } from "../clock";
import type { AppEnv } from "../env";
import { invalidApiKey, userNotAllowedWithToken } from "../errors";
import type { TenantSnapshot } from "../routing/compiled";
import type { FeedbackSource } from "./feedback-store";

export const FEEDBACK_TOKEN_HEADER = "x-switchyard-feedback-token";
const TOKEN_PREFIX = "v1.";

export type FeedbackCredential = { kind: "api_key" } | { kind: "token"; token: string } | { kind: "none" };

export function feedbackCredential(
  authorization: string | undefined,
  tokenHeader: string | undefined,
): FeedbackCredential {
  const bearer = bearerToken(authorization);
  if (bearer && !bearer.startsWith(TOKEN_PREFIX)) return { kind: "api_key" };
  const token = bearer ?? tokenHeader?.trim();
  return token ? { kind: "token", token } : { kind: "none" };
}

const credentialOf = (c: Context<AppEnv>) =>
  feedbackCredential(c.req.header("authorization"), c.req.header(FEEDBACK_TOKEN_HEADER));

export interface FeedbackCaller {
  tenantId: string;
  source: FeedbackSource;
}

/** Route middleware: API key → apiKeyAuth (401 before validation); no credential → 401; token → checked by feedbackCaller. */
export function feedbackAuth() {
  const byApiKey = apiKeyAuth({ scopes: ["feedback"] });
  return createMiddleware<AppEnv>(async function feedbackAuth(c, next) {
    const credential = credentialOf(c);
    if (credential.kind === "api_key") return byApiKey(c, next);
    if (credential.kind === "none") {
      throw invalidApiKey(
        "Feedback needs an API key ('Authorization: Bearer <key>') or the chat response's feedback token ('Authorization: Bearer v1.…' or 'x-switchyard-feedback-token').",
      );
    }
    await next();
  });
}

/** After validation: the tenant the feedback is for, and how the caller proved it. */
export async function feedbackCaller(
  c: Context<AppEnv>,
  body: { request_id: string; user?: string },
): Promise<FeedbackCaller> {
  const keyTenant = c.get("tenant") as TenantSnapshot | undefined;
  if (keyTenant) return { tenantId: keyTenant.tenant, source: "api_key" };

  const credential = credentialOf(c);
  if (credential.kind !== "token") throw invalidApiKey();
  const secret = c.get("config").feedbackSigningKey;
  if (!secret) throw invalidApiKey("Feedback tokens are not accepted: FEEDBACK_SIGNING_KEY is not set.");
  const nowSeconds = epochSeconds(c.get("clock"));
  // Throws the same 401 for a forged, expired or other request's token.
  const tenantId = await verifyFeedbackToken(secret, credential.token, body.request_id, nowSeconds);
  const snapshot = await c.get("registry").snapshot(c.env.DB, (p) => c.executionCtx.waitUntil(p));
  if (!snapshot.tenants.has(tenantId)) throw invalidApiKey("Invalid or expired feedback token.");
  if (body.user !== undefined) {
    throw userNotAllowedWithToken();
  }
  return { tenantId, source: "token" };
}
