// Assembles the side copy of a completion for the interaction log: text,
// tool calls (merged from streamed fragments by index), finish reason and
// usage. When the upstream reports no usage, it is estimated (about four
// characters a token for the prompt, one streamed delta per token for the
// answer) and flagged as estimated.
import type { Usage } from "../schemas/chat";

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

export class CompletionCapture {
  text = "";
  toolCalls: CapturedToolCall[] = [];
  finishReason: string | null = null;
  usage: Usage | null = null;
  usageEstimated = false;
  contentDeltas = 0;
  firstTokenAt: number | null = null;

  constructor(private readonly now: () => number) {}

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
    const completion = this.contentDeltas + Math.ceil(toolChars / 4);
    this.usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
    return this.usage;
  }
}
