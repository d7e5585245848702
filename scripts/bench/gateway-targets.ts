// The two requests the gateway section sends. The gateway gets what a client
// sends (`model: "support"`, the demo key); the pass-through gets the body
// the gateway itself would send upstream — taken from the gateway's dry-run
// plan, so it has the same adapter name, tone system prompt and params, and
// the upstream does the same work for both. For a stream both ask for usage,
// as the gateway always does upstream.
import type { LoadRequest } from "./load";
import type { Stack } from "./start-stack";

export type Mode = "non_stream" | "stream";
export type TargetName = "passthrough" | "gateway";
export type Targets = Record<Mode, Record<TargetName, LoadRequest>>;

export const DEMO_KEY = "sk-acme-dev";
const MESSAGES = [{ role: "user", content: "I was charged twice for my April invoice. Can you help me get a refund?" }];

/** `passthroughHeaders` go to the upstream as is (the gateway's come from its manifests). */
export async function buildTargets(stack: Stack, passthroughExtra: Record<string, string> = {}): Promise<Targets> {
  const gatewayUrl = `${stack.gatewayUrl}/v1/chat/completions`;
  const gatewayHeaders = { authorization: `Bearer ${DEMO_KEY}`, "content-type": "application/json" };
  const planned = await fetch(gatewayUrl, {
    method: "POST",
    headers: { ...gatewayHeaders, "x-switchyard-dry-run": "1" },
    body: JSON.stringify({ model: "support", messages: MESSAGES }),
  });
  if (planned.status !== 200) {
    throw new Error(`gateway dry-run answered ${planned.status}: ${(await planned.text()).slice(0, 300)}`);
  }
  const plan = (await planned.json()) as { request: Record<string, unknown> };
  const passthroughUrl = `${stack.passthroughUrl}/v1/chat/completions`;
  const passthroughHeaders = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    ...passthroughExtra,
  };
  const target = (stream: boolean): Record<TargetName, LoadRequest> => ({
    passthrough: {
      url: passthroughUrl,
      headers: passthroughHeaders,
      body: JSON.stringify({ ...plan.request, stream, ...(stream ? { stream_options: { include_usage: true } } : {}) }),
    },
    gateway: {
      url: gatewayUrl,
      headers: gatewayHeaders,
      body: JSON.stringify({ model: "support", messages: MESSAGES, stream }),
    },
  });
  return { non_stream: target(false), stream: target(true) };
}
