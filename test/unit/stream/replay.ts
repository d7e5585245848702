// Plays one recorded upstream stream through the gateway's stream path as
// chat/run-chat.ts drives it, and returns what the client received (every
// byte, concatenated) and the interaction record built when it ended. Fake
// timers drive the watchdogs and the write coalescing, so the timings in the
// record are the same on every machine.
import { vi } from "vitest";
import { captureStream, type StreamEnd } from "../../../src/logging/capture-stream";
import { CompletionCapture } from "../../../src/logging/completion-capture";
import { buildRecord, promptChars, type RecordStart } from "../../../src/logging/record-builder";
import type { InteractionRecord } from "../../../src/logging/interaction-record";
import type { Clock } from "../../../src/clock";
import type { UpstreamEnd } from "./golden-cases";

export interface Replayed {
  client: Uint8Array;
  end: StreamEnd;
  record: InteractionRecord;
  aborts: string[];
}

export const GOLDEN_EPOCH_MS = 1_764_460_800_000;
const clock: Clock = { nowMs: () => Date.now(), monotonicMs: () => Date.now() - GOLDEN_EPOCH_MS };

function upstreamStream(raw: Uint8Array, splits: number[], end: UpstreamEnd): ReadableStream<Uint8Array> {
  const bounds = [0, ...splits, raw.length];
  let next = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // Each read after the first arrives one fake millisecond later, so time
        // to first token, the latency and the write coalescing have something to measure.
        if (next > 0) await new Promise((resolve) => setTimeout(resolve, 1));
        if (next < bounds.length - 1) {
          // A copy per read, as a runtime hands out a fresh buffer each time.
          controller.enqueue(raw.slice(bounds[next], bounds[next + 1]));
          next++;
          return;
        }
        if (end === "close") controller.close();
        else if (end !== "stall") controller.error(new Error(end.error));
        else await new Promise<void>(() => {}); // never answers again
      },
    },
    { highWaterMark: 0 },
  );
}

export function recordStart(): RecordStart {
  const upstreamBody = {
    messages: [
      { role: "system", content: "Tone: warm, brief." },
      { role: "user", content: "Où est ma commande? 🙂" },
    ],
    temperature: 0.3,
    max_tokens: 200,
  };
  return {
    requestId: "req_golden0001",
    clientRequestId: null,
    tenantId: "acme",
    task: "support",
    adapter: { name: "support-v3", version: "v3" },
    route: "default",
    tone: "support-warm@1",
    audience: "customer",
    user: null,
    stream: true,
    client: { messages: [upstreamBody.messages[1]], tools: null, metadata: null },
    upstreamBody,
    promptChars: promptChars(upstreamBody.messages),
    createdAt: GOLDEN_EPOCH_MS,
    startedAt: 0,
  };
}

const ATTEMPTS = [{ version: "v3", upstream: "vllm-1", outcome: "ok" as const, status: 200, ms: 5 }];

/** Needs vi.useFakeTimers() with the system time at GOLDEN_EPOCH_MS. */
export async function replay(
  raw: Uint8Array,
  splits: number[],
  end: UpstreamEnd,
  includeUsage: boolean,
): Promise<Replayed> {
  const start = recordStart();
  const capture = new CompletionCapture(clock.monotonicMs);
  const aborts: string[] = [];
  let ended: StreamEnd | null = null;
  let record: InteractionRecord | null = null;
  const stream = captureStream(upstreamStream(raw, splits, end), {
    id: start.requestId,
    model: "support@v3",
    created: Math.floor(start.createdAt / 1000),
    includeUsage,
    promptChars: start.promptChars,
    idleTimeoutMs: 1000,
    capture,
    clock,
    abortUpstream: (reason) => aborts.push(reason),
    onEnd: (e, endedAt) => {
      ended = e;
      const error = e.status === "ok" ? null : e.error;
      record = buildRecord(start, capture, {
        status: e.status,
        error,
        httpStatus: 200,
        attempts: ATTEMPTS,
        endedAt,
      });
    },
  });
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let done = false;
  const reading = (async () => {
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      parts.push(next.value);
    }
    done = true;
  })();
  // One fake millisecond at a time until the client has read everything.
  for (let ms = 0; !done && ms < 60_000; ms++) await vi.advanceTimersByTimeAsync(1);
  await reading;
  await vi.advanceTimersByTimeAsync(1); // the record is built in a task after the end
  if (!ended || !record) throw new Error("the stream ended without calling onEnd");
  const client = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    client.set(p, at);
    at += p.length;
  }
  return { client, end: ended, record, aborts };
}
