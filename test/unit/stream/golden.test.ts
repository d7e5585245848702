// Byte-for-byte replay of the stream path against golden files recorded from
// it (test/golden/stream/*.json): what the client receives and the record
// the log gets, for vLLM, LoRAX, OpenAI and Workers AI shapes, tool calls,
// usage, reads split anywhere, upstream errors, cuts and stalls.
// Re-record (only when a change of output is intended and reviewed):
//   RECORD_STREAM_GOLDENS=1 npx vitest run test/unit/stream/golden.test.ts
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { goldenCases } from "./golden-cases";
import { GOLDEN_EPOCH_MS, replay } from "./replay";

const DIR = path.join(import.meta.dirname, "../../golden/stream");
const RECORD = process.env.RECORD_STREAM_GOLDENS === "1";

interface Golden {
  name: string;
  note: string;
  include_usage: boolean;
  upstream_end: "close" | "stall" | { error: string };
  upstream: string;
  splits: number[];
  client: string;
  end: unknown;
  aborts: string[];
  record: unknown;
}

const strictText = (bytes: Uint8Array) => new TextDecoder("utf-8", { fatal: true }).decode(bytes);

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(GOLDEN_EPOCH_MS);
});
afterEach(() => vi.useRealTimers());

if (RECORD) {
  it("records the golden files from the current stream path", async () => {
    vi.useRealTimers(); // the dev upstream's own timers (a cut waits before it errors)
    const cases = await goldenCases();
    vi.useFakeTimers();
    vi.setSystemTime(GOLDEN_EPOCH_MS);
    mkdirSync(DIR, { recursive: true });
    for (const c of cases) {
      vi.setSystemTime(GOLDEN_EPOCH_MS); // each case starts at the same instant, as each replay does
      const raw = new TextEncoder().encode(c.upstream);
      const out = await replay(raw, c.splits, c.end, c.includeUsage);
      const golden: Golden = {
        name: c.name,
        note: c.note,
        include_usage: c.includeUsage,
        upstream_end: c.end,
        upstream: c.upstream,
        splits: c.splits,
        client: strictText(out.client),
        end: out.end,
        aborts: out.aborts,
        record: out.record,
      };
      writeFileSync(path.join(DIR, `${c.name}.json`), `${JSON.stringify(golden, null, 2)}\n`);
    }
  }, 120_000);
} else {
  const files = readdirSync(DIR).filter((f) => f.endsWith(".json"));
  describe("stream path against its golden files", () => {
    it("has golden files to replay", () => expect(files.length).toBeGreaterThanOrEqual(20));
    for (const file of files) {
      const golden = JSON.parse(readFileSync(path.join(DIR, file), "utf8")) as Golden;
      it(`${golden.name}: ${golden.note}`, async () => {
        const raw = new TextEncoder().encode(golden.upstream);
        const out = await replay(raw, golden.splits, golden.upstream_end, golden.include_usage);
        // Bytes, not text: the client must get exactly what it got before.
        expect(Buffer.from(out.client).equals(Buffer.from(golden.client, "utf8"))).toBe(true);
        expect(strictText(out.client)).toBe(golden.client);
        expect(out.end).toEqual(golden.end);
        expect(out.aborts).toEqual(golden.aborts);
        expect(JSON.parse(JSON.stringify(out.record))).toEqual(golden.record);
      }, 30_000);
    }
  });
}
