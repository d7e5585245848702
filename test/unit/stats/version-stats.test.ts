import { describe, expect, it } from "vitest";
import { LATENCY_BUCKETS } from "../../../src/stats/latency-histogram";
import { addTotals, emptyTotals, isFlagged, versionStats } from "../../../src/stats/version-stats";

describe("versionStats", () => {
  it("no data: counts 0, every statistic null", () => {
    const stats = versionStats(emptyTotals(LATENCY_BUCKETS));
    expect(stats).toMatchObject({
      requests: 0,
      error_rate: null,
      latency_ms: { p50: null, p95: null, mean: null },
      feedback: {
        rated: 0,
        positive_rate: null,
        positive_rate_ci: null,
        mean_score: null,
        score_ci: null,
        correction_rate: null,
      },
    });
  });

  it("requests but no feedback: error rate and latency, feedback statistics null", () => {
    const t = {
      ...emptyTotals(LATENCY_BUCKETS),
      requests: 4,
      ok: 2,
      upstreamErrors: 1,
      clientAborted: 1,
      latencyMsSum: 40,
    };
    t.latencyBuckets[20] = 4;
    const stats = versionStats(t);
    expect(stats.error_rate).toBe(0.25);
    expect(stats.latency_ms.mean).toBe(10);
    expect(stats.latency_ms.p50).not.toBeNull();
    expect(stats.feedback.positive_rate).toBeNull();
  });

  it("addTotals sums counts and buckets, and leaves other fields alone", () => {
    const a = { ...emptyTotals(LATENCY_BUCKETS), version: "v1", requests: 1 };
    const b = { ...emptyTotals(LATENCY_BUCKETS), requests: 2, rated: 3 };
    a.latencyBuckets[5] = 1;
    b.latencyBuckets[5] = 2;
    addTotals(a, b);
    expect(a).toMatchObject({ version: "v1", requests: 3, rated: 3 });
    expect(a.latencyBuckets[5]).toBe(3);
  });
});

describe("isFlagged", () => {
  const cases: [string, [number, number], [number, number], boolean][] = [
    ["clearly worse (1 of 10 vs 0.5)", [1, 10], [10, 20], true],
    ["worse, but too few votes (0 of 2 vs 0.5)", [0, 2], [10, 20], false],
    ["as good as the version", [5, 10], [10, 20], false],
    ["no feedback from the audience", [0, 0], [10, 20], false],
    ["no feedback at all", [0, 0], [0, 0], false],
  ];
  it.each(cases)("%s → %s", (_, [k, n], [vk, vn], flagged) =>
    expect(isFlagged({ positive: k, rated: n }, { positive: vk, rated: vn })).toBe(flagged),
  );
});
