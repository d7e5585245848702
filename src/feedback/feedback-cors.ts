// CORS for POST /v1/feedback only, so a browser widget can send the feedback
// token straight from the end user's page. The other /v1 routes stay
// same-origin: they take API keys, which must never reach a browser. Allowed
// origins come from FEEDBACK_CORS_ORIGINS ("*" or a comma-separated list),
// read from the config. No cookies are
// involved (the token travels in a header), so credentials stay off.
import type { Context } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "../env";
import { FEEDBACK_TOKEN_HEADER } from "./feedback-auth";

/** The Access-Control-Allow-Origin value for `origin`, or null to send none. */
export function allowedOrigin(setting: string | undefined, origin: string): string | null {
  const entries = (setting ?? "")
    .split(",")
    .map((s) => s.trim().replace(/\/+$/, ""))
    .filter(Boolean);
  if (entries.includes("*")) return "*";
  return origin && entries.includes(origin) ? origin : null;
}

export function feedbackCors() {
  return cors({
    origin: (origin, c) => allowedOrigin((c as Context<AppEnv>).get("config").feedbackCorsOrigins, origin),
    allowMethods: ["POST", "OPTIONS"],
    allowHeaders: ["authorization", "content-type", FEEDBACK_TOKEN_HEADER, "x-request-id"],
    exposeHeaders: ["x-request-id"],
    maxAge: 86400,
  });
}
