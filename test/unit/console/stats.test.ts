// The console's reading of GET /v1/stats/versions and of the time range in
// its URL: nulls stay "no data", audience blocks and series come out in one
// shape whichever of the documented forms the API uses.
import { describe, expect, it } from "vitest";
import { rangeOf, readVersions } from "../../../console/src/stats";

const version = (extra: Record<string, unknown> = {}) => ({
  version: "support-v1",
  requests: 40,
  error_rate: 0.025,
  latency_ms: { p50: 120, p95: 480 },
  feedback: {
    rated: 20,
    positive: 15,
    negative: 5,
    positive_rate: 0.75,
    positive_rate_ci: [0.53, 0.89],
    mean_score: null,
    score_ci: null,
    correction_rate: 0.1,
  },
  ...extra,
});

describe("readVersions", () => {
  it("keeps the numbers and the nulls of a version", () => {
    const [v] = readVersions({ data: [version()] });
    expect(v.version).toBe("support-v1");
    expect(v.requests).toBe(40);
    expect(v.latency_ms).toEqual({ p50: 120, p95: 480 });
    expect(v.feedback.positive_rate_ci).toEqual([0.53, 0.89]);
    expect(v.feedback.mean_score).toBeNull();
    expect(v.audiences).toEqual([]);
  });

  it("reads a version with no data as nulls, not zeros", () => {
    const [v] = readVersions({
      data: [
        { version: "support-v2", requests: 0, error_rate: null, latency_ms: { p50: null, p95: null }, feedback: {} },
      ],
    });
    expect(v.error_rate).toBeNull();
    expect(v.latency_ms.p95).toBeNull();
    expect(v.feedback.positive_rate).toBeNull();
    expect(v.feedback.rated).toBe(0);
  });

  it.each([
    ["an array", [{ ...version(), audience: "customer", flagged: true }]],
    ["a map", { customer: { ...version(), flagged: true } }],
  ])("reads audience blocks given as %s", (_name, audiences) => {
    const [v] = readVersions({ data: [version({ audiences })] });
    expect(v.audiences).toHaveLength(1);
    expect(v.audiences[0]).toMatchObject({ audience: "customer", flagged: true, requests: 40 });
  });

  it("sorts a series by time and reads ISO or epoch bucket starts", () => {
    const [v] = readVersions({
      data: [
        version({
          series: [
            { ...version(), start: "2026-11-30T02:00:00Z" },
            { ...version(), start: Date.UTC(2026, 10, 30, 1) },
          ],
        }),
      ],
    });
    expect(v.series.map((b) => b.start)).toEqual([Date.UTC(2026, 10, 30, 1), Date.UTC(2026, 10, 30, 2)]);
  });

  it("drops an interval of a broken shape instead of drawing it at NaN", () => {
    const [v] = readVersions({ data: [version({ series: [{ requests: 3 }] })] });
    expect(v.series).toEqual([]);
  });

  it("answers an empty list for a body without data", () => {
    expect(readVersions({})).toEqual([]);
  });
});

describe("rangeOf", () => {
  const now = Date.UTC(2026, 10, 30, 12);
  it.each([
    ["", 24],
    ["range=24h", 24],
    ["range=7d", 7 * 24],
    ["range=30d", 30 * 24],
    ["range=bogus", 24],
  ])("?%s covers the last %i hours", (query, hours) => {
    const r = rangeOf(new URLSearchParams(query), now);
    expect(r.until).toBe(now);
    expect(r.until - r.since).toBe(hours * 3600_000);
  });

  it("takes an explicit since/until", () => {
    expect(rangeOf(new URLSearchParams("since=1000&until=5000"), now)).toEqual({
      since: 1000,
      until: 5000,
      key: "custom",
    });
  });

  it("ignores a since/until that is backwards", () => {
    expect(rangeOf(new URLSearchParams("since=5000&until=1000"), now).key).toBe("24h");
  });
});
