// Assembles the side copy of a completion for the interaction log: text,
// tool calls (merged from streamed fragments by index), finish reason and
// usage. When the upstream reports no usage, it is estimated (about four
// characters a token for the prompt, one streamed delta per token for the
// answer) and flagged as estimated. With n > 1 each further choice is
// assembled by its own CompletionCapture (choice(index)); this one is choice 0.
import type { Usage } from "../schemas/chat";

/** Longest upstream id the record keeps (feedback can name ids of up to 128 characters). */
const MAX_UPSTREAM_ID = 512;

export interface CapturedToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

interface DeltaToolCall {
  index?: number;
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
}

/** One choice of an n > 1 completion, as the record keeps it. */
export interface CapturedChoice {
  index: number;
  text: string | null;
  tool_calls: CapturedToolCall[] | null;
  finish_reason: string | null;
}

export class CompletionCapture {
  text = "";
  toolCalls: CapturedToolCall[] = [];
  finishReason: string | null = null;
  usage: Usage | null = null;
  usageEstimated = false;
  contentDeltas = 0;
  firstTokenAt: number | null = null;
  /** The upstream's own completion id (its first chunk's or its body's `id`), for the record. */
  upstreamId: string | null = null;

  #others: Map<number, CompletionCapture> | null = null;

  constructor(private readonly now: () => number) {}

  /** Back to empty, to be filled again from a stream's raw copy (stream/collect-capture.ts). */
  reset(): void {
    this.text = "";
    this.toolCalls = [];
    this.finishReason = null;
    this.usage = null;
    this.usageEstimated = false;
    this.contentDeltas = 0;
    this.firstTokenAt = null;
    this.upstreamId = null;
    this.#others = null;
  }

  /** Keeps the first id the upstream gave (chunks repeat it); anything but a string of sane length is not an id. */
  noteUpstreamId(id: unknown): void {
    if (this.upstreamId === null && typeof id === "string" && id.length > 0 && id.length <= MAX_UPSTREAM_ID)
      this.upstreamId = id;
  }

  /** The capture of choice `index`: this one for 0. */
  choice(index: number): CompletionCapture {
    if (index === 0) return this;
    this.#others ??= new Map();
    let other = this.#others.get(index);
    if (!other) this.#others.set(index, (other = new CompletionCapture(this.now)));
    return other;
  }

  /** Every choice, by index, when there is more than one; null for a single answer. */
  allChoices(): CapturedChoice[] | null {
    if (!this.#others) return null;
    const all: [number, CompletionCapture][] = [[0, this], ...this.#others];
    return all
      .sort(([a], [b]) => a - b)
      .map(([index, c]) => ({
        index,
        text: c.text || null,
        tool_calls: c.toolCalls.length ? c.toolCalls : null,
        finish_reason: c.finishReason,
      }));
  }

  addDelta(delta: { content?: string | null; tool_calls?: DeltaToolCall[] } | undefined): void {
    if (!delta) return;
    if (delta.content) {
      this.firstTokenAt ??= this.now();
      this.text += delta.content;
      this.contentDeltas++;
    }
    for (const fragment of delta.tool_calls ?? []) {
      this.firstTokenAt ??= this.now();
      const index = fragment.index ?? this.toolCalls.length;
      const call = (this.toolCalls[index] ??= { id: "", type: "function", function: { name: "", arguments: "" } });
      if (fragment.id) call.id = fragment.id;
      if (fragment.function?.name) call.function.name += fragment.function.name;
      if (fragment.function?.arguments) call.function.arguments += fragment.function.arguments;
    }
  }

  setMessage(message: { content?: string | null; tool_calls?: CapturedToolCall[] } | undefined): void {
    this.firstTokenAt ??= this.now();
    this.text = message?.content ?? "";
    this.toolCalls = message?.tool_calls ?? [];
    this.contentDeltas = Math.ceil(this.text.length / 4);
  }

  /** Upstream usage when it sent one, else an estimate. */
  finalUsage(promptChars: number): Usage {
    if (this.usage) return this.usage;
    this.usageEstimated = true;
    const prompt = Math.ceil(promptChars / 4);
    const toolChars = this.toolCalls.reduce((n, c) => n + c.function.name.length + c.function.arguments.length, 0);
    let completion = this.contentDeltas + Math.ceil(toolChars / 4);
    for (const other of this.#others?.values() ?? []) completion += other.finalUsage(0).completion_tokens;
    this.usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
    return this.usage;
  }
}
