// Versions: for one task, each adapter version's share of requests and its
// statistics with 95 % interval bars; with the audience breakdown, segments
// whose positive rate is below the version's overall rate beyond their
// interval are flagged (the stats API decides; the console shows it).
import { h, select, field, table } from "../dom";
import { fixed, ms, num, pct } from "../format";
import { intervalBar } from "../interval-bar";
import type { PageContext } from "../page";
import { rangeForm } from "../range-form";
import { fetchVersionStats, rangeOf, type Stats } from "../stats";

const statColumns = <T extends Stats>() => [
  { label: "Requests", cell: (s: T) => num(s.requests), numeric: true },
  { label: "Error rate", cell: (s: T) => pct(s.error_rate), numeric: true },
  { label: "p50", cell: (s: T) => ms(s.latency_ms.p50), numeric: true },
  { label: "p95", cell: (s: T) => ms(s.latency_ms.p95), numeric: true },
  { label: "Rated", cell: (s: T) => num(s.feedback.rated), numeric: true },
  {
    label: "Positive rate (95% CI)",
    cell: (s: T) => intervalBar(s.feedback.positive_rate, s.feedback.positive_rate_ci),
  },
  {
    label: "Mean score",
    cell: (s: T) =>
      s.feedback.score_ci
        ? `${fixed(s.feedback.mean_score)} (${fixed(s.feedback.score_ci[0])}–${fixed(s.feedback.score_ci[1])})`
        : fixed(s.feedback.mean_score),
    numeric: true,
  },
  { label: "Corrections", cell: (s: T) => pct(s.feedback.correction_rate), numeric: true },
];

export async function versionsPage(ctx: PageContext): Promise<void> {
  const task = ctx.params.get("task") || ctx.models[0]?.id;
  if (!task) {
    ctx.root.append(h("p", { class: "empty" }, "This tenant has no tasks yet: apply a manifest first."));
    return;
  }
  const taskPick = field(
    "Task",
    select(
      "task",
      ctx.models.map((m): [string, string] => [m.id, m.id]),
      task,
    ),
  );
  ctx.root.append(rangeForm(ctx.params, (next) => ctx.setParams(next), [taskPick]));
  const range = rangeOf(ctx.params);
  const versions = await fetchVersionStats({ task, since: range.since, until: range.until, by: "audience" });
  if (!ctx.live()) return;
  const total = versions.reduce((sum, v) => sum + v.requests, 0);
  ctx.root.append(
    h("h2", null, `Task ${task}`),
    table(
      `Adapter versions of ${task}: share of requests and statistics`,
      [
        { label: "Version", cell: (v) => h("strong", null, v.version) },
        { label: "Share", cell: (v) => (total > 0 ? pct(v.requests / total) : "–"), numeric: true },
        ...statColumns<(typeof versions)[number]>(),
      ],
      versions,
      (v) => ({ "data-version": v.version }),
    ),
  );
  for (const v of versions) {
    if (!v.audiences.length) continue;
    const flagged = v.audiences.filter((a) => a.flagged).length;
    ctx.root.append(
      h("h3", null, `${v.version} by audience`, flagged ? h("span", { class: "flag" }, ` ${flagged} flagged`) : null),
      table(
        `${v.version} per audience; flagged audiences fare worse than the version overall beyond their interval`,
        [
          {
            label: "Audience",
            cell: (a) => (a.flagged ? h("span", { class: "flag" }, `⚑ ${a.audience} (flagged)`) : a.audience),
          },
          ...statColumns<(typeof v.audiences)[number]>(),
        ],
        v.audiences,
        (a) => ({ "data-audience": a.audience, class: a.flagged ? "flagged" : null }),
      ),
    );
  }
}
