// Sequential (unloaded) client: one request at a time, so what it measures is
// per-request cost, not queueing. For a streamed answer it records time to
// first token — from just before fetch() to the first SSE `data:` event whose
// delta carries content (the role-only opening chunk does not count) — counts
// the answer's SSE events (the divisor of CPU per streamed event) and reads
// the stream to its end before the next request.
import type { LoadRequest } from "./load";

export interface ProbeSample {
  total_ms: number;
  /** Streamed answers only. */
  ttft_ms?: number;
  /** Streamed answers only: reads the client needed (writes the Worker made, roughly). */
  chunks?: number;
  /** Streamed answers only: SSE `data:` events, the closing `[DONE]` not counted. */
  events?: number;
}

function hasContent(data: string): boolean {
  if (data === "[DONE]") return false;
  try {
    const chunk = JSON.parse(data) as { choices?: { delta?: { content?: unknown } }[] };
    const content = chunk.choices?.[0]?.delta?.content;
    return typeof content === "string" && content.length > 0;
  } catch {
    return false;
  }
}

export async function probeOnce(target: LoadRequest, stream: boolean): Promise<ProbeSample> {
  const started = performance.now();
  const response = await fetch(target.url, { method: "POST", headers: target.headers, body: target.body });
  if (response.status !== 200) {
    throw new Error(`probe: ${target.url} answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  }
  if (!stream) {
    await response.arrayBuffer();
    return { total_ms: performance.now() - started };
  }
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let ttft: number | undefined;
  let chunks = 0;
  let events = 0;
  const take = (event: string) => {
    for (const line of event.split("\n")) {
      if (!line.startsWith("data:")) continue;
      const data = line.slice(5).trim();
      if (data !== "[DONE]") events++;
      if (ttft === undefined && hasContent(data)) ttft = performance.now() - started;
    }
  };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks++;
    buffer += value;
    let cut: number;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      take(buffer.slice(0, cut));
      buffer = buffer.slice(cut + 2);
    }
  }
  if (buffer.trim()) take(buffer);
  if (ttft === undefined) throw new Error(`probe: ${target.url} streamed no content`);
  return { total_ms: performance.now() - started, ttft_ms: ttft, chunks, events };
}

/**
 * `count` requests to each target in turn, pausing `settleMs` between
 * targets: alternating them would put the gateway's log-consumer batches
 * (every ~1 s) under the pass-through's requests and inflate its tail.
 */
export async function probeEach<K extends string>(
  targets: Record<K, LoadRequest>,
  stream: boolean,
  count: number,
  settleMs: number,
): Promise<Record<K, ProbeSample[]>> {
  const samples = {} as Record<K, ProbeSample[]>;
  for (const name of Object.keys(targets) as K[]) {
    samples[name] = [];
    for (let i = 0; i < count; i++) samples[name].push(await probeOnce(targets[name], stream));
    await new Promise((resolve) => setTimeout(resolve, settleMs));
  }
  return samples;
}
