// One error type for everything the gateway answers with a non-2xx status.
// Rendered by app.onError into OpenAI's {"error":{message,type,param,code}}
// shape, which the official SDKs map to their error classes by status.
import type { ContentfulStatusCode } from "hono/utils/http-status";

export type ErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "rate_limit_error"
  | "upstream_error"
  | "timeout_error"
  | "server_error";

export interface OpenAIErrorBody {
  error: { message: string; type: ErrorType; param: string | null; code: string | null };
}

export class GatewayError extends Error {
  readonly status: ContentfulStatusCode;
  readonly type: ErrorType;
  readonly code: string | null;
  readonly param: string | null;
  readonly headers: Record<string, string>;
  /** Extra fields inside `error`, e.g. every issue of an invalid manifest. */
  readonly details: Record<string, unknown>;

  constructor(
    status: ContentfulStatusCode,
    type: ErrorType,
    code: string | null,
    options: {
      message: string;
      param?: string | null;
      cause?: unknown;
      headers?: Record<string, string>;
      details?: Record<string, unknown>;
    },
  ) {
    super(options.message, { cause: options.cause });
    this.status = status;
    this.type = type;
    this.code = code;
    this.param = options.param ?? null;
    this.headers = options.headers ?? {};
    this.details = options.details ?? {};
  }

  toBody(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code, ...this.details } };
  }

  toResponse(extraHeaders: Record<string, string> = {}): Response {
    return Response.json(this.toBody(), {
      status: this.status,
      headers: { ...this.headers, ...extraHeaders },
    });
  }
}

// The catalogue: one constructor per failure the wire API names.
export const invalidRequest = (message: string, param: string | null, code = "invalid_value") =>
  new GatewayError(400, "invalid_request_error", code, { message, param });

export const invalidApiKey = (message = "Incorrect or missing API key. Pass it as 'Authorization: Bearer <key>'.") =>
  new GatewayError(401, "authentication_error", "invalid_api_key", { message });

export const modelNotFound = (model: string) =>
  new GatewayError(404, "invalid_request_error", "model_not_found", {
    message: `The model '${model}' does not exist or you do not have access to it.`,
    param: "model",
  });

export const notFound = (what: string, param: string | null = null) =>
  new GatewayError(404, "not_found_error", "not_found", { message: `${what} was not found.`, param });
