// Row → training examples, one function per format family. Input is a row
// already filtered, normalized and redacted (RowContext); output is the
// example objects to serialize, or the reason a candidate was dropped.
//
// Which answer is used (DESIGN.md, Export; the exact shapes):
// - SFT: a positive verdict trains on the logged answer (tool calls kept);
//   a negative one on the user's correction; negative without correction is
//   skipped. A truncated answer (finish_reason "length") is never a target:
//   it would teach the model to stop mid-sentence.
// - DPO: the correction (chosen) vs the rejected answer of the same row, and
//   (via PairMatcher) two answers to one prompt rated opposite ways.
// - KTO: every rated answer with label = verdict; a correction adds a
//   label:true example.
// - Preference outputs (DPO, KTO completions) are text only: OpenAI's DPO
//   takes text outputs only, and a tool call has no text to prefer. Answers
//   that are tool calls are skipped there (tool_calls_in_preference).
// - openai-sft marks earlier assistant turns `weight: 0`: only the rated
//   answer was judged, and OpenAI trains every assistant turn by default.
//   TRL has no per-turn weight; its messages stay as they are.
// - `tools` (openai-sft, trl-sft, openai-dpo input) is kept only when the
//   request had tools and the example contains a tool call, so a model is
//   not trained on definitions it never used.

import type { ExportFormat } from "../schemas/export-formats";
import type { ExampleSource, ExampleVariant } from "./lineage";
import { PairMatcher, type PreferencePair } from "./pair-matcher";
import type { AssistantMsg, Msg, SkipReason } from "./types";

export interface RowContext {
  prompt: Msg[];
  tools: unknown[] | null;
  /** The logged answer; null when it was empty. */
  response: AssistantMsg | null;
  /** The correction as an assistant turn, when the verdict is negative and one was given. */
  correction: AssistantMsg | null;
  positive: boolean;
  truncated: boolean;
  /** Where the row came from: an example's lineage. */
  source: ExampleSource;
}

/** An example with what it was built from (one row, or two for a cross-row pair). */
export interface Emitted {
  example: object;
  sources: ExampleSource[];
  variant: ExampleVariant;
}

export type FormatResult = Array<Emitted | SkipReason>;

const fromRow = (row: RowContext, example: object, variant: ExampleVariant = ""): Emitted => ({
  example,
  sources: [row.source],
  variant,
});

export function formatRow(format: ExportFormat, row: RowContext, matcher: PairMatcher): FormatResult {
  switch (format) {
    case "openai-sft":
    case "trl-sft":
      return [sftExample(format, row)];
    case "openai-dpo":
    case "trl-dpo":
      return dpoExamples(format, row, matcher);
    case "trl-kto":
      return ktoExamples(row);
  }
}

function sftExample(format: "openai-sft" | "trl-sft", row: RowContext): Emitted | SkipReason {
  let answer: AssistantMsg;
  if (row.positive) {
    if (!row.response) return "empty_response";
    if (row.truncated) return "truncated_response";
    answer = row.response;
  } else {
    if (!row.correction) return "negative_without_correction";
    answer = row.correction;
  }
  const context =
    format === "openai-sft"
      ? row.prompt.map((m): Msg => (m.role === "assistant" ? { ...m, weight: 0 } : m))
      : row.prompt;
  const messages = [...context, answer];
  const tools = toolsFor(row.tools, messages);
  return fromRow(row, tools ? { messages, tools } : { messages });
}

function dpoExamples(format: "openai-dpo" | "trl-dpo", row: RowContext, matcher: PairMatcher): FormatResult {
  if (!row.response) return ["empty_response"];
  if (row.response.tool_calls) return ["tool_calls_in_preference"];
  if (row.correction) {
    if (sameText(row.correction, row.response)) return ["identical_pair"];
    const pair = { prompt: row.prompt, tools: row.tools, chosen: row.correction, rejected: row.response };
    return [fromRow(row, dpoExample(format, pair))];
  }
  if (row.positive && row.truncated) return ["truncated_response"];

  const tools = format === "openai-dpo" ? toolsFor(row.tools, row.prompt) : null;
  const key = JSON.stringify([row.prompt, tools]);
  const offer = matcher.offer(key, row.prompt, tools, row.response, row.positive, row.source);
  const out: FormatResult = Array.from({ length: offer.evicted }, () => "pair_evicted" as const);
  if (offer.identical) out.push("identical_pair");
  if (offer.pair) {
    const sources = offer.partnerSource ? [offer.partnerSource, row.source] : [row.source];
    out.push({ example: dpoExample(format, offer.pair), sources, variant: "" });
  }
  return out;
}

function dpoExample(format: "openai-dpo" | "trl-dpo", pair: PreferencePair): object {
  const chosen = [textTurn(pair.chosen)];
  const rejected = [textTurn(pair.rejected)];
  if (format === "trl-dpo") return { prompt: pair.prompt, chosen, rejected };
  const tools = toolsFor(pair.tools, pair.prompt);
  const input = tools ? { messages: pair.prompt, tools } : { messages: pair.prompt };
  return { input, preferred_output: chosen, non_preferred_output: rejected };
}

function ktoExamples(row: RowContext): FormatResult {
  const out: FormatResult = [];
  if (!row.response) out.push("empty_response");
  else if (row.response.tool_calls) out.push("tool_calls_in_preference");
  else if (row.positive && row.truncated) out.push("truncated_response");
  else out.push(fromRow(row, { prompt: row.prompt, completion: [textTurn(row.response)], label: row.positive }));
  if (row.correction) {
    out.push(fromRow(row, { prompt: row.prompt, completion: [textTurn(row.correction)], label: true }, "correction"));
  }
  return out;
}

/** The request's tools, when the messages use one of them. */
function toolsFor(tools: unknown[] | null, messages: readonly Msg[]): unknown[] | null {
  if (!Array.isArray(tools) || tools.length === 0) return null;
  const usesTools = messages.some((m) => m.role === "tool" || (m.role === "assistant" && m.tool_calls));
  return usesTools ? tools : null;
}

function textTurn(m: AssistantMsg): { role: "assistant"; content: string } {
  return { role: "assistant", content: m.content ?? "" };
}

function sameText(a: AssistantMsg, b: AssistantMsg): boolean {
  return (a.content ?? "").trim() === (b.content ?? "").trim();
}
