// The pipeline as the endpoint and the Workflow drive it: filters, dedup,
// stats, options, and the per-format rules the goldens do not isolate.
import { describe, expect, it } from "vitest";
import { ExampleBuilder, statsLine } from "../../../src/export/example-builder";
import { ExportOptionsError, resolveExportOptions, type ExportOptionsInput } from "../../../src/export/options";
import type { ExportRow } from "../../../src/export/types";
import { validateExample } from "../../../src/export/validate-example";
import { makeRow } from "./make-row";

function run(options: ExportOptionsInput, rows: ExportRow[], limits = {}) {
  const b = new ExampleBuilder(options, limits);
  const lines = [...b.pushAll(rows), ...b.finish()];
  for (const l of lines) expect(validateExample(b.options.format, JSON.parse(l)), l).toEqual([]);
  return { lines, stats: b.stats(), parsed: lines.map((l) => JSON.parse(l)) };
}

const TOOLS = [{ type: "function", function: { name: "lookup", parameters: { type: "object" } } }];
const call = (id: string) => ({ id, type: "function" as const, function: { name: "lookup", arguments: '{"q":"x"}' } });

describe("dedup", () => {
  const a = makeRow({ user: "Hours?", response: "9 to 5." });
  const b = makeRow({ user: "Hours?", response: "9 to 5." });
  it("drops a line it already emitted, across pages", () => {
    const builder = new ExampleBuilder({ format: "trl-sft" });
    expect(builder.push(a)).toHaveLength(1);
    expect(builder.push(b)).toEqual([]);
    expect(builder.stats()).toMatchObject({ rows_seen: 2, examples: 1, deduped: 1 });
  });
  it("keeps duplicates when dedup is off", () => {
    expect(run({ format: "trl-sft", dedup: false }, [a, b]).lines).toHaveLength(2);
  });
  it("hashes the emitted (redacted) line: rows differing only in PII collapse", () => {
    const rows = [
      makeRow({ user: "I'm jane@example.com", response: "Hi." }),
      makeRow({ user: "I'm sam@example.org", response: "Hi." }),
    ];
    expect(run({ format: "trl-sft" }, rows).lines).toHaveLength(1);
    expect(run({ format: "trl-sft", redact: false }, rows).lines).toHaveLength(2);
  });
  it("past its cap, emits and counts what it can no longer remember", () => {
    const rows = [makeRow(), makeRow(), makeRow(), { ...makeRow() }];
    rows[3] = { ...rows[0], interaction: { ...rows[0].interaction, request_id: "dup" } };
    const { lines, stats } = run({ format: "trl-sft" }, rows, { dedupCap: 2 });
    expect(lines).toHaveLength(3);
    expect(stats).toMatchObject({ examples: 3, deduped: 1, dedup_untracked: 1 });
  });
});

describe("filters", () => {
  const rows = [
    makeRow({ score: 0.9, tags: ["helpful"] }),
    makeRow({ score: 0.4, tags: ["billing"] }),
    makeRow({ tags: ["helpful", "billing"] }),
  ];
  it("minScore", () => {
    const { lines, stats } = run({ format: "trl-sft", minScore: 0.5 }, rows);
    expect(lines).toHaveLength(1);
    expect(stats.skipped).toEqual({ below_min_score: 2 });
  });
  it("tags (any of)", () => {
    expect(run({ format: "trl-sft", tags: ["billing"] }, rows).lines).toHaveLength(2);
    expect(run({ format: "trl-sft", tags: ["nope"] }, rows).stats.skipped).toEqual({ tags_not_matched: 3 });
  });
  it("rows that did not finish ok, even if the query let them through", () => {
    expect(run({ format: "trl-sft" }, [makeRow({ status: "timeout" })]).stats.skipped).toEqual({ status_not_ok: 1 });
  });
});

describe("tools", () => {
  it("openai-sft leaves tools out when the example uses none", () => {
    const { parsed } = run({ format: "openai-sft" }, [makeRow({ tools: TOOLS, response: "No lookup needed." })]);
    expect(parsed).toEqual([
      {
        messages: [
          { role: "user", content: expect.any(String) },
          { role: "assistant", content: "No lookup needed." },
        ],
      },
    ]);
  });

  it("openai-dpo keeps tools in input when the prompt holds a tool call", () => {
    const messages = [
      { role: "user", content: "Find x" },
      { role: "assistant", content: null, tool_calls: [call("c1")] },
      { role: "tool", tool_call_id: "c1", content: "x is 4" },
    ];
    const rows = [
      makeRow({ messages, tools: TOOLS, response: "x is 4.", rating: 1 }),
      makeRow({ messages, tools: TOOLS, response: "No idea.", rating: -1 }),
    ];
    const { parsed } = run({ format: "openai-dpo" }, rows);
    expect(parsed).toEqual([
      {
        input: { messages: [messages[0], { role: "assistant", tool_calls: [call("c1")] }, messages[2]], tools: TOOLS },
        preferred_output: [{ role: "assistant", content: "x is 4." }],
        non_preferred_output: [{ role: "assistant", content: "No idea." }],
      },
    ]);
  });

  it("a tool-call answer is no preference output: skipped in DPO and KTO, kept in SFT", () => {
    const row = makeRow({ tools: TOOLS, response: null, toolCalls: [call("c1")], finish: "tool_calls" });
    expect(run({ format: "trl-dpo" }, [row]).stats.skipped).toEqual({ tool_calls_in_preference: 1 });
    expect(run({ format: "trl-kto" }, [row]).stats.skipped).toEqual({ tool_calls_in_preference: 1 });
    expect(run({ format: "trl-sft" }, [row]).parsed[0].messages[1]).toEqual({
      role: "assistant",
      tool_calls: [call("c1")],
    });
  });
});

describe("skips", () => {
  it.each([
    ["empty answer", makeRow({ response: "  " }), "trl-sft", "empty_response"],
    ["truncated answer as SFT target", makeRow({ finish: "length" }), "trl-sft", "truncated_response"],
    ["negative, no correction, SFT", makeRow({ rating: -1 }), "openai-sft", "negative_without_correction"],
    [
      "correction equal to the answer",
      makeRow({ rating: -1, response: "Same.", correction: "Same." }),
      "trl-dpo",
      "identical_pair",
    ],
  ] as const)("%s", (_name, row, format, reason) => {
    expect(run({ format }, [row]).stats.skipped).toEqual({ [reason]: 1 });
  });

  it("a truncated answer may still be the rejected side or a KTO negative", () => {
    const row = makeRow({
      rating: -1,
      finish: "length",
      response: "It depends on",
      correction: "It depends on the plan.",
    });
    expect(run({ format: "trl-dpo" }, [row]).lines).toHaveLength(1);
    expect(run({ format: "trl-kto" }, [row]).parsed.map((e) => e.label)).toEqual([false, true]);
  });
});

describe("stats", () => {
  it("counts rows, examples, skips by reason, and unpaired DPO answers once", () => {
    const rows = [
      makeRow({ user: "Q1", response: "good", rating: 1 }),
      makeRow({ user: "Q1", response: "bad", rating: -1 }),
      makeRow({ user: "Q2", response: "lonely", rating: 1 }),
      makeRow({ feedback: [] }),
    ];
    const b = new ExampleBuilder({ format: "trl-dpo" });
    expect(b.pushAll(rows)).toHaveLength(1);
    b.finish();
    b.finish();
    expect(b.stats()).toEqual({
      format: "trl-dpo",
      rows_seen: 4,
      examples: 1,
      skipped: { no_feedback: 1, no_opposite_answer: 1 },
      deduped: 0,
      split_excluded: 0,
      dedup_untracked: 0,
    });
    expect(() => b.push(rows[0])).toThrow(/after finish/);
  });

  it("statsLine wraps the stats under one key", () => {
    const b = new ExampleBuilder({ format: "trl-kto" });
    expect(JSON.parse(statsLine(b.stats(), { export_id: "exp_1" }))).toEqual({
      switchyard_export: { export_id: "exp_1", ...b.stats() },
    });
  });

  it("memory stays bounded: DPO pairs wait in a capped matcher", () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => makeRow({ user: `Q${i}`, response: `A${i}` }));
    const { stats } = run({ format: "trl-dpo" }, rows, { pairs: { maxPrompts: 1_000 } });
    expect(stats.skipped).toEqual({ pair_evicted: 19_000, no_opposite_answer: 1_000 });
  });
});

describe("options", () => {
  it("fills defaults", () => {
    expect(resolveExportOptions({ format: "openai-sft" })).toEqual({
      format: "openai-sft",
      system: "as_sent",
      redact: true,
      dedup: true,
      valRatio: 0.1,
    });
  });
  it.each([
    [{ format: "csv" }, "format"],
    [{ format: "trl-sft", system: "tone" }, "system"],
    [{ format: "trl-sft", valRatio: 1.5 }, "val_ratio"],
    [{ format: "trl-sft", valRatio: Number.NaN }, "val_ratio"],
    [{ format: "trl-sft", split: "test" }, "split"],
    [{ format: "trl-sft", minScore: Number.POSITIVE_INFINITY }, "min_score"],
  ])("rejects %j naming %s", (input, param) => {
    expect(() => resolveExportOptions(input as ExportOptionsInput)).toThrow(ExportOptionsError);
    try {
      resolveExportOptions(input as ExportOptionsInput);
    } catch (e) {
      expect((e as ExportOptionsError).param).toBe(param);
    }
  });
});
