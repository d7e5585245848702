// The byte path against its reference: for any chunk, the rewriter must send
// what chunk-event.ts (parse, rewrite, JSON.stringify) sends, and count the
// same flags, whatever the key order, missing fields, usage or read splits.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CompletionCapture } from "../../../src/logging/completion-capture";
import { rewriteEvent, type ChunkIdentity, type StreamFlags } from "../../../src/stream/chunk-event";
import { SseRewriter } from "../../../src/stream/sse-rewriter";

const FIRST_TOKEN = 'data: {"id":"u","choices":[{"index":0,"delta":{"content":"hi"}}]}\n\n';

function reference(text: string, who: ChunkIdentity) {
  const flags: StreamFlags = { sawDone: false, usageSent: false, upstreamError: null, errorForwarded: false };
  const capture = new CompletionCapture(() => 1);
  let out = "";
  for (const block of text.split("\n\n").slice(0, -1)) out += rewriteEvent(block.slice(6), who, flags, capture);
  return { out, flags };
}

function viaBytes(text: string, who: ChunkIdentity, splits: number[]) {
  const rewriter = new SseRewriter(who, new CompletionCapture(() => 1));
  const raw = new TextEncoder().encode(text);
  const bounds = [0, ...splits.map((s) => s % (raw.length + 1)).sort((a, b) => a - b), raw.length];
  for (let k = 0; k + 1 < bounds.length; k++) rewriter.feed(raw.subarray(bounds[k], bounds[k + 1]));
  return { out: new TextDecoder().decode(rewriter.out.take()), flags: rewriter.flags, scanned: rewriter.scanned };
}

const member = fc.oneof(
  fc.constant(["id", "chatcmpl-9"] as const),
  fc.constant(["model", "lora-a"] as const),
  fc.constant(["created", 1764460800] as const),
  fc.constant(["object", "chat.completion.chunk"] as const),
  fc.tuple(fc.constant("usage"), fc.oneof(fc.constant(null), fc.constant({ prompt_tokens: 3, completion_tokens: 2 }))),
  fc.tuple(
    fc.constant("choices"),
    fc.oneof(
      fc.constant([]),
      fc.array(
        fc.record({
          index: fc.nat(2),
          delta: fc.record({ content: fc.string() }),
          finish_reason: fc.constantFrom(null, "stop"),
        }),
        { minLength: 1, maxLength: 2 },
      ),
    ),
  ),
  fc.tuple(fc.constant("system_fingerprint"), fc.string()),
);
const chunk = fc
  .uniqueArray(member, { selector: ([key]) => key, maxLength: 7 })
  .map((members) => Object.fromEntries(members));

describe("SseRewriter", () => {
  it("sends exactly what a parse and re-encode sends, for any chunk and any read splits", () => {
    fc.assert(
      fc.property(chunk, fc.boolean(), fc.array(fc.nat(), { maxLength: 4 }), (c, includeUsage, splits) => {
        const who = { id: "req_1", model: "support@v3", created: 1764460801, includeUsage };
        const text = `${FIRST_TOKEN}data: ${JSON.stringify(c)}\n\ndata: [DONE]\n\n`;
        const bytes = viaBytes(text, who, splits);
        const ref = reference(text, who);
        expect(bytes.out).toBe(ref.out);
        expect(bytes.flags).toEqual(ref.flags);
        expect(bytes.scanned).toBe(true);
      }),
      { numRuns: 500, seed: 19 },
    );
  });

  it("takes events after the first token on the byte path, and the first ones through the parser", () => {
    const who = { id: "r", model: "m", created: 1, includeUsage: true };
    const role = 'data: {"id":"u","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}\n\n';
    const rewriter = new SseRewriter(who, new CompletionCapture(() => 7));
    rewriter.feed(new TextEncoder().encode(role));
    expect(rewriter.scanned).toBe(false);
    rewriter.feed(new TextEncoder().encode(FIRST_TOKEN + FIRST_TOKEN));
    expect(rewriter.scanned).toBe(true);
  });

  it("hands a stream with CR line ends to the SSE parser from the event where they start", () => {
    const who = { id: "r", model: "m", created: 1, includeUsage: false };
    const text = `${FIRST_TOKEN}${FIRST_TOKEN}${FIRST_TOKEN.replace("\n\n", "\r\n\r\n")}data: [DONE]\r\n\r\n`;
    const bytes = viaBytes(text, who, [3, 90]);
    expect(bytes.out).toBe(reference(FIRST_TOKEN.repeat(3), who).out);
    expect(bytes.flags.sawDone).toBe(true);
  });
});
