// Example ids and lineage: stable for the same data, distinct for distinct
// examples, never written into the training lines, and carried across a saved
// builder state (a DPO answer waiting for its pair).
import { describe, expect, it } from "vitest";
import { ExampleBuilder } from "../../../src/export/example-builder";
import { exampleId, feedbackId, type LineageEntry } from "../../../src/export/lineage";
import type { ExportRow } from "../../../src/export/types";
import type { ExportFormat } from "../../../src/schemas/export-formats";
import { EXPORT_FORMATS } from "../../../src/schemas/export-formats";
import { makeRow } from "./make-row";

function run(format: ExportFormat, rows: ExportRow[]): { lines: string[]; lineage: LineageEntry[] } {
  const builder = new ExampleBuilder({ format });
  const lines = [...builder.pushAll(rows), ...builder.finish()];
  return { lines, lineage: builder.takeLineage() };
}

const rows = () => [
  makeRow({ id: "r1", user: "Q1", response: "good", rating: 1 }),
  makeRow({ id: "r2", user: "Q2", response: "wrong", rating: -1, correction: "right" }),
];

describe("example ids", () => {
  it.each(EXPORT_FORMATS)("%s: one lineage entry per line, in order, and no key added to the lines", (format) => {
    const { lines, lineage } = run(format, rows());
    expect(lineage.map((e) => e.line)).toEqual(lines.map((_, i) => i + 1));
    for (const line of lines) {
      expect(line).not.toContain("example_id");
      expect(line).not.toContain("r1");
    }
    expect(new Set(lineage.map((e) => e.example_id)).size).toBe(lineage.length);
    for (const e of lineage) {
      expect(e.example_id).toMatch(/^ex_[0-9a-f]{28}$/);
      expect(e.format).toBe(format);
      expect(e.adapter_versions).toEqual(["v1"]);
    }
  });

  it("the same data in the same format gets the same ids in another run; another format gets other ids", () => {
    const a = run("trl-sft", rows()).lineage;
    const b = run("trl-sft", rows()).lineage;
    const c = run("openai-sft", rows()).lineage;
    expect(a.map((e) => e.example_id)).toEqual(b.map((e) => e.example_id));
    expect(a.map((e) => e.example_id)).not.toEqual(c.map((e) => e.example_id));
  });

  it("names the interaction and the hashed feedback rows behind each example", () => {
    const { lineage } = run("trl-sft", rows());
    expect(lineage[0].interaction_ids).toEqual(["r1"]);
    expect(lineage[0].feedback_ids).toEqual([feedbackId("r1", 0, "u1")]);
    expect(lineage[0].feedback_ids[0]).not.toContain("u1");
  });

  it("a new rating from another user makes a new example id", () => {
    const one = makeRow({ id: "r9", user: "Q", response: "good", rating: 1 });
    const two: ExportRow = { ...one, feedback: [...one.feedback, { ...one.feedback[0], user: "u2" }] };
    expect(run("trl-sft", [one]).lineage[0].example_id).not.toBe(run("trl-sft", [two]).lineage[0].example_id);
  });

  it("KTO's answer and correction examples of one row get different ids", () => {
    const { lines, lineage } = run("trl-kto", [makeRow({ id: "k", response: "wrong", rating: -1, correction: "ok" })]);
    expect(lines).toHaveLength(2);
    expect(lineage[0].interaction_ids).toEqual(["k"]);
    expect(lineage[1].interaction_ids).toEqual(["k"]);
    expect(lineage[0].example_id).not.toBe(lineage[1].example_id);
  });

  it("a cross-row DPO pair names both interactions, also when the first waited in a saved state", () => {
    const good = makeRow({ id: "g", user: "Same Q", response: "good", rating: 1 });
    const bad = makeRow({ id: "b", user: "Same Q", response: "bad", rating: -1 });
    const whole = run("trl-dpo", [good, bad]).lineage;
    expect(whole).toHaveLength(1);
    expect(whole[0].interaction_ids).toEqual(["g", "b"]);

    const first = new ExampleBuilder({ format: "trl-dpo" });
    first.push(good);
    const resumed = ExampleBuilder.fromState({ format: "trl-dpo" }, JSON.parse(JSON.stringify(first.toState())));
    resumed.push(bad);
    expect(resumed.takeLineage()).toEqual(whole);
  });

  it("two rated choices of one interaction are two examples", () => {
    const base = makeRow({ id: "n2", response: "first" });
    const choice1: ExportRow = { ...base, interaction: { ...base.interaction, response_text: "second" }, choice: 1 };
    const { lineage } = run("trl-sft", [{ ...base, choice: 0 }, choice1]);
    expect(lineage).toHaveLength(2);
    expect(lineage[0].example_id).not.toBe(lineage[1].example_id);
    expect(lineage[1].feedback_ids).toEqual([feedbackId("n2", 1, "u1")]);
  });

  it("a deduplicated line has no lineage entry", () => {
    const a = makeRow({ id: "a", user: "Q", response: "same" });
    const b = makeRow({ id: "b", user: "Q", response: "same" });
    const { lines, lineage } = run("trl-sft", [a, b]);
    expect(lines).toHaveLength(1);
    expect(lineage.map((e) => e.interaction_ids)).toEqual([["a"]]);
  });

  it("takeLineage hands each entry out once", () => {
    const builder = new ExampleBuilder({ format: "trl-sft" });
    builder.pushAll(rows());
    expect(builder.takeLineage()).toHaveLength(2);
    expect(builder.takeLineage()).toEqual([]);
  });

  it("exampleId ignores the order of sources and feedback ids", () => {
    const s1 = { requestId: "a", choice: 0, adapterVersion: null, feedbackIds: ["x", "y"] };
    const s2 = { requestId: "b", choice: 0, adapterVersion: null, feedbackIds: ["z"] };
    expect(exampleId("trl-dpo", [s1, s2], "")).toBe(exampleId("trl-dpo", [s2, { ...s1, feedbackIds: ["y", "x"] }], ""));
  });
});
