// Markdown for the gateway section's entry in bench/results.json: one table
// with the three targets side by side, the issue's targets, and the logging
// cost (the gateway against its own bundle with logging off, from the same
// rounds). Reads only the JSON, so bench/RESULTS.md can be regenerated from
// bench/results.json at any time.
import type { Comparison, GatewaySummary, ModeFigures, TargetFigures } from "./gateway-report";

type Cell = number | null | undefined;

const cell = (x: Cell) => (x === null || x === undefined || Number.isNaN(x) ? "–" : String(x));
const signed = (x: Cell) => (typeof x === "number" && x > 0 ? `+${x}` : cell(x));
const MODES = [
  ["non-stream", "non_stream"],
  ["stream", "stream"],
] as const;

function sideBySide(s: GatewaySummary): string[] {
  const rows = [
    "| measure | pass-through | gateway | logging off | gateway − pass-through |",
    "| --- | --- | --- | --- | --- |",
  ];
  const row = (label: string, pick: (t: TargetFigures) => Cell, m: ModeFigures, d: Cell | string) =>
    rows.push(
      `| ${label} | ${cell(pick(m.passthrough))} | ${cell(pick(m.gateway))} | ${cell(pick(m.logging_off))} | ${typeof d === "string" ? d : signed(d)} |`,
    );
  for (const [label, key] of MODES) {
    const m = s[key];
    const c = m.gateway_vs_passthrough;
    row(`${label}: requests/s`, (t) => t.rps, m, `× **${c.rps_ratio}**`);
    row(`${label}: p50 under load (ms)`, (t) => t.loaded.p50_ms, m, c.loaded_p50_diff_ms);
    row(`${label}: p99 under load (ms)`, (t) => t.loaded.p99_ms, m, c.loaded_p99_diff_ms);
    row(`${label}: p50 unloaded (ms)`, (t) => t.unloaded.p50_ms, m, c.unloaded_p50_diff_ms);
    row(`${label}: p99 unloaded (ms)`, (t) => t.unloaded.p99_ms, m, c.unloaded_p99_diff_ms);
    if (key === "stream") {
      row(`${label}: TTFT p50 unloaded (ms)`, (t) => t.ttft?.p50_ms, m, c.ttft_p50_diff_ms);
      row(`${label}: TTFT p99 unloaded (ms)`, (t) => t.ttft?.p99_ms, m, c.ttft_p99_diff_ms);
      row(`${label}: SSE events per answer (p50)`, (t) => t.stream_events_p50, m, "");
      row(`${label}: reads per answer at the client (p50)`, (t) => t.stream_chunks_p50, m, "");
    }
    row(`${label}: **workerd CPU per request (µs)**`, (t) => t.workerd_cpu_us_per_request, m, c.workerd_cpu_us_diff);
    if (key === "stream") {
      row(
        `${label}: **workerd CPU per streamed event (µs)**`,
        (t) => t.workerd_cpu_us_per_event,
        m,
        c.workerd_cpu_us_per_event_diff,
      );
    }
  }
  return rows;
}

function loggingCost(s: GatewaySummary): string[] {
  const rows = [
    "| mode | requests/s on ÷ off | p50 under load | p99 under load | CPU per request | CPU per streamed event |",
    "| --- | --- | --- | --- | --- | --- |",
  ];
  for (const [label, key] of MODES) {
    const c: Comparison = s[key].logging_on_vs_off;
    rows.push(
      `| ${label} | **${c.rps_ratio}** | ${signed(c.loaded_p50_diff_ms)} ms | ${signed(c.loaded_p99_diff_ms)} ms | ${signed(c.workerd_cpu_us_diff)} µs | ${c.workerd_cpu_us_per_event_diff === undefined ? "–" : `${signed(c.workerd_cpu_us_per_event_diff)} µs`} |`,
    );
  }
  return rows;
}

/** Issue 19's targets in the bench's terms: gateway CPU per request over the pass-through's. */
function cpuTargets(s: GatewaySummary): string[] {
  const ratio = (m: ModeFigures) => {
    const g = m.gateway.workerd_cpu_us_per_request;
    const p = m.passthrough.workerd_cpu_us_per_request;
    return g === null || p === null || !p ? null : Math.round((g / p) * 100) / 100;
  };
  const row = (label: string, r: number | null, limit: number) =>
    `| ${label} | ${cell(r)}× | ${r === null ? "–" : r <= limit ? "yes" : "**no**"} |`;
  return [
    row("gateway CPU per request ≤ 1.95× the pass-through's, non-stream", ratio(s.non_stream), 1.95),
    row("gateway CPU per request ≤ 2.8× the pass-through's, stream (zero delay)", ratio(s.stream), 2.8),
  ];
}

/** With --baseline: this gateway against another checkout's, loaded in the same rounds (the price of a change). */
function baselineRows(s: GatewaySummary): string[] {
  return MODES.flatMap(([label, key]) => {
    const m = s[key];
    if (!m.baseline || !m.gateway_vs_baseline) return [];
    const c = m.gateway_vs_baseline;
    return [
      `| ${label}: baseline \`${m.baseline.dir}\`, side by side | ${cell(m.baseline.workerd_cpu_us_per_request)} µs | ${cell(m.gateway.workerd_cpu_us_per_request)} µs | ${signed(c.workerd_cpu_us_diff)} µs | × ${c.rps_ratio} |`,
    ];
  });
}

export function gatewayMarkdown(s: GatewaySummary): string {
  const baseline = baselineRows(s);
  const errors = MODES.flatMap(([, key]) => [s[key].passthrough, s[key].gateway, s[key].logging_off]).reduce(
    (n, t) => n + t.non2xx + t.errors,
    0,
  );
  return [
    ...sideBySide(s),
    "",
    "| target | measured | met |",
    "| --- | --- | --- |",
    ...s.targets.map((t) => `| ${t.target} | ${t.measured} | ${t.met ? "yes" : "**no**"} |`),
    ...cpuTargets(s),
    "",
    ...(baseline.length
      ? [
          "| mode | baseline CPU per request | gateway CPU per request | gateway − baseline | requests/s gateway ÷ baseline |",
          "| --- | --- | --- | --- | --- |",
          ...baseline,
          "",
        ]
      : []),
    "### Logging cost (gateway with logging on − the same bundle with logging off, same rounds)",
    "",
    ...loggingCost(s),
    "",
    `Load: ${s.connections} connections, ${s.rounds} rounds per mode of ${s.seconds_per_run} s per target, ` +
      "the order reversed every other round (ABC CBA), so drift on the machine hits all three alike.",
    `Topology: ${s.topology}.`,
    `Logging: ${s.logging.interactions_written} interaction records in D1 for ${s.logging.gateway_2xx} successful gateway requests` +
      ` (warm-up included; requests cut when a load run stops are logged too, as client_aborted). Non-2xx or socket errors under load: ${errors}.`,
    ...(s.runtime_errors.length
      ? [
          "",
          `Runtime errors (first ${s.runtime_errors.length}): ${s.runtime_errors.map((e) => `\`${e.slice(0, 160)}\``).join("; ")}`,
        ]
      : []),
  ].join("\n");
}
