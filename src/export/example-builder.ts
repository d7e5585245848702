// The export pipeline for one run: rows in (a keyset page at a time), JSONL
// lines out. The streaming endpoint, the feed endpoint and the Workflow all
// drive it the same way: push(row) per row, finish() once, stats() for the
// stats line / job record.
//
// Per row: status → feedback verdict and filters → prompt normalization →
// split → redaction → format → dedup. Split runs before anything costly, on
// the unredacted prompt (see split.ts). Dedup hashes the emitted line, so
// rows that differ only in redacted PII collapse, and memory is 16 bytes a
// line (dedup-set.ts). Cross-row DPO pairs wait in a bounded PairMatcher.
// Everything the builder holds is bounded, so memory stays flat however
// many pages go through it.
//
// A skipped candidate is counted once under the reason that stopped it: a
// row that fails before formatting counts once; a row that yields several
// candidates (KTO's answer + correction) counts each candidate it drops.

import { decodeBase64url, encodeBase64url } from "../base64url";
import type { ExportFormat } from "../schemas/export-formats";
import { aggregateFeedback } from "./aggregate-feedback";
import { DedupSet } from "./dedup-set";
import { formatRow, type Emitted, type RowContext } from "./formats";
import { feedbackId, lineageEntry, type ExampleSource, type LineageEntry } from "./lineage";
import { assistantMessage, normalizePrompt, normalizeToolCalls } from "./normalize-messages";
import { resolveExportOptions, type ExportOptionsInput } from "./options";
import { PairMatcher, type PairMatcherLimits, type PairMatcherState } from "./pair-matcher";
import { redactMessages, redactText } from "./redact";
import { splitOf } from "./split";
import { hash53 } from "./stable-hash";
import type { AssistantMsg, ExportOptions, ExportRow, ExportStats, SkipReason } from "./types";

export interface ExampleBuilderLimits {
  /** Hashes the dedup set remembers (default 1,000,000 ≈ 16 MB). */
  dedupCap?: number;
  pairs?: PairMatcherLimits;
}

/**
 * Everything a builder remembers, JSON-safe, so a Workflow step can save it
 * (to R2: a dedup set of n lines is about 11n bytes of base64 here, 2 MB at
 * 200,000 lines) and a retried or resumed step can continue from it.
 */
export interface ExampleBuilderState {
  v: 1;
  format: ExportFormat;
  finished: boolean;
  counts: ExportStats;
  /** base64url of the dedup hashes (DedupSet.toBytes). */
  dedup: string;
  pairs: PairMatcherState;
}

export class ExampleBuilder {
  readonly options: ExportOptions;
  private seen: DedupSet;
  private matcher: PairMatcher;
  private counts: ExportStats;
  private finished = false;
  private lineage: LineageEntry[] = [];

  constructor(options: ExportOptionsInput, limits: ExampleBuilderLimits = {}) {
    this.options = resolveExportOptions(options);
    this.seen = new DedupSet(limits.dedupCap);
    this.matcher = new PairMatcher(limits.pairs);
    this.counts = {
      format: this.options.format,
      rows_seen: 0,
      examples: 0,
      skipped: {},
      deduped: 0,
      split_excluded: 0,
      dedup_untracked: 0,
    };
  }

  /** A builder that continues from toState(); the options must be the ones it was saved with. */
  static fromState(
    options: ExportOptionsInput,
    state: ExampleBuilderState,
    limits: ExampleBuilderLimits = {},
  ): ExampleBuilder {
    const builder = new ExampleBuilder(options, limits);
    if (state?.v !== 1 || state.format !== builder.options.format) {
      throw new Error(`export state: expected v1 state of format ${builder.options.format}`);
    }
    builder.counts = { ...state.counts, skipped: { ...state.counts.skipped } };
    builder.finished = state.finished;
    builder.seen = DedupSet.fromBytes(decodeStateBytes(state.dedup), limits.dedupCap);
    builder.matcher = PairMatcher.fromState(state.pairs, limits.pairs);
    return builder;
  }

  toState(): ExampleBuilderState {
    return {
      v: 1,
      format: this.options.format,
      finished: this.finished,
      counts: this.stats(),
      dedup: encodeBase64url(this.seen.toBytes()),
      pairs: this.matcher.toState(),
    };
  }

  /** JSONL lines (no trailing newline) this row produces; [] if none. */
  push(row: ExportRow): string[] {
    if (this.finished) throw new Error("ExampleBuilder.push after finish()");
    this.counts.rows_seen++;
    const opts = this.options;
    const i = row.interaction;
    if (i.status !== "ok") return this.skip("status_not_ok");

    const verdict = aggregateFeedback(row.feedback, opts);
    if (!verdict.ok) return this.skip(verdict.reason);
    if (i.too_large) return this.skip("too_large");
    const prompt = normalizePrompt(i, opts.system);
    if (!prompt.ok) return this.skip(prompt.reason);
    const calls = normalizeToolCalls(i.response_tool_calls);
    if (calls === undefined) return this.skip("unsupported_content");

    if (opts.split && splitOf(prompt.messages, opts.valRatio) !== opts.split) {
      this.counts.split_excluded++;
      return [];
    }

    const response = assistantMessage(i.response_text, calls);
    const correctionText = verdict.verdict.correction;
    const ctx: RowContext = {
      prompt: opts.redact ? redactMessages(prompt.messages) : prompt.messages,
      tools: Array.isArray(i.tools) ? i.tools : null,
      response: response && opts.redact ? redactMessages([response])[0] : response,
      correction: correctionText ? correctionTurn(opts.redact ? redactText(correctionText) : correctionText) : null,
      positive: verdict.verdict.kind === "positive",
      truncated: i.finish_reason === "length",
      source: sourceOf(row),
    };

    const lines: string[] = [];
    for (const result of formatRow(opts.format, ctx, this.matcher)) {
      if (typeof result === "string") this.count(result);
      else this.emit(result, lines);
    }
    return lines;
  }

  /**
   * Lineage of the examples emitted since the last call, in line order: the
   * caller writes it beside the JSONL (or drops it). Bounded by one page's
   * output, as the lines are.
   */
  takeLineage(): LineageEntry[] {
    const taken = this.lineage;
    this.lineage = [];
    return taken;
  }

  /** Convenience for a page of rows. */
  pushAll(rows: Iterable<ExportRow>): string[] {
    const lines: string[] = [];
    for (const row of rows) lines.push(...this.push(row));
    return lines;
  }

  /**
   * Ends the run. Nothing is buffered for output (pairs are emitted as soon as
   * they form), so this returns no lines today; it counts the DPO answers that
   * never met an opposite one. Callers must still write what it returns.
   */
  finish(): string[] {
    if (!this.finished) {
      this.finished = true;
      const unpaired = this.matcher.drain();
      if (unpaired > 0) this.count("no_opposite_answer", unpaired);
    }
    return [];
  }

  stats(): ExportStats {
    return { ...this.counts, skipped: { ...this.counts.skipped } };
  }

  private emit(emitted: Emitted, out: string[]): void {
    const line = JSON.stringify(emitted.example);
    if (this.options.dedup) {
      const added = this.seen.add(hash53(line));
      if (added === "duplicate") {
        this.counts.deduped++;
        return;
      }
      if (added === "untracked") this.counts.dedup_untracked++;
    }
    this.counts.examples++;
    out.push(line);
    this.lineage.push(lineageEntry(this.options.format, this.counts.examples, emitted.sources, emitted.variant));
  }

  private skip(reason: SkipReason): string[] {
    this.count(reason);
    return [];
  }

  private count(reason: SkipReason, n = 1): void {
    this.counts.skipped[reason] = (this.counts.skipped[reason] ?? 0) + n;
  }
}

/**
 * The stats line written with an export: one JSON object under a key no
 * trainer format uses, so a reader can tell it from an example. It is NOT a
 * valid training example: strip it (or serve it apart) before uploading.
 */
export function statsLine(stats: ExportStats, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ switchyard_export: { ...extra, ...stats } });
}

function sourceOf(row: ExportRow): ExampleSource {
  const requestId = row.interaction.request_id;
  const choice = row.choice ?? 0;
  return {
    requestId,
    choice,
    adapterVersion: row.interaction.adapter_version,
    feedbackIds: row.feedback.map((f) => feedbackId(requestId, choice, f.user)),
  };
}

function correctionTurn(text: string): AssistantMsg {
  return { role: "assistant", content: text };
}

function decodeStateBytes(text: string): Uint8Array {
  const bytes = decodeBase64url(text);
  if (!bytes) throw new Error("ExampleBuilder state: dedup is not base64url");
  return bytes;
}
