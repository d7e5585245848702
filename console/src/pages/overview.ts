// Overview: per task over time — requests, error rate, p50/p95 latency,
// feedback rate (rated / requests) and positive rate — for the range in the
// URL. A task's line joins its versions: counts add up, rates are weighted by
// requests (or ratings), and latency percentiles are the request-weighted mean
// of the versions' percentiles (an approximation; Versions shows each exactly).
import { h, table } from "../dom";
import { lineChart, type Series } from "../chart";
import { fixed, ms, num, pct } from "../format";
import type { PageContext } from "../page";
import { rangeForm } from "../range-form";
import { fetchVersionStats, rangeOf, type Bucket, type VersionStats } from "../stats";

interface Point {
  requests: number;
  errors: number;
  p50w: number;
  p95w: number;
  latReq: number;
  rated: number;
  positive: number;
}
const empty = (): Point => ({ requests: 0, errors: 0, p50w: 0, p95w: 0, latReq: 0, rated: 0, positive: 0 });

function add(p: Point, s: Bucket | VersionStats): void {
  p.requests += s.requests;
  p.errors += (s.error_rate ?? 0) * s.requests;
  if (s.latency_ms.p50 !== null && s.latency_ms.p95 !== null) {
    p.p50w += s.latency_ms.p50 * s.requests;
    p.p95w += s.latency_ms.p95 * s.requests;
    p.latReq += s.requests;
  }
  p.rated += s.feedback.rated;
  p.positive += s.feedback.positive;
}

const rate = (a: number, b: number) => (b > 0 ? a / b : null);
const metrics = {
  requests: (p: Point) => p.requests,
  error_rate: (p: Point) => rate(p.errors, p.requests),
  p50: (p: Point) => rate(p.p50w, p.latReq),
  p95: (p: Point) => rate(p.p95w, p.latReq),
  feedback_rate: (p: Point) => rate(p.rated, p.requests),
  positive_rate: (p: Point) => rate(p.positive, p.rated),
};

export async function overviewPage(ctx: PageContext): Promise<void> {
  const range = rangeOf(ctx.params);
  const interval = range.until - range.since > 2 * 24 * 3600_000 ? "day" : "hour";
  ctx.root.append(rangeForm(ctx.params, (next) => ctx.setParams(next)));
  const results = await Promise.all(
    ctx.models.map(async (m) => ({
      task: m.id,
      versions: await fetchVersionStats({ task: m.id, since: range.since, until: range.until, interval }),
    })),
  );
  if (!ctx.live()) return;

  const times = [...new Set(results.flatMap((r) => r.versions.flatMap((v) => v.series.map((b) => b.start))))].sort(
    (a, b) => a - b,
  );
  const perTask = results.map((r) => {
    const buckets = new Map(times.map((t) => [t, empty()]));
    const total = empty();
    for (const v of r.versions) {
      add(total, v);
      for (const b of v.series) add(buckets.get(b.start)!, b);
    }
    return { task: r.task, total, buckets: times.map((t) => buckets.get(t)!) };
  });
  const series = (pick: (p: Point) => number | null): Series[] =>
    perTask.map((t) => ({
      label: t.task,
      values: t.buckets.map((b) => (b.requests > 0 || pick === metrics.requests ? pick(b) : null)),
    }));

  ctx.root.append(
    table(
      `Per task, ${new Date(range.since).toISOString().slice(0, 16)}Z to ${new Date(range.until).toISOString().slice(0, 16)}Z`,
      [
        { label: "Task", cell: (t) => t.task },
        { label: "Requests", cell: (t) => num(t.total.requests), numeric: true },
        { label: "Error rate", cell: (t) => pct(metrics.error_rate(t.total)), numeric: true },
        { label: "p50", cell: (t) => ms(metrics.p50(t.total)), numeric: true },
        { label: "p95", cell: (t) => ms(metrics.p95(t.total)), numeric: true },
        { label: "Feedback rate", cell: (t) => pct(metrics.feedback_rate(t.total)), numeric: true },
        { label: "Positive rate", cell: (t) => pct(metrics.positive_rate(t.total)), numeric: true },
      ],
      perTask,
      (t) => ({ "data-task": t.task }),
    ),
    h(
      "div",
      { class: "charts" },
      lineChart(`Requests per ${interval}`, times, series(metrics.requests), (v) => fixed(v, 0), ctx.onLeave),
      lineChart("Error rate", times, series(metrics.error_rate), (v) => pct(v, 0), ctx.onLeave, "rate"),
      lineChart("p50 latency", times, series(metrics.p50), (v) => `${Math.round(v)} ms`, ctx.onLeave),
      lineChart("p95 latency", times, series(metrics.p95), (v) => `${Math.round(v)} ms`, ctx.onLeave),
      lineChart(
        "Feedback rate (rated / requests)",
        times,
        series(metrics.feedback_rate),
        (v) => pct(v, 0),
        ctx.onLeave,
        "rate",
      ),
      lineChart("Positive rate", times, series(metrics.positive_rate), (v) => pct(v, 0), ctx.onLeave, "rate"),
    ),
  );
}
