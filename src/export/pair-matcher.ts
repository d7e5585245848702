// Cross-row preference pairs: two answers to the same prompt, rated opposite
// ways, make one DPO example. Rows arrive in keyset pages, so an answer waits
// here until an opposite one to the same prompt shows up.
//
// Memory must stay flat at any export size, so the waiting room is an LRU
// bounded by entries (prompts, default 50,000), by an estimate of bytes
// (default 32 MB of a Worker's 128 MB) and by answers per prompt (default 8).
// What falls out is counted (skipped.pair_evicted), never silently lost.
// Pairs therefore form between rows that are "near" each other in export
// order (by default, within the last 50,000 distinct prompts).
//
// The key is the exact prompt text (messages + tools, as emitted), not a hash
// of it: a Map hashes the string itself, and an exact key can never pair
// answers to two different prompts.
// Each answer is used in at most one pair; the oldest waiting opposite answer
// is taken first, so output is deterministic for a given row order.

import type { ExampleSource } from "./lineage";
import type { AssistantMsg, Msg } from "./types";

export interface PairMatcherLimits {
  maxPrompts?: number;
  maxBytes?: number;
  maxAnswersPerPrompt?: number;
}

export interface PreferencePair {
  prompt: Msg[];
  tools: unknown[] | null;
  chosen: AssistantMsg;
  rejected: AssistantMsg;
}

export interface OfferResult {
  pair: PreferencePair | null;
  /** The only opposite answers waiting say the same thing: no preference to learn. */
  identical: boolean;
  /** Answers dropped to stay within the limits. */
  evicted: number;
  /** Where the waiting answer of the pair came from (its lineage), when it was offered with one. */
  partnerSource?: ExampleSource;
}

/** JSON-safe contents, in LRU order (oldest first), for a saved builder state. */
export type PairMatcherState = Array<[key: string, prompt: Msg[], tools: unknown[] | null, answers: Waiting[]]>;

export interface Waiting {
  positive: boolean;
  answer: AssistantMsg;
  source?: ExampleSource;
}

interface Entry {
  prompt: Msg[];
  tools: unknown[] | null;
  answers: Waiting[];
  bytes: number;
}

export class PairMatcher {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private readonly maxPrompts: number;
  private readonly maxBytes: number;
  private readonly maxAnswers: number;

  constructor(limits: PairMatcherLimits = {}) {
    this.maxPrompts = limits.maxPrompts ?? 50_000;
    this.maxBytes = limits.maxBytes ?? 32 * 1024 * 1024;
    this.maxAnswers = limits.maxAnswersPerPrompt ?? 8;
  }

  /** Answers waiting for an opposite one. */
  get waiting(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.answers.length;
    return n;
  }

  /**
   * Offers an answer (text-only assistant message) to `key`'s prompt. Returns
   * the pair it completes, or parks it.
   */
  offer(
    key: string,
    prompt: Msg[],
    tools: unknown[] | null,
    answer: AssistantMsg,
    positive: boolean,
    source?: ExampleSource,
  ): OfferResult {
    let evicted = 0;
    const entry = this.entries.get(key);
    if (entry) {
      const text = normalizedText(answer);
      const opposite = entry.answers.findIndex((w) => w.positive !== positive && normalizedText(w.answer) !== text);
      if (opposite >= 0) {
        const [other] = entry.answers.splice(opposite, 1);
        const size = sizeOf(other.answer);
        entry.bytes -= size;
        this.bytes -= size;
        if (entry.answers.length === 0) this.remove(key, entry);
        else this.touch(key, entry);
        const [chosen, rejected] = positive ? [answer, other.answer] : [other.answer, answer];
        const pair = { prompt: entry.prompt, tools: entry.tools, chosen, rejected };
        return other.source
          ? { pair, identical: false, evicted, partnerSource: other.source }
          : { pair, identical: false, evicted };
      }
      if (entry.answers.some((w) => w.positive !== positive)) return { pair: null, identical: true, evicted };
      this.touch(key, entry);
      if (entry.answers.length >= this.maxAnswers) {
        const dropped = entry.answers.shift()!;
        const size = sizeOf(dropped.answer);
        entry.bytes -= size;
        this.bytes -= size;
        evicted++;
      }
      const size = sizeOf(answer);
      entry.answers.push(waiting(positive, answer, source));
      entry.bytes += size;
      this.bytes += size;
    } else {
      const fresh: Entry = {
        prompt,
        tools,
        answers: [waiting(positive, answer, source)],
        bytes: key.length * 4 + sizeOf(answer),
      };
      this.entries.set(key, fresh);
      this.bytes += fresh.bytes;
    }
    evicted += this.evictOverflow(key);
    return { pair: null, identical: false, evicted };
  }

  toState(): PairMatcherState {
    return [...this.entries].map(([key, e]) => [key, e.prompt, e.tools, e.answers]);
  }

  static fromState(state: PairMatcherState, limits: PairMatcherLimits = {}): PairMatcher {
    const m = new PairMatcher(limits);
    for (const [key, prompt, tools, answers] of state) {
      const bytes = key.length * 4 + answers.reduce((n, w) => n + sizeOf(w.answer), 0);
      m.entries.set(key, { prompt, tools, answers, bytes });
      m.bytes += bytes;
    }
    return m;
  }

  /** Empties the matcher; returns how many answers never found an opposite one. */
  drain(): number {
    const n = this.waiting;
    this.entries.clear();
    this.bytes = 0;
    return n;
  }

  private evictOverflow(keep: string): number {
    let evicted = 0;
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.maxPrompts && this.bytes <= this.maxBytes) break;
      if (key === keep) continue;
      evicted += entry.answers.length;
      this.remove(key, entry);
    }
    return evicted;
  }

  /** Moves the entry to the most recently used end. */
  private touch(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
  }

  private remove(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }
}

function waiting(positive: boolean, answer: AssistantMsg, source: ExampleSource | undefined): Waiting {
  return source ? { positive, answer, source } : { positive, answer };
}

function normalizedText(m: AssistantMsg): string {
  return (m.content ?? "").trim();
}

/** Rough heap cost: UTF-16 code units, doubled for object overhead. */
function sizeOf(m: AssistantMsg): number {
  return (m.content?.length ?? 0) * 4 + 64;
}
