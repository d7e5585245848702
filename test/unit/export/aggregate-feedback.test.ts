// Several users' feedback on one interaction → one verdict, plus the filters.
import { describe, expect, it } from "vitest";
import { aggregateFeedback } from "../../../src/export/aggregate-feedback";
import type { FeedbackEntry } from "../../../src/export/types";

let clock = 0;
const fb = (rating: 1 | -1, extra: Partial<FeedbackEntry> = {}): FeedbackEntry => ({
  user: null,
  rating,
  score: null,
  comment: null,
  correction: null,
  tags: [],
  updated_at: ++clock,
  ...extra,
});

describe("aggregateFeedback", () => {
  it("no feedback", () => {
    expect(aggregateFeedback([])).toEqual({ ok: false, reason: "no_feedback" });
  });

  it.each([
    ["one up", [fb(1)], "positive"],
    ["one down", [fb(-1)], "negative"],
    ["majority up", [fb(1), fb(1), fb(-1)], "positive"],
    ["majority down", [fb(-1), fb(1), fb(-1)], "negative"],
  ] as const)("%s → %s", (_name, entries, kind) => {
    const r = aggregateFeedback(entries);
    expect(r.ok && r.verdict.kind).toBe(kind);
  });

  it("a tie is mixed and skipped", () => {
    expect(aggregateFeedback([fb(1), fb(-1)])).toEqual({ ok: false, reason: "mixed_feedback" });
  });

  it("uses the latest non-blank correction from a thumbs-down", () => {
    const r = aggregateFeedback([
      fb(-1, { correction: "late", updated_at: 300 }),
      fb(-1, { correction: "early", updated_at: 100 }),
      fb(-1, { correction: "   ", updated_at: 400 }),
      fb(1, { correction: "from an upvote", updated_at: 500 }),
      fb(-1, { correction: null, updated_at: 600 }),
    ]);
    expect(r.ok && r.verdict.correction).toBe("late");
  });

  it("ignores a correction when the verdict is positive", () => {
    const r = aggregateFeedback([fb(1), fb(1), fb(-1, { correction: "no" })]);
    expect(r.ok && r.verdict.correction).toBeNull();
  });

  it("means the scores given, and unions the tags", () => {
    const r = aggregateFeedback([fb(1, { score: 0.5, tags: ["b", "a"] }), fb(1, { score: 1, tags: ["a"] }), fb(1)]);
    expect(r).toEqual({
      ok: true,
      verdict: { kind: "positive", up: 3, down: 0, meanScore: 0.75, correction: null, tags: ["a", "b"] },
    });
  });

  describe("filters", () => {
    it.each([
      ["mean below minScore", [fb(1, { score: 0.4 }), fb(1, { score: 0.6 })], { minScore: 0.6 }, "below_min_score"],
      ["no score at all with minScore", [fb(1)], { minScore: 0 }, "below_min_score"],
      ["no matching tag", [fb(1, { tags: ["x"] })], { tags: ["helpful", "billing"] }, "tags_not_matched"],
      ["no tags at all", [fb(1)], { tags: ["helpful"] }, "tags_not_matched"],
    ] as const)("drops: %s", (_name, entries, filters, reason) => {
      expect(aggregateFeedback(entries, filters)).toEqual({ ok: false, reason });
    });

    it.each([
      ["mean at minScore", [fb(1, { score: 0.5 }), fb(1, { score: 0.7 })], { minScore: 0.6 }],
      ["any one tag matches", [fb(1, { tags: ["billing"] })], { tags: ["helpful", "billing"] }],
      ["empty tag filter", [fb(1)], { tags: [] }],
    ] as const)("keeps: %s", (_name, entries, filters) => {
      expect(aggregateFeedback(entries, filters).ok).toBe(true);
    });
  });
});
