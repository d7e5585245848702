// Turns the gateway section's raw measurements into bench/results.json's
// `gateway` entry (requests/s, ratio, latency and TTFT differences, workerd
// CPU per request, the issue's targets) and its Markdown table. Targets are
// figures in the output, never assertions: the bench exits 0 either way.
import type { Mode, TargetName } from "./gateway-targets";
import { loadFigures, type LoadRun } from "./load";
import type { ProbeSample } from "./probe";
import { round, summarize, type Summary } from "./stats";

export interface ModeMeasurements {
  /** 2xx gateway answers outside the timed loads (sanity request, warm-up). */
  gatewayUntimed: number;
  loads: Record<TargetName, LoadRun[]>;
  /** workerd CPU seconds over the target's load runs (null where /proc is unavailable). */
  cpu: Record<TargetName, number | null>;
  probes: Record<string, ProbeSample[]>;
}

interface TargetFigures {
  rps: number;
  requests_2xx: number;
  non2xx: number;
  errors: number;
  loaded: Summary;
  unloaded: Summary;
  ttft?: Summary;
  /** Median reads per streamed answer at the probe client. */
  stream_chunks_p50?: number;
  workerd_cpu_us_per_request: number | null;
}

export interface ModeFigures {
  passthrough: TargetFigures;
  gateway: TargetFigures;
  rps_ratio: number;
  loaded_p50_diff_ms: number;
  loaded_p99_diff_ms: number;
  unloaded_p50_diff_ms: number;
  unloaded_p99_diff_ms: number;
  ttft_p50_diff_ms?: number;
  ttft_p99_diff_ms?: number;
  workerd_cpu_us_diff: number | null;
}

export interface Target {
  target: string;
  measured: string;
  met: boolean;
}

export interface GatewaySummary {
  measured_at: string;
  topology: string;
  non_stream: ModeFigures;
  stream: ModeFigures;
  logging: { interactions_written: number; gateway_2xx: number };
  runtime_errors: string[];
  targets: Target[];
}

function figures(m: ModeMeasurements, name: TargetName, stream: boolean): TargetFigures {
  const { workerd_cpu_us_per_request, ...load } = loadFigures(m.loads[name], m.cpu[name]);
  return {
    ...load,
    unloaded: summarize(m.probes[name].map((s) => s.total_ms)),
    ...(stream
      ? {
          ttft: summarize(m.probes[name].map((s) => s.ttft_ms ?? Number.NaN)),
          stream_chunks_p50: summarize(m.probes[name].map((s) => s.chunks ?? Number.NaN)).p50_ms,
        }
      : {}),
    workerd_cpu_us_per_request,
  };
}

function modeFigures(m: ModeMeasurements, stream: boolean): ModeFigures {
  const p = figures(m, "passthrough", stream);
  const g = figures(m, "gateway", stream);
  const diff = (a: number, b: number) => round(a - b);
  return {
    passthrough: p,
    gateway: g,
    rps_ratio: round(g.rps / p.rps, 3),
    loaded_p50_diff_ms: diff(g.loaded.p50_ms, p.loaded.p50_ms),
    loaded_p99_diff_ms: diff(g.loaded.p99_ms, p.loaded.p99_ms),
    unloaded_p50_diff_ms: diff(g.unloaded.p50_ms, p.unloaded.p50_ms),
    unloaded_p99_diff_ms: diff(g.unloaded.p99_ms, p.unloaded.p99_ms),
    ...(g.ttft && p.ttft
      ? { ttft_p50_diff_ms: diff(g.ttft.p50_ms, p.ttft.p50_ms), ttft_p99_diff_ms: diff(g.ttft.p99_ms, p.ttft.p99_ms) }
      : {}),
    workerd_cpu_us_diff:
      g.workerd_cpu_us_per_request === null || p.workerd_cpu_us_per_request === null
        ? null
        : g.workerd_cpu_us_per_request - p.workerd_cpu_us_per_request,
  };
}

export function summarizeGateway(
  measured: Record<Mode, ModeMeasurements>,
  extra: { interactions_written: number; topology: string; runtime_errors: string[] },
): GatewaySummary {
  const non_stream = modeFigures(measured.non_stream, false);
  const stream = modeFigures(measured.stream, true);
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  const targets: Target[] = [
    {
      target: "throughput ≥ 80% of pass-through, non-stream",
      measured: pct(non_stream.rps_ratio),
      met: non_stream.rps_ratio >= 0.8,
    },
    {
      target: "throughput ≥ 80% of pass-through, stream",
      measured: pct(stream.rps_ratio),
      met: stream.rps_ratio >= 0.8,
    },
    {
      target: "added p50 latency ≤ 1 ms (unloaded, non-stream)",
      measured: `${non_stream.unloaded_p50_diff_ms} ms`,
      met: non_stream.unloaded_p50_diff_ms <= 1,
    },
    {
      target: "TTFT p50 difference ≤ 2 ms (unloaded, stream)",
      measured: `${stream.ttft_p50_diff_ms} ms`,
      met: (stream.ttft_p50_diff_ms ?? Infinity) <= 2,
    },
  ];
  const gatewayRequests = (m: ModeMeasurements) =>
    m.gatewayUntimed + m.loads.gateway.reduce((n, r) => n + r.ok, 0) + m.probes.gateway.length;
  return {
    measured_at: new Date().toISOString(),
    topology: extra.topology,
    non_stream,
    stream,
    logging: {
      interactions_written: extra.interactions_written,
      gateway_2xx: gatewayRequests(measured.non_stream) + gatewayRequests(measured.stream),
    },
    runtime_errors: extra.runtime_errors,
    targets,
  };
}

const cell = (x: number | null | undefined) => (x === null || x === undefined || Number.isNaN(x) ? "–" : String(x));
const signed = (x: number | null | undefined) => (typeof x === "number" && x > 0 ? `+${x}` : cell(x));

export function gatewayMarkdown(s: GatewaySummary): string {
  const rows: string[] = [];
  const row = (
    label: string,
    p: number | null | undefined,
    g: number | null | undefined,
    d: number | null | undefined,
    ratio = "",
  ) => rows.push(`| ${label} | ${cell(p)} | ${cell(g)} | ${signed(d)} | ${ratio} |`);
  for (const [mode, f] of [
    ["non-stream", s.non_stream],
    ["stream", s.stream],
  ] as const) {
    const { passthrough: p, gateway: g } = f;
    row(`${mode}: requests/s`, p.rps, g.rps, round(g.rps - p.rps, 1), `**${f.rps_ratio}**`);
    row(`${mode}: p50 under load (ms)`, p.loaded.p50_ms, g.loaded.p50_ms, f.loaded_p50_diff_ms);
    row(`${mode}: p99 under load (ms)`, p.loaded.p99_ms, g.loaded.p99_ms, f.loaded_p99_diff_ms);
    row(`${mode}: p50 unloaded (ms)`, p.unloaded.p50_ms, g.unloaded.p50_ms, f.unloaded_p50_diff_ms);
    row(`${mode}: p99 unloaded (ms)`, p.unloaded.p99_ms, g.unloaded.p99_ms, f.unloaded_p99_diff_ms);
    if (p.ttft && g.ttft) {
      row(`${mode}: TTFT p50 unloaded (ms)`, p.ttft.p50_ms, g.ttft.p50_ms, f.ttft_p50_diff_ms);
      row(`${mode}: TTFT p99 unloaded (ms)`, p.ttft.p99_ms, g.ttft.p99_ms, f.ttft_p99_diff_ms);
      row(`${mode}: chunks per answer at the client (p50)`, p.stream_chunks_p50, g.stream_chunks_p50, null);
    }
    row(
      `${mode}: workerd CPU per request (µs)`,
      p.workerd_cpu_us_per_request,
      g.workerd_cpu_us_per_request,
      f.workerd_cpu_us_diff,
    );
  }
  const errors = [s.non_stream, s.stream]
    .flatMap((f) => [f.passthrough, f.gateway])
    .reduce((n, t) => n + t.non2xx + t.errors, 0);
  return [
    "### Gateway vs bare pass-through (one workerd, logging on)",
    "",
    "| measure | pass-through | gateway | gateway − pass-through | ratio |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
    "",
    "| target | measured | met |",
    "| --- | --- | --- |",
    ...s.targets.map((t) => `| ${t.target} | ${t.measured} | ${t.met ? "yes" : "**no**"} |`),
    "",
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
