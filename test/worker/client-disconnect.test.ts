// A client that goes away before the answer starts: through a real
// invocation of the Worker (exports.default.fetch, as an HTTP client's
// request is), the gateway must see the disconnect (request.signal, which
// workerd fires only with the enable_request_signal flag), cancel the
// upstream call and log exactly one client_aborted record.
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { KEYS } from "./helpers/seed";

type Row = { status: string; attempts: string };

/** Polls D1 until the record of the request the client named `clientId` is written (the consumer runs about a second later). */
async function recordsOf(clientId: string, timeoutMs = 8000): Promise<Row[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { results } = await env.DB.prepare(
      "SELECT status, attempts, error FROM interactions WHERE client_request_id = ?",
    )
      .bind(clientId)
      .all<Row>();
    if (results.length > 0 || Date.now() > deadline) return results;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Sends a chat request and disconnects as soon as the gateway's `nth` upstream call has started. */
async function disconnectDuringUpstream(body: Record<string, unknown>, nth = 1) {
  const clientId = `disconnect-${crypto.randomUUID()}`;
  const client = new AbortController();
  // Plain values, written in the gateway's context: the signals themselves
  // belong to its request and cannot be read from the test's.
  const upstream = { started: 0, cancelled: 0 };
  const realFetch = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation((input, init) => {
    upstream.started++;
    init?.signal?.addEventListener("abort", () => upstream.cancelled++);
    return realFetch(input, init);
  });
  const request = new Request("http://gateway.test/v1/chat/completions", {
    method: "POST",
    headers: {
      authorization: `Bearer ${KEYS.testco}`,
      "content-type": "application/json",
      "x-client-request-id": clientId,
    },
    body: JSON.stringify({ messages: [{ role: "user", content: "hello" }], ...body }),
    signal: client.signal,
  });
  const answer = exports.default.fetch(request).then(
    (response) => response.status,
    (error: Error) => error.name,
  );
  // Abort from this (the client's) context once the upstream call is under
  // way: the AbortController belongs to the client's request.
  while (upstream.started < nth) await new Promise((resolve) => setTimeout(resolve, 1));
  client.abort();
  await answer;
  return { clientId, upstream };
}

describe("client disconnects before the answer starts", () => {
  afterEach(() => vi.restoreAllMocks());

  it("non-streamed: the upstream call is cancelled and one client_aborted record is logged", async () => {
    const { clientId, upstream } = await disconnectDuringUpstream({ model: "slow" });
    const rows = await recordsOf(clientId);
    expect(
      rows.map((r) => r.status),
      JSON.stringify(rows),
    ).toEqual(["client_aborted"]);
    expect(upstream.cancelled).toBe(1);
  });

  it("streamed, no fallback, upstream hanging: client_aborted, not timeout", async () => {
    const { clientId, upstream } = await disconnectDuringUpstream({ model: "hang", stream: true });
    const rows = await recordsOf(clientId);
    expect(
      rows.map((r) => r.status),
      JSON.stringify(rows),
    ).toEqual(["client_aborted"]);
    expect(upstream.cancelled).toBe(1);
  });

  it("streamed, first adapter hanging, client gone during the fallback: one client_aborted record", async () => {
    const { clientId } = await disconnectDuringUpstream({ model: "fallback-hang", stream: true });
    const rows = await recordsOf(clientId);
    expect(
      rows.map((r) => r.status),
      JSON.stringify(rows),
    ).toEqual(["client_aborted"]);
  });
});
