// The request the openai-compatible provider sends: a stop list longer than
// the dialect takes (the client's stops plus a tone preset's) is cut to the
// dialect's limit, the client's first.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { openAICompatibleProvider } from "../../src/providers/openai-compatible";
import type { AdapterTarget } from "../../src/routing/compiled";

function target(dialect: string): AdapterTarget {
  return {
    adapter: { name: "a", version: "a-v1", upstream: "up", base_model: "m", served_name: "lora-a" },
    upstream: { id: "up", kind: "openai-compatible", base_url: "http://upstream.test/v1", dialect, timeout_ms: 1000 },
  } as unknown as AdapterTarget;
}

async function sentStop(dialect: string, stop: string[]) {
  let sent: { stop?: string[] } = {};
  vi.spyOn(globalThis, "fetch").mockImplementation(async (_input, init) => {
    sent = JSON.parse(String(init?.body));
    return Response.json({ choices: [] });
  });
  await openAICompatibleProvider.complete(target(dialect), {
    body: { messages: [{ role: "user", content: "hi" }], stop },
    stream: false,
    signal: new AbortController().signal,
    env,
  });
  return sent.stop;
}

describe("openai-compatible provider: stop", () => {
  afterEach(() => vi.restoreAllMocks());
  const six = ["c1", "c2", "c3", "p1", "p2", "p3"];

  it("sends every stop to a dialect that takes them", async () => {
    expect(await sentStop("vllm", six)).toEqual(six);
  });

  it.each(["openai", "tgi", "lorax"])("cuts the list to 4 for %s, keeping the first", async (dialect) => {
    expect(await sentStop(dialect, six)).toEqual(["c1", "c2", "c3", "p1"]);
  });
});
