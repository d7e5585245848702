// The error catalogue: every non-2xx answer the gateway gives is built by one
// of the named constructors below and rendered by app.onError into OpenAI's
// {"error":{message,type,param,code}} shape, which the official SDKs map to
// their error classes by status. Call sites name the failure; only this file
// knows its status, type and code.
import type { ContentfulStatusCode } from "hono/utils/http-status";

export type ErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "rate_limit_error"
  // OpenAI's types for its own 429s: which limit was hit (REFERENCE: rate-limit headers)
  | "requests"
  | "tokens"
  | "upstream_error"
  | "timeout_error"
  | "server_error";

export type ErrorCode =
  // the request itself
  | "invalid_value"
  | "missing_required_parameter"
  | "unknown_parameter"
  | "invalid_body"
  | "unsupported_media_type"
  | "request_too_large"
  | "method_not_allowed"
  | "user_not_allowed_with_token"
  | "unsupported_by_upstream"
  | "invalid_manifest"
  // adapter versions (src/registry/publish-checks.ts)
  | "version_immutable"
  | "served_name_taken"
  | "version_in_use"
  // credentials
  | "invalid_api_key"
  | "admin_disabled"
  | "missing_scope"
  // what it names
  | "model_not_found"
  | "version_not_allowed"
  | "no_route"
  | "not_found"
  | "feed_exists"
  | "export_not_ready"
  | "rollout_state"
  // limits: the tenant's or the key's own (src/limits), or the upstream's
  | "rate_limit_exceeded"
  | "limiter_unavailable"
  // the upstream
  | "upstream_timeout"
  | "client_closed_request"
  | "upstream_unreachable"
  | "upstream_rejected"
  | "upstream_error"
  // the gateway
  | "config_error"
  | "internal_error";

export interface OpenAIErrorBody {
  error: { message: string; type: ErrorType; param: string | null; code: ErrorCode };
}

// 499 is nginx's "client closed request": never seen by the client that left,
// but it is what the interaction record stores.
type GatewayStatus = ContentfulStatusCode | 499;

interface GatewayErrorOptions {
  message: string;
  param?: string | null;
  cause?: unknown;
  headers?: Record<string, string>;
  /** Extra fields inside `error`, e.g. every issue of an invalid manifest. */
  details?: Record<string, unknown>;
}

export class GatewayError extends Error {
  readonly status: GatewayStatus;
  readonly type: ErrorType;
  readonly code: ErrorCode;
  readonly param: string | null;
  readonly headers: Record<string, string>;
  readonly details: Record<string, unknown>;

  private constructor(status: GatewayStatus, type: ErrorType, code: ErrorCode, options: GatewayErrorOptions) {
    super(options.message, { cause: options.cause });
    this.status = status;
    this.type = type;
    this.code = code;
    this.param = options.param ?? null;
    this.headers = options.headers ?? {};
    this.details = options.details ?? {};
  }

  /** Only the constructors below call this: the catalogue is the one place a status and code are chosen. */
  static create(status: GatewayStatus, type: ErrorType, code: ErrorCode, options: GatewayErrorOptions): GatewayError {
    return new GatewayError(status, type, code, options);
  }

  toBody(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code, ...this.details } };
  }

  toResponse(extraHeaders: Record<string, string> = {}): Response {
    return Response.json(this.toBody(), {
      status: this.status as ContentfulStatusCode,
      headers: { ...this.headers, ...extraHeaders },
    });
  }
}

const make = GatewayError.create;

// ── The request itself (4xx) ──────────────────────────────────────────────

export const invalidValue = (message: string, param: string | null) =>
  make(400, "invalid_request_error", "invalid_value", { message, param });

export const missingParameter = (message: string, param: string | null) =>
  make(400, "invalid_request_error", "missing_required_parameter", { message, param });

export const unknownParameter = (key: string, param: string | null) =>
  make(400, "invalid_request_error", "unknown_parameter", {
    message: `Unrecognized request argument supplied: '${key}'.`,
    param,
  });

export const invalidBody = (detail: string) =>
  make(400, "invalid_request_error", "invalid_body", { message: `Could not parse the request: ${detail}` });

export const unsupportedMediaType = (contentType: string | undefined) =>
  make(415, "invalid_request_error", "unsupported_media_type", {
    message: `Send the body as JSON with 'Content-Type: application/json'${contentType ? ` (got '${contentType}')` : ""}.`,
  });

export const requestTooLarge = (maxBytes?: number) =>
  make(413, "invalid_request_error", "request_too_large", {
    message:
      maxBytes === undefined
        ? "The request body is too large."
        : `The request body is larger than the ${maxBytes} bytes this gateway accepts.`,
  });

export const methodNotAllowed = (method: string, path: string, allow: readonly string[]) =>
  make(405, "invalid_request_error", "method_not_allowed", {
    message: `${method} is not allowed on ${path}; use ${allow.join(" or ")}.`,
    headers: { allow: allow.join(", ") },
  });

/** A field the route's primary adapter's upstream dialect cannot take. */
export const unsupportedByUpstream = (param: string, dialect: string, problem: string) =>
  make(400, "invalid_request_error", "unsupported_by_upstream", {
    message: `The upstream of this model's adapter (dialect '${dialect}') ${problem}; change '${param}' or use another model.`,
    param,
  });

export const userNotAllowedWithToken = () =>
  make(400, "invalid_request_error", "user_not_allowed_with_token", {
    message:
      "A feedback token rates as the one end user it was issued to and cannot name a 'user'; post with an API key to record feedback per user.",
    param: "user",
  });

/** The structural part of a manifest issue (registry/validate-manifest.ts). */
export interface ManifestIssueLike {
  pointer: string;
  message: string;
}

export const invalidManifest = (issues: readonly ManifestIssueLike[]) =>
  make(400, "invalid_request_error", "invalid_manifest", {
    message: `The manifest is invalid: ${issues.map((i) => `${i.pointer || "/"} ${i.message}`).join("; ")}`,
    param: issues[0]?.pointer || null,
    details: { issues },
  });

// ── Credentials (401/403) ─────────────────────────────────────────────────

export const invalidApiKey = (message = "Incorrect or missing API key. Pass it as 'Authorization: Bearer <key>'.") =>
  make(401, "authentication_error", "invalid_api_key", { message });

export const adminDisabled = () =>
  make(403, "permission_error", "admin_disabled", {
    message: "The admin API is disabled: ADMIN_TOKEN is not set.",
  });

export const missingScope = (needed: readonly string[]) =>
  make(403, "permission_error", "missing_scope", {
    message: `This API key lacks the scope this route needs: ${needed.join(" or ")}.`,
  });

// ── What the request names (404/409) ──────────────────────────────────────

export const modelNotFound = (model: string) =>
  make(404, "invalid_request_error", "model_not_found", {
    message: `The model '${model}' does not exist or you do not have access to it.`,
    param: "model",
  });

export const versionNotAllowed = (model: string) =>
  make(400, "invalid_request_error", "version_not_allowed", {
    message: `The model '${model}' cannot be pinned: the task does not allow that version.`,
    param: "model",
  });

export const noRoute = (model: string) =>
  make(400, "invalid_request_error", "no_route", {
    message: `No route of '${model}' matches this request.`,
    param: "model",
  });

export const notFound = (what: string, param: string | null = null) =>
  make(404, "not_found_error", "not_found", { message: `${what} was not found.`, param });

/** A published version's identity (source, served_name, base_model, upstream) cannot change: publish a new version. */
export const versionImmutable = (version: string, fields: readonly string[], pointer: string) =>
  make(409, "invalid_request_error", "version_immutable", {
    message: `Adapter version '${version}' was published with another ${fields.join(", ")}; versions are immutable (the same name with new weights can serve stale ones): publish a new version.`,
    param: pointer,
    details: { version, fields },
  });

/**
 * Another tenant serves this name on the same replica. Only ADMIN_TOKEN is
 * told which tenant (`owner`); a tenant key learns only that the name is taken.
 */
export const servedNameTaken = (servedName: string, replica: string, pointer: string, owner: string | null) =>
  make(409, "invalid_request_error", "served_name_taken", {
    message: owner
      ? `Served name '${servedName}' is already served on ${replica} by tenant '${owner}'; pick another served_name.`
      : `Served name '${servedName}' is taken on ${replica}; pick another served_name.`,
    param: pointer,
    details: owner ? { tenant: owner } : {},
  });

export const versionInUse = (version: string, references: readonly string[]) =>
  make(409, "invalid_request_error", "version_in_use", {
    message: `Adapter version '${version}' is still targeted by ${references.join("; ")}; change those first.`,
    param: "version",
    details: { references },
  });

export const feedExists = (name: string) =>
  make(409, "invalid_request_error", "feed_exists", { message: `A feed named '${name}' exists.`, param: "name" });

export const exportNotReady = (status: string) =>
  make(409, "invalid_request_error", "export_not_ready", { message: `The export is ${status}.`, param: "id" });

/** A rollout action its state does not allow (evaluate a paused rollout, resume a finished one). */
export const rolloutState = (id: string, state: string, action: string) =>
  make(409, "invalid_request_error", "rollout_state", {
    message: `Rollout '${id}' is ${state}; it cannot ${action}.`,
    param: "id",
  });

// ── Limits of the tenant or key (429) ─────────────────────────────────────

/**
 * A limit of the tenant or of the key (src/limits) was reached. `type` is
 * OpenAI's: "requests" (per minute, or concurrent streams) or "tokens";
 * `headers` carry retry-after and the x-ratelimit-* set.
 */
export const rateLimitExceeded = (type: "requests" | "tokens", message: string, headers: Record<string, string>) =>
  make(429, type, "rate_limit_exceeded", { message, headers });

/** The tenant's limiter could not be asked; the request is refused rather than let through unmetered. */
export const limiterUnavailable = () =>
  make(503, "server_error", "limiter_unavailable", {
    message: "The gateway could not check this tenant's limits. Retry shortly.",
    headers: { "retry-after": "1" },
  });

// ── The upstream ──────────────────────────────────────────────────────────

export const upstreamTimeout = (message: string) => make(504, "timeout_error", "upstream_timeout", { message });

export const clientClosedRequest = (message: string) =>
  make(499, "invalid_request_error", "client_closed_request", { message });

export const upstreamUnreachable = (detail: string) =>
  make(502, "upstream_error", "upstream_unreachable", { message: `Upstream unreachable: ${detail}` });

export const upstreamRateLimited = (detail: string, retryAfter: string | null | undefined) =>
  make(429, "rate_limit_error", "rate_limit_exceeded", {
    message: `Upstream rate limit: ${detail}`,
    headers: retryAfter ? { "retry-after": retryAfter } : {},
  });

export const upstreamRejected = (message: string) =>
  make(400, "invalid_request_error", "upstream_rejected", { message });

export const upstreamFailed = (status: number, detail: string) =>
  make(502, "upstream_error", "upstream_error", { message: `Upstream error ${status}: ${detail}` });

/** Sent as the last event of a stream the upstream broke off (status 200 was already sent). */
export const upstreamStreamBroken = (detail: string) =>
  make(502, "upstream_error", "upstream_error", { message: `The upstream stream broke off: ${detail}` });

export const upstreamMalformed = () =>
  make(502, "upstream_error", "upstream_error", { message: "Upstream sent a malformed completion." });

/**
 * A 4xx that Hono itself threw (HTTPException: a body that is not JSON, a body
 * over the limit …): its status is kept, and the code says what it means.
 */
export function frameworkRejection(status: number, detail: string): GatewayError {
  switch (status) {
    case 401:
      return invalidApiKey();
    case 404:
      return notFound("The resource");
    case 413:
      return requestTooLarge();
    case 415:
      return unsupportedMediaType(undefined);
    case 400:
      return invalidBody(detail);
    default:
      return make(status as ContentfulStatusCode, "invalid_request_error", "invalid_body", {
        message: `Could not accept the request: ${detail}`,
      });
  }
}

// ── The gateway (5xx) ─────────────────────────────────────────────────────

/** A var or secret that is missing or wrong; `setting` names it. */
export const configError = (setting: string, problem: string) =>
  make(503, "server_error", "config_error", {
    message: `The gateway is misconfigured: ${setting} ${problem}. The operator must fix this setting.`,
    param: setting,
  });

export const internalError = (requestId: string | undefined) =>
  make(500, "server_error", "internal_error", {
    message: `The gateway failed on this request. Quote request id ${requestId ?? "(none)"} when reporting it.`,
  });

/** For exhaustive switches: a value the types say cannot exist. */
export function assertNever(value: never, what: string): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
