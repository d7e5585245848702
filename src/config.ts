// Every var and secret, validated once per env object (that is, once per
// isolate) into one typed config. A setting that is wrong fails here, with its
// name, rather than on some later request that happens to read it: the app
// answers every request with 503 config_error naming it until it is fixed.
// Numeric vars: missing or empty means the default; anything else must be a
// number in range.
import * as z from "zod";

/** The demo secret in .dev.vars: fine locally, refused in production. */
export const DEMO_FEEDBACK_SIGNING_KEY = "dev-feedback-signing-key-change-me";

/** The longest pack window: a record waits at most this long before it is queued. */
export const MAX_LOG_PACK_WINDOW_MS = 1000;

const blankToUndefined = (value: unknown) =>
  value === null || (typeof value === "string" && value.trim() === "") ? undefined : value;

const numberVar = (fallback: number, min: number, max: number, integer = false) =>
  z.preprocess(
    blankToUndefined,
    z
      .string()
      .trim()
      .refine((s) => s !== "" && Number.isFinite(Number(s)), "is not a number")
      .transform(Number)
      .refine((n) => !integer || Number.isInteger(n), "is not a whole number")
      .refine((n) => n >= min && n <= max, `is out of range (${min} to ${max})`)
      .optional()
      .transform((n) => n ?? fallback),
  );

const secret = z.preprocess(blankToUndefined, z.string().optional());

const ConfigSchema = z.object({
  SWITCHYARD_ENV: z.preprocess(
    blankToUndefined,
    z.enum(["production", "development"], "must be production or development").default("production"),
  ),
  SNAPSHOT_TTL_SECONDS: numberVar(5, 0, 86_400),
  TENANT_CACHE_SIZE: numberVar(500, 1, 100_000, true),
  INTERACTION_LOGGING: z.preprocess(blankToUndefined, z.enum(["on", "off"], "must be on or off").default("on")),
  LOG_PACK_WINDOW_MS: numberVar(20, 0, MAX_LOG_PACK_WINDOW_MS),
  FEEDBACK_TOKEN_TTL_SECONDS: numberVar(86_400, 1, 31_536_000, true),
  FEEDBACK_CORS_ORIGINS: z.string().optional().default(""),
  MAX_BODY_BYTES: numberVar(8 * 1024 * 1024, 1024, 100 * 1024 * 1024, true),
  LIMITS_STREAM_LEASE_SECONDS: numberVar(120, 10, 3600, true),
  FEEDBACK_SIGNING_KEY: secret,
  ADMIN_TOKEN: secret,
});

export interface GatewayConfig {
  environment: "production" | "development";
  /** Seconds a snapshot is served before a background check of D1. */
  snapshotTtlSeconds: number;
  tenantCacheSize: number;
  interactionLogging: boolean;
  logPackWindowMs: number;
  feedbackTokenTtlSeconds: number;
  /** "*" or a comma-separated list of origins; empty allows none. */
  feedbackCorsOrigins: string;
  /** null: no feedback tokens are issued or accepted (development only). */
  feedbackSigningKey: string | null;
  /** null: the admin API is disabled. */
  adminToken: string | null;
  /** Largest request body taken on any route (413 request_too_large above it). */
  maxBodyBytes: number;
  /** Lifetime of a stream's concurrency lease (src/limits), renewed while the stream runs. */
  streamLeaseSeconds: number;
}

export type ConfigResult = { ok: true; config: GatewayConfig } | { ok: false; setting: string; problem: string };

/** Validates the settings in `vars` (an Env, or any record of its string vars). */
export function parseConfig(vars: Record<string, unknown>): ConfigResult {
  const parsed = ConfigSchema.safeParse(vars);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, setting: String(issue.path[0] ?? "config"), problem: issue.message };
  }
  const v = parsed.data;
  if (v.SWITCHYARD_ENV === "production") {
    if (v.FEEDBACK_SIGNING_KEY === undefined) {
      return {
        ok: false,
        setting: "FEEDBACK_SIGNING_KEY",
        problem: "is not set (wrangler secret put FEEDBACK_SIGNING_KEY)",
      };
    }
    if (v.FEEDBACK_SIGNING_KEY === DEMO_FEEDBACK_SIGNING_KEY) {
      return { ok: false, setting: "FEEDBACK_SIGNING_KEY", problem: "is the public demo value from .dev.vars" };
    }
  }
  return {
    ok: true,
    config: {
      environment: v.SWITCHYARD_ENV,
      snapshotTtlSeconds: v.SNAPSHOT_TTL_SECONDS,
      tenantCacheSize: v.TENANT_CACHE_SIZE,
      interactionLogging: v.INTERACTION_LOGGING === "on",
      logPackWindowMs: v.LOG_PACK_WINDOW_MS,
      feedbackTokenTtlSeconds: v.FEEDBACK_TOKEN_TTL_SECONDS,
      feedbackCorsOrigins: v.FEEDBACK_CORS_ORIGINS,
      feedbackSigningKey: v.FEEDBACK_SIGNING_KEY ?? null,
      adminToken: v.ADMIN_TOKEN ?? null,
      maxBodyBytes: v.MAX_BODY_BYTES,
      streamLeaseSeconds: v.LIMITS_STREAM_LEASE_SECONDS,
    },
  };
}

const cache = new WeakMap<object, ConfigResult>();

/**
 * The config of this env object, validated on first use and kept: the runtime
 * hands an isolate the same env on every request. A failure is logged once.
 */
export function readConfig(env: Env): ConfigResult {
  let result = cache.get(env);
  if (!result) {
    result = parseConfig(env as unknown as Record<string, unknown>);
    cache.set(env, result);
    if (!result.ok) {
      console.error(JSON.stringify({ msg: "configuration error", setting: result.setting, problem: result.problem }));
    }
  }
  return result;
}
