// MAX_BODY_BYTES: a larger body is a 413 request_too_large on every route
// that takes one, decided from Content-Length before the body is read, or
// while a chunked body arrives, without reading past the limit.
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { gateway } from "./helpers/gateway";
import { KEYS } from "./helpers/seed";

type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };
const LIMIT = 4096;
const limited = { ...env, MAX_BODY_BYTES: String(LIMIT) } as Env;

/** A body that counts how much of it was read: 1 KiB a pull, `chunks` of them. */
function countingBody(chunks: number) {
  const read = { chunks: 0 };
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (read.chunks >= chunks) return controller.close();
      read.chunks++;
      controller.enqueue(new TextEncoder().encode(" ".repeat(1024)));
    },
  });
  return { body, read };
}

async function send(path: string, init: { body: BodyInit; headers?: Record<string, string>; key?: string }) {
  const request = new Request(`http://gateway.test${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${init.key ?? KEYS.acme}`, "content-type": "application/json", ...init.headers },
    body: init.body,
  });
  return gateway().fetch(request as never, limited, createExecutionContext());
}

describe("MAX_BODY_BYTES", () => {
  it("refuses a declared length over the limit without reading the body", async () => {
    const { body, read } = countingBody(10_000);
    const response = await send("/v1/chat/completions", { body, headers: { "content-length": String(10_000 * 1024) } });
    expect(response.status).toBe(413);
    const { error } = await response.json<ErrorBody>();
    expect(error).toMatchObject({ type: "invalid_request_error", code: "request_too_large" });
    expect(error.message).toContain(String(LIMIT));
    expect(read.chunks).toBeLessThanOrEqual(1);
  });

  it("stops reading a chunked body at the limit", async () => {
    const { body, read } = countingBody(10_000);
    const response = await send("/v1/chat/completions", { body });
    expect(response.status).toBe(413);
    expect(read.chunks).toBeLessThan(LIMIT / 1024 + 4);
  });

  it.each([
    ["/v1/feedback", KEYS.acme],
    ["/admin/tenants/acme/manifest/validate", "admin-dev"],
    ["/v1/exports", KEYS.acme],
  ])("applies to %s too", async (path, key) => {
    const response = await send(path, { body: JSON.stringify({ padding: "x".repeat(LIMIT) }), key });
    expect(response.status).toBe(413);
    expect((await response.json<ErrorBody>()).error.code).toBe("request_too_large");
  });

  it("takes a body under the limit", async () => {
    const message = JSON.stringify({ model: "support", messages: [{ role: "user", content: "hi" }] });
    const padded = message.slice(0, -1) + `,"metadata":{"pad":"${"x".repeat(200)}"}}`;
    const response = await send("/v1/chat/completions", { body: padded, headers: { "x-switchyard-dry-run": "1" } });
    expect(response.status).toBe(200);
  });
});
