// Several users may rate one interaction (feedback is one entry per request
// and user). This folds them into one verdict and applies the feedback
// filters (min score, tags), so the formats see a single decision.
//
// Rules (documented in the export guide, tested in aggregate-feedback.test):
// - verdict: the majority of ratings; a tie is "mixed" and skipped, since
//   neither training signal is trustworthy when users disagree evenly.
// - correction: the latest non-blank correction by updated_at, taken only
//   from thumbs-down entries (a correction replaces a rejected answer); it is
//   used only when the verdict is negative.
// - score: mean of the scores given; minScore keeps rows whose mean is
//   >= minScore and, like SQL's `score >= x`, drops rows without any score.
//   The score rates the logged answer, so a low-scored row that carries a
//   correction is dropped by minScore too: minScore asks for good answers.
// - tags: union over entries; the filter keeps rows with ANY of the tags.

import type { FeedbackEntry, SkipReason } from "./types";

export interface Verdict {
  kind: "positive" | "negative";
  up: number;
  down: number;
  meanScore: number | null;
  /** Latest non-blank correction from a thumbs-down, when the verdict is negative. */
  correction: string | null;
  tags: string[];
}

export interface FeedbackFilters {
  minScore?: number;
  tags?: readonly string[];
}

export type VerdictResult = { ok: true; verdict: Verdict } | { ok: false; reason: SkipReason };

export function aggregateFeedback(entries: readonly FeedbackEntry[], filters: FeedbackFilters = {}): VerdictResult {
  const valid = (entries ?? []).filter((e) => e && (e.rating === 1 || e.rating === -1));
  if (valid.length === 0) return { ok: false, reason: "no_feedback" };

  const up = valid.filter((e) => e.rating === 1).length;
  const down = valid.length - up;
  const scores = valid.map((e) => e.score).filter((s): s is number => typeof s === "number" && Number.isFinite(s));
  const meanScore = scores.length > 0 ? scores.reduce((a, b) => a + b, 0) / scores.length : null;
  const tags = [...new Set(valid.flatMap((e) => (Array.isArray(e.tags) ? e.tags : [])))].sort();

  if (filters.minScore !== undefined && (meanScore === null || meanScore < filters.minScore)) {
    return { ok: false, reason: "below_min_score" };
  }
  if (filters.tags && filters.tags.length > 0 && !filters.tags.some((t) => tags.includes(t))) {
    return { ok: false, reason: "tags_not_matched" };
  }
  if (up === down) return { ok: false, reason: "mixed_feedback" };

  const kind = up > down ? "positive" : "negative";
  let correction: string | null = null;
  if (kind === "negative") {
    let latest = -Infinity;
    for (const e of valid) {
      if (e.rating !== -1 || typeof e.correction !== "string" || e.correction.trim() === "") continue;
      // Later updated_at wins; on a tie the later entry in query order.
      if (e.updated_at >= latest) {
        latest = e.updated_at;
        correction = e.correction;
      }
    }
  }
  return { ok: true, verdict: { kind, up, down, meanScore, correction, tags } };
}
