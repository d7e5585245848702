// A Workflow step saves the builder between parts and a retried or resumed
// step restores it: the output must be exactly what one uninterrupted run
// gives, with dedup and DPO pairing working across the cut.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ExampleBuilder } from "../../../src/export/example-builder";
import type { ExportRow } from "../../../src/export/types";
import { EXPORT_FORMATS } from "../../../src/schemas/export-formats";
import { makeRow } from "./make-row";

const fixtures = JSON.parse(readFileSync(path.join(import.meta.dirname, "fixtures/rows.json"), "utf8")) as ExportRow[];

describe("toState / fromState", () => {
  it.each(EXPORT_FORMATS)("%s: a run cut anywhere and resumed from JSON equals one run", (format) => {
    const whole = new ExampleBuilder({ format });
    const expected = [...whole.pushAll(fixtures), ...whole.finish()];
    for (const cut of [1, 5, 11, 12, 24]) {
      const first = new ExampleBuilder({ format });
      const before = first.pushAll(fixtures.slice(0, cut));
      const saved = JSON.parse(JSON.stringify(first.toState()));
      const resumed = ExampleBuilder.fromState({ format }, saved);
      const after = [...resumed.pushAll(fixtures.slice(cut)), ...resumed.finish()];
      expect([...before, ...after]).toEqual(expected);
      expect(resumed.stats()).toEqual(whole.stats());
    }
  });

  it("keeps dedup and waiting pairs across the cut", () => {
    const a = makeRow({ user: "Q", response: "good", rating: 1 });
    const dup = { ...a, interaction: { ...a.interaction, request_id: "dup" } };
    const bad = makeRow({ user: "Q", response: "bad", rating: -1 });
    const first = new ExampleBuilder({ format: "trl-dpo" });
    first.push(a);
    const resumed = ExampleBuilder.fromState({ format: "trl-dpo" }, JSON.parse(JSON.stringify(first.toState())));
    expect(resumed.push(bad)).toHaveLength(1);

    const sft = new ExampleBuilder({ format: "trl-sft" });
    expect(sft.push(a)).toHaveLength(1);
    const sft2 = ExampleBuilder.fromState({ format: "trl-sft" }, JSON.parse(JSON.stringify(sft.toState())));
    expect(sft2.push(dup)).toEqual([]);
    expect(sft2.stats().deduped).toBe(1);
  });

  it("round-trips thousands of dedup hashes", () => {
    const rows = Array.from({ length: 5_000 }, (_, i) => makeRow({ user: `q${i}`, response: `a${i}` }));
    const first = new ExampleBuilder({ format: "trl-sft" });
    expect(first.pushAll(rows)).toHaveLength(5_000);
    const resumed = ExampleBuilder.fromState({ format: "trl-sft" }, JSON.parse(JSON.stringify(first.toState())));
    expect(resumed.pushAll(rows)).toEqual([]);
    expect(resumed.stats()).toMatchObject({ rows_seen: 10_000, examples: 5_000, deduped: 5_000 });
  });

  it("refuses a state saved for another format", () => {
    const state = new ExampleBuilder({ format: "trl-sft" }).toState();
    expect(() => ExampleBuilder.fromState({ format: "trl-kto" }, state)).toThrow(/format trl-kto/);
  });
});
