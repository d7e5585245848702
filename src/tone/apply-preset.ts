// Applies a tone preset to a chat request: joins its system prompt with the
// client's own, fills sampling defaults the client left out, clamps what it
// sent to the preset's limits, and merges stop sequences. Pure: the input is
// never mutated; untouched messages are passed through by reference.
//
// Choices that shape this module:
// - prepend/append produce ONE leading system message (preset text and the
//   client's first system/developer text joined by a blank line), with role
//   "system" even if the client wrote "developer": the upstreams here (vLLM,
//   LoRAX, TGI, Workers AI) render chat templates that mostly know only
//   "system", and one message keeps templates that allow a single system
//   turn working. Later system messages stay where they are.
// - replace drops the client's leading system/developer message(s): it exists
//   for tenants that must guarantee a voice (regulated or branded answers)
//   and cannot let a client prompt override it. Non-leading ones are kept.
// - Text parts of a content-part array are joined with "\n", as vLLM does when
//   it flattens them; non-text parts are not valid on system messages.
// - A limits.max_tokens.max also caps a request that sent no max_tokens and
//   had no default: a cap a client escapes by omitting the field is no cap.
//   That is not reported as "clamped" (the client sent nothing).
import { MAX_STOP_STRINGS } from "../schemas/chat";
import type { TonePreset } from "../schemas/tone-preset";

// Type aliases, not interfaces: an alias gets an implicit index signature, so
// the result stays assignable to loose message types (z.looseObject in
// src/schemas/chat.ts, the OpenAI SDK's params).

/** A chat message, treated structurally; every field but role/content is kept. */
export type ChatMessage = {
  role: string;
  content?: unknown;
};

/** The system message the preset produces (a merged one keeps the client's other fields). */
export type SystemMessage = {
  role: "system";
  content: string;
};

export interface ToneParams {
  temperature?: number | null;
  top_p?: number | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  stop?: string | string[] | null;
}

export interface ToneRequest<M extends ChatMessage = ChatMessage> extends ToneParams {
  messages: readonly M[];
}

/** Order in which clamped params are reported (and in x-switchyard-clamped). */
export const CLAMPABLE_PARAMS = ["temperature", "top_p", "max_tokens", "max_completion_tokens"] as const;
export type ClampableParam = (typeof CLAMPABLE_PARAMS)[number];

export interface ToneResult<M extends ChatMessage = ChatMessage> {
  messages: Array<M | SystemMessage>;
  params: ToneParams;
  clamped: ClampableParam[];
  /** "name@version" of the applied preset, or null. */
  tone: string | null;
}

const PARAM_KEYS = ["temperature", "top_p", "max_tokens", "max_completion_tokens", "stop"] as const;

export function applyPreset<M extends ChatMessage>(preset: TonePreset | null, request: ToneRequest<M>): ToneResult<M> {
  const params: ToneParams = {};
  for (const key of PARAM_KEYS) {
    if (request[key] !== undefined) (params as Record<string, unknown>)[key] = request[key];
  }
  if (!preset) return { messages: [...request.messages], params, clamped: [], tone: null };

  const messages = joinSystemPrompt(preset, request.messages);

  const defaults = preset.defaults ?? {};
  if (isUnset(params.temperature) && defaults.temperature !== undefined) params.temperature = defaults.temperature;
  if (isUnset(params.top_p) && defaults.top_p !== undefined) params.top_p = defaults.top_p;
  if (isUnset(params.max_tokens) && isUnset(params.max_completion_tokens) && defaults.max_tokens !== undefined) {
    params.max_tokens = defaults.max_tokens;
  }

  const clamped: ClampableParam[] = [];
  const limits = preset.limits ?? {};
  const tokenCap = { max: limits.max_tokens?.max };
  const ranges: Record<ClampableParam, { min?: number; max?: number } | undefined> = {
    temperature: limits.temperature,
    top_p: limits.top_p,
    max_tokens: tokenCap,
    max_completion_tokens: tokenCap,
  };
  for (const key of CLAMPABLE_PARAMS) {
    const value = params[key];
    const range = ranges[key];
    if (typeof value !== "number" || !range) continue;
    const next = clamp(value, range.min, range.max);
    if (next !== value) {
      params[key] = next;
      clamped.push(key);
    }
  }
  if (tokenCap.max !== undefined && isUnset(params.max_tokens) && isUnset(params.max_completion_tokens)) {
    params.max_tokens = tokenCap.max;
  }

  if (preset.stop?.length) params.stop = mergeStop(params.stop, preset.stop);

  return { messages, params, clamped, tone: `${preset.name}@${preset.version}` };
}

function joinSystemPrompt<M extends ChatMessage>(preset: TonePreset, input: readonly M[]): Array<M | SystemMessage> {
  if (preset.placement === "replace") {
    let start = 0;
    while (start < input.length && isSystemLike(input[start])) start++;
    return [{ role: "system", content: preset.system_prompt }, ...input.slice(start)];
  }

  const first = input[0];
  if (!first || !isSystemLike(first)) {
    return [{ role: "system", content: preset.system_prompt }, ...input];
  }
  const clientText = textOf(first.content);
  const parts =
    preset.placement === "prepend" ? [preset.system_prompt, clientText] : [clientText, preset.system_prompt];
  const merged: SystemMessage = { ...first, role: "system", content: parts.filter(Boolean).join("\n\n") };
  return [merged, ...input.slice(1)];
}

function isSystemLike(m: ChatMessage): boolean {
  return m.role === "system" || m.role === "developer";
}

/** Text of a string or content-part array; anything else has no text. */
function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .filter((p): p is { type: "text"; text: string } => p?.type === "text" && typeof p.text === "string")
    .map((p) => p.text)
    .join("\n");
}

function isUnset(v: unknown): v is null | undefined {
  return v === undefined || v === null;
}

function clamp(value: number, min: number | undefined, max: number | undefined): number {
  if (min !== undefined && value < min) return min;
  if (max !== undefined && value > max) return max;
  return value;
}

/**
 * Client's sequences first, then the preset's, without duplicates, at most the
 * gateway's MAX_STOP_STRINGS; a dialect that takes fewer is sent the first
 * ones (providers/openai-compatible.ts).
 */
function mergeStop(client: string | string[] | null | undefined, preset: readonly string[]): string[] {
  const fromClient = typeof client === "string" ? [client] : (client ?? []);
  return [...new Set([...fromClient, ...preset])].slice(0, MAX_STOP_STRINGS);
}
