// Framework-level answers: a known path with the wrong method is 405 with
// `allow`, an unknown path 404, and Hono's own exceptions keep their status.
import { HTTPException } from "hono/http-exception";
import { describe, expect, it } from "vitest";
import { renderError } from "../../src/app";
import { call } from "./helpers/gateway";
import { KEYS } from "./helpers/seed";

type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };

describe("wrong method on a known path", () => {
  it.each([
    ["GET", "/v1/chat/completions", KEYS.acme, "POST"],
    ["DELETE", "/v1/models", KEYS.acme, "GET, HEAD"],
    ["POST", "/healthz", null, "GET, HEAD"],
    ["PUT", "/v1/feedback", null, "POST"],
    ["POST", "/admin/tenants/acme/keys/key_1", "admin-dev", "DELETE"],
  ])("%s %s answers 405 with allow: %s", async (method, path, key, allow) => {
    const { response } = await call(path, undefined, { method, key });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe(allow);
    expect(response.headers.get("x-request-id")).toBeTruthy();
    const { error } = await response.json<ErrorBody>();
    expect(error).toMatchObject({ type: "invalid_request_error", code: "method_not_allowed", param: null });
    expect(error.message).toContain(method);
  });

  it("still asks for credentials first on an authenticated path", async () => {
    const { response } = await call("/v1/chat/completions", undefined, { method: "GET", key: null });
    expect(response.status).toBe(401);
  });

  it("answers an unknown path with 404 not_found", async () => {
    const { response } = await call("/v1/nothing-here", undefined, { key: KEYS.acme });
    expect(response.status).toBe(404);
    expect(response.headers.get("allow")).toBeNull();
    expect((await response.json<ErrorBody>()).error.code).toBe("not_found");
  });

  it("keeps a handler's own 404 on a known path and method", async () => {
    const { response } = await call("/v1/interactions/chatcmpl-none-such-id", undefined, { key: KEYS.acme });
    expect(response.status).toBe(404);
    expect(response.headers.get("allow")).toBeNull();
  });
});

describe("Hono's own exceptions", () => {
  it.each([
    [413, "request_too_large"],
    [415, "unsupported_media_type"],
    [400, "invalid_body"],
    [401, "invalid_api_key"],
    [422, "invalid_body"],
  ])("keep status %i and render as %s", async (status, code) => {
    const response = renderError(new HTTPException(status as 413, { message: "from hono" }), "req-1");
    expect(response.status).toBe(status);
    const { error } = await response.json<ErrorBody>();
    expect(error.code).toBe(code);
  });

  it("a 5xx from Hono is a generic 500 quoting the request id", async () => {
    const response = renderError(new HTTPException(503, { message: "inner detail" }), "req-42");
    expect(response.status).toBe(500);
    const { error } = await response.json<ErrorBody>();
    expect(error).toMatchObject({ code: "internal_error" });
    expect(error.message).toContain("req-42");
    expect(error.message).not.toContain("inner detail");
  });

  it("malformed JSON from Hono's body parser stays a 400 invalid_body end to end", async () => {
    const { response } = await call("/v1/chat/completions", "{not json", { key: KEYS.acme });
    expect(response.status).toBe(400);
    expect((await response.json<ErrorBody>()).error.code).toBe("invalid_body");
  });
});
