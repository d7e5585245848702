// Markdown for the limits section's entry in bench/results.json: limits off,
// requests_per_minute only (one TenantLimiter round trip) and all limits (that
// round trip plus a settle in waitUntil for the token budget and the stream
// lease) side by side per mode, and the flood check. Reads only the JSON.
import type { FloodFigures, LimitsSummary, SideFigures } from "./limits-section";

type Cell = number | null | undefined;
const cell = (x: Cell) => (x === null || x === undefined || Number.isNaN(x) ? "–" : String(x));
const diff = (a: Cell, b: Cell) =>
  typeof a === "number" && typeof b === "number" && !Number.isNaN(a - b)
    ? `${b - a > 0 ? "+" : ""}${Number((b - a).toFixed(2))}`
    : "–";

const MODES = [
  ["non-stream", "non_stream"],
  ["stream", "stream"],
] as const;

const floodRow = (label: string, x: FloodFigures) =>
  `| ${label} | ${x.probe.p50_ms} | ${x.probe.p99_ms} | ${x.flood_rps} | ${x.flood_2xx} | ${x.flood_429} | ${x.flood_other} | ${cell(x.workerd_cpu_us_per_request)} |`;

export function limitsMarkdown(s: LimitsSummary): string {
  const rows = [
    "| measure | limits off | rpm only | all limits | rpm only − off | all − off |",
    "| --- | --- | --- | --- | --- | --- |",
  ];
  const row = (label: string, pick: (f: SideFigures) => Cell, m: Record<"off" | "rpm_only" | "all", SideFigures>) => {
    const [off, rpm, all] = [pick(m.off), pick(m.rpm_only), pick(m.all)];
    rows.push(`| ${label} | ${cell(off)} | ${cell(rpm)} | ${cell(all)} | ${diff(off, rpm)} | ${diff(off, all)} |`);
  };
  for (const [label, key] of MODES) {
    const m = s.modes[key];
    row(`${label}: requests/s`, (f) => f.rps, m);
    row(`${label}: p50 under load (ms)`, (f) => f.loaded.p50_ms, m);
    row(`${label}: p99 under load (ms)`, (f) => f.loaded.p99_ms, m);
    row(`${label}: p50 unloaded (ms)`, (f) => f.unloaded.p50_ms, m);
    row(`${label}: p99 unloaded (ms)`, (f) => f.unloaded.p99_ms, m);
    row(`${label}: gateway's own time p50 (server-timing, ms)`, (f) => f.gateway_ms.p50_ms, m);
    row(`${label}: **workerd CPU per request (µs)**`, (f) => f.workerd_cpu_us_per_request, m);
  }
  const f = s.flood;
  const flood = [
    "| acme-limited probed (sequential) | p50 (ms) | p99 (ms) | flood requests/s | flood 2xx | flood 429 | flood other | workerd CPU per answer (µs) |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    `| alone | ${f.idle.p50_ms} | ${f.idle.p99_ms} | – | – | – | – | – |`,
    floodRow("while flood-unlimited floods (served)", f.served),
    floodRow("while flood-limited floods over its limit, at the same rate (refused)", f.refused),
    floodRow("while flood-limited floods over its limit, flat out (refused)", f.refused_flat_out),
  ];
  return [
    `All limits: \`${JSON.stringify(s.limits_on)}\`; rpm only: \`${JSON.stringify(s.rpm_only)}\` (never reached); ` +
      "off: the same manifest without `limits`. " +
      `${s.connections} connections, ${s.rounds} rounds × ${s.seconds_per_run} s per side and mode, order alternating.`,
    "",
    ...rows,
    "",
    `Flood: ${s.connections} connections; flood-limited allows \`${JSON.stringify(f.flood_limits)}\`. ` +
      "All tenants share one workerd thread here, so a flood costs the probe CPU whatever the limiter does.",
    "",
    ...flood,
  ].join("\n");
}
