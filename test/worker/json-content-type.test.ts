// Routes that take a JSON body refuse any other content type, and a body
// without one, as a 415 unsupported_media_type before validation; a missing
// body is a validation error naming the first missing field.
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { gateway } from "./helpers/gateway";
import { KEYS } from "./helpers/seed";

type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };

/** A request exactly as given: unlike helpers/gateway's call(), no content type is added. */
async function send(path: string, init: { method?: string; headers?: Record<string, string>; body?: string }) {
  const headers = new Headers(init.headers);
  if (!headers.has("authorization")) headers.set("authorization", `Bearer ${KEYS.acme}`);
  const request = new Request(`http://gateway.test${path}`, {
    method: init.method ?? "POST",
    headers,
    body: init.body,
  });
  return gateway().fetch(request as never, env as Env, createExecutionContext());
}

const chatBody = JSON.stringify({ model: "support", messages: [{ role: "user", content: "hi" }] });
const dryRun = { "x-switchyard-dry-run": "1" };

describe("JSON request bodies", () => {
  it.each([
    ["text/plain", "text/plain"],
    ["a form", "application/x-www-form-urlencoded"],
    ["json with a suffix", "application/jsonx"],
  ])("refuses %s as 415 unsupported_media_type", async (_, type) => {
    const response = await send("/v1/chat/completions", {
      headers: { "content-type": type, ...dryRun },
      body: chatBody,
    });
    expect(response.status).toBe(415);
    const { error } = await response.json<ErrorBody>();
    expect(error).toEqual({
      message: "Send the body as JSON with 'Content-Type: application/json'.",
      type: "invalid_request_error",
      param: null,
      code: "unsupported_media_type",
    });
  });

  it("refuses a body without a content type as 415 unsupported_media_type", async () => {
    const response = await send("/v1/chat/completions", { headers: dryRun, body: chatBody });
    expect(response.status).toBe(415);
    expect((await response.json<ErrorBody>()).error.code).toBe("unsupported_media_type");
  });

  it("answers a missing body by naming the first missing field", async () => {
    const response = await send("/v1/chat/completions", { headers: dryRun });
    expect(response.status).toBe(400);
    const { error } = await response.json<ErrorBody>();
    expect(error).toMatchObject({ param: "model", code: "missing_required_parameter" });
  });

  it("answers malformed JSON with invalid_body", async () => {
    const response = await send("/v1/chat/completions", {
      headers: { "content-type": "application/json", ...dryRun },
      body: "{not json",
    });
    expect(response.status).toBe(400);
    const { error } = await response.json<ErrorBody>();
    expect(error).toMatchObject({ code: "invalid_body", message: expect.stringContaining("Malformed JSON") });
  });

  it.each(["application/json; charset=utf-8", "Application/JSON", "application/vnd.switchyard+json"])(
    "accepts %s",
    async (type) => {
      const response = await send("/v1/chat/completions", {
        headers: { "content-type": type, ...dryRun },
        body: chatBody,
      });
      expect(response.status).toBe(200);
    },
  );

  it("checks the credential of /v1/feedback before the content type", async () => {
    const response = await send("/v1/feedback", {
      headers: { "content-type": "text/plain", authorization: "" },
      body: "{}",
    });
    expect(response.status).toBe(401);
  });

  it("lets an admin create a key with no body at all", async () => {
    const response = await send("/admin/tenants/acme/keys", { headers: { authorization: "Bearer admin-dev" } });
    expect(response.status).toBe(201);
    const key = await response.json<{ id: string }>();
    expect(key).toMatchObject({ tenant: "acme", name: "api key" });
    const revoked = await send(`/admin/tenants/acme/keys/${key.id}`, {
      method: "DELETE",
      headers: { authorization: "Bearer admin-dev" },
    });
    expect(revoked.status).toBe(200);
  });

  it("refuses an admin key body that is not JSON", async () => {
    const response = await send("/admin/tenants/acme/keys", {
      headers: { authorization: "Bearer admin-dev", "content-type": "text/plain" },
      body: "name=x",
    });
    expect(response.status).toBe(415);
    expect((await response.json<ErrorBody>()).error.code).toBe("unsupported_media_type");
  });
});
