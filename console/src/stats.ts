// Reads GET /v1/stats/versions into the shapes the pages draw. The endpoint
// (issue 16) answers per version: requests, error_rate, latency_ms {p50,
// p95}, feedback {rated, positive, negative, positive_rate, positive_rate_ci,
// mean_score, score_ci, correction_rate}; with by=audience a block per
// audience (with `flagged`); with interval=hour|day a time series. Nulls
// mean "no data" and stay null here.
// The feedback block's type is the endpoint's own (a type-only import: none of
// the Worker's code enters the console bundle).
import type { FeedbackStats } from "../../src/stats/version-stats";
import { json } from "./api";

export type { FeedbackStats };
export interface Stats {
  requests: number;
  error_rate: number | null;
  latency_ms: { p50: number | null; p95: number | null };
  feedback: FeedbackStats;
}
export interface AudienceStats extends Stats {
  audience: string;
  flagged: boolean;
}
export interface Bucket extends Stats {
  start: number;
}
export interface VersionStats extends Stats {
  version: string;
  adapter: string | null;
  audiences: AudienceStats[];
  series: Bucket[];
}

type Raw = Record<string, unknown>;
const arr = (v: unknown): Raw[] => (Array.isArray(v) ? (v as Raw[]) : []);
const n = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const ci = (v: unknown): [number, number] | null =>
  Array.isArray(v) && v.length === 2 && n(v[0]) !== null && n(v[1]) !== null ? [v[0], v[1]] : null;

function stats(r: Raw): Stats {
  const lat = (r.latency_ms ?? {}) as Raw;
  const f = (r.feedback ?? {}) as Raw;
  return {
    requests: n(r.requests) ?? 0,
    error_rate: n(r.error_rate),
    latency_ms: { p50: n(lat.p50), p95: n(lat.p95) },
    feedback: {
      rated: n(f.rated) ?? 0,
      positive: n(f.positive) ?? 0,
      negative: n(f.negative) ?? 0,
      positive_rate: n(f.positive_rate),
      positive_rate_ci: ci(f.positive_rate_ci),
      mean_score: n(f.mean_score),
      score_ci: ci(f.score_ci),
      correction_rate: n(f.correction_rate),
    },
  };
}

/** An audience block list may come as an array of {audience, …} or as a map audience -> stats. */
function audiences(v: unknown): AudienceStats[] {
  const list: Raw[] = Array.isArray(v)
    ? (v as Raw[])
    : v && typeof v === "object"
      ? Object.entries(v as Record<string, Raw>).map(([audience, s]) => ({ ...s, audience }))
      : [];
  return list.map((a) => ({
    ...stats(a),
    audience: String(a.audience ?? a.key ?? "(none)"),
    flagged: a.flagged === true,
  }));
}

const bucketTime = (b: Raw) => {
  const t = b.start ?? b.t ?? b.time ?? b.bucket ?? b.at ?? b.since;
  return typeof t === "number" ? t : typeof t === "string" ? Date.parse(t) : NaN;
};

export function readVersions(body: Raw): VersionStats[] {
  return arr(body.data ?? body.versions).map((v) => ({
    ...stats(v),
    version: String(v.version ?? v.adapter_version ?? "?"),
    adapter: typeof v.adapter === "string" ? v.adapter : null,
    audiences: audiences(v.audiences ?? v.by_audience ?? v.segments),
    series: arr(v.series ?? v.intervals ?? v.buckets)
      .map((b) => ({ ...stats(b), start: bucketTime(b) }))
      .filter((b) => Number.isFinite(b.start))
      .sort((a, b) => a.start - b.start),
  }));
}

export interface StatsQuery {
  task: string;
  since?: number;
  until?: number;
  by?: "audience";
  interval?: "hour" | "day";
}

export async function fetchVersionStats(q: StatsQuery): Promise<VersionStats[]> {
  return readVersions(await json<Raw>("/v1/stats/versions", { query: { ...q } }));
}

/** The time range of a page's URL: ?range=24h|7d|30d, or explicit ?since=&until= (epoch ms). */
export const RANGES: Array<[string, string, number]> = [
  ["24h", "Last 24 hours", 24 * 3600_000],
  ["7d", "Last 7 days", 7 * 24 * 3600_000],
  ["30d", "Last 30 days", 30 * 24 * 3600_000],
];
export function rangeOf(params: URLSearchParams, now = Date.now()): { since: number; until: number; key: string } {
  const since = Number(params.get("since"));
  const until = Number(params.get("until"));
  if (since > 0 && until > since) return { since, until, key: "custom" };
  const found = RANGES.find(([k]) => k === params.get("range")) ?? RANGES[0];
  return { since: now - found[2], until: now, key: found[0] };
}
