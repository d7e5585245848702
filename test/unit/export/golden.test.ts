// Golden files: every format, from the hand-written rows in fixtures/rows.json
// (each row's "_note" says what it exercises). A golden is the stats line
// followed by the examples, exactly as the builder emits them. Goldens were
// generated once with UPDATE_GOLDEN=1 and then checked line by line by hand;
// regenerate only on purpose, and review the diff.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ExampleBuilder, statsLine } from "../../../src/export/example-builder";
import type { ExportOptionsInput } from "../../../src/export/options";
import type { ExportRow } from "../../../src/export/types";
import { validateExample } from "../../../src/export/validate-example";

const here = import.meta.dirname;
const rows = JSON.parse(readFileSync(path.join(here, "fixtures/rows.json"), "utf8")) as ExportRow[];

const cases: Array<{ file: string; options: ExportOptionsInput }> = [
  { file: "openai-sft.as_sent.jsonl", options: { format: "openai-sft", system: "as_sent" } },
  { file: "openai-sft.client.jsonl", options: { format: "openai-sft", system: "client" } },
  { file: "openai-sft.none.jsonl", options: { format: "openai-sft", system: "none" } },
  { file: "openai-sft.as_sent.unredacted.jsonl", options: { format: "openai-sft", system: "as_sent", redact: false } },
  { file: "trl-sft.as_sent.jsonl", options: { format: "trl-sft", system: "as_sent" } },
  { file: "openai-dpo.as_sent.jsonl", options: { format: "openai-dpo", system: "as_sent" } },
  { file: "trl-dpo.as_sent.jsonl", options: { format: "trl-dpo", system: "as_sent" } },
  { file: "trl-dpo.none.jsonl", options: { format: "trl-dpo", system: "none" } },
  { file: "trl-kto.as_sent.jsonl", options: { format: "trl-kto", system: "as_sent" } },
  { file: "trl-kto.client.jsonl", options: { format: "trl-kto", system: "client" } },
];

function run(options: ExportOptionsInput) {
  const builder = new ExampleBuilder(options);
  // Two pages, as the keyset-paginated query would hand them over.
  const lines = [...builder.pushAll(rows.slice(0, 11)), ...builder.pushAll(rows.slice(11)), ...builder.finish()];
  return { lines, stats: builder.stats() };
}

describe("golden exports", () => {
  it.each(cases)("$file", ({ file, options }) => {
    const { lines, stats } = run(options);
    const text = [statsLine(stats), ...lines].join("\n") + "\n";
    const golden = path.join(here, "fixtures/golden", file);
    if (process.env.UPDATE_GOLDEN) writeFileSync(golden, text);
    expect(text).toBe(readFileSync(golden, "utf8"));
  });

  it.each(cases)("every line of $file is valid for its trainer", ({ options }) => {
    const { lines } = run(options);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).not.toContain("\n");
      expect(validateExample(options.format, JSON.parse(line)), line).toEqual([]);
    }
  });

  it("a rerun gives the same bytes", () => {
    for (const { options } of cases) expect(run(options)).toEqual(run(options));
  });
});
