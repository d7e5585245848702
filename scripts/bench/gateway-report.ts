// Turns the gateway section's raw measurements into bench/results.json's
// `gateway` entry and renders that entry as Markdown. Three targets ran side
// by side in one workerd: the bare pass-through, the gateway as shipped and
// the same gateway bundle with INTERACTION_LOGGING="off". Per target:
// requests/s, latency under load and unloaded, TTFT, workerd CPU per request
// and, for streams, per SSE event. Targets are figures in the output, never
// assertions: the bench exits 0 either way.
import { loadFigures, type LoadRun } from "./load";
import type { Mode } from "./gateway-targets";
import type { ProbeSample } from "./probe";
import { round, summarize, type Summary } from "./stats";

export type Side = "passthrough" | "gateway" | "logging_off" | "baseline";
export const SIDES: readonly Side[] = ["passthrough", "gateway", "logging_off"];
/** With --baseline: the gateway of another checkout loaded in the same rounds, to price a change. */
export const SIDES_WITH_BASELINE: readonly Side[] = [...SIDES, "baseline"];

export interface ModeMeasurements {
  /** 2xx gateway answers outside the timed loads (sanity request, warm-up). */
  gatewayUntimed: number;
  /** Every side but `baseline`, which is there only with --baseline. */
  loads: Partial<Record<Side, LoadRun[]>>;
  /** workerd CPU seconds over the target's load runs (null where /proc is unavailable). */
  cpu: Partial<Record<Side, number | null>>;
  probes: Partial<Record<Side, ProbeSample[]>>;
}

export interface TargetFigures {
  rps: number;
  requests_2xx: number;
  non2xx: number;
  errors: number;
  loaded: Summary;
  unloaded: Summary;
  ttft?: Summary;
  /** Median reads per streamed answer at the probe client. */
  stream_chunks_p50?: number;
  /** Median SSE events per streamed answer (the divisor of CPU per event). */
  stream_events_p50?: number;
  workerd_cpu_us_per_request: number | null;
  /** Streams only: CPU per request ÷ SSE events per answer. */
  workerd_cpu_us_per_event?: number | null;
}

/** What one target costs over another: a ratio of requests/s, differences of the rest. */
export interface Comparison {
  rps_ratio: number;
  loaded_p50_diff_ms: number;
  loaded_p99_diff_ms: number;
  unloaded_p50_diff_ms: number;
  unloaded_p99_diff_ms: number;
  ttft_p50_diff_ms?: number;
  ttft_p99_diff_ms?: number;
  workerd_cpu_us_diff: number | null;
  workerd_cpu_us_per_event_diff?: number | null;
}

export interface ModeFigures extends Record<Exclude<Side, "baseline">, TargetFigures> {
  /** gateway against pass-through: what the gateway costs. */
  gateway_vs_passthrough: Comparison;
  /** gateway against logging off: what interaction logging costs. */
  logging_on_vs_off: Comparison;
  /** With --baseline: the other checkout's gateway, and this gateway against it (what the change costs). */
  baseline?: TargetFigures & { dir: string };
  gateway_vs_baseline?: Comparison;
}

export interface Target {
  target: string;
  measured: string;
  met: boolean;
}

export interface GatewaySummary {
  measured_at: string;
  topology: string;
  connections: number;
  seconds_per_run: number;
  rounds: number;
  non_stream: ModeFigures;
  stream: ModeFigures;
  logging: { interactions_written: number; gateway_2xx: number };
  runtime_errors: string[];
  targets: Target[];
}

function figures(m: ModeMeasurements, side: Side, stream: boolean): TargetFigures {
  const { workerd_cpu_us_per_request: cpu, ...load } = loadFigures(m.loads[side] ?? [], m.cpu[side] ?? null);
  const probes = m.probes[side] ?? [];
  const fig: TargetFigures = {
    ...load,
    unloaded: summarize(probes.map((s) => s.total_ms)),
    workerd_cpu_us_per_request: cpu,
  };
  if (stream) {
    const events = summarize(probes.map((s) => s.events ?? Number.NaN)).p50_ms;
    fig.ttft = summarize(probes.map((s) => s.ttft_ms ?? Number.NaN));
    fig.stream_chunks_p50 = summarize(probes.map((s) => s.chunks ?? Number.NaN)).p50_ms;
    fig.stream_events_p50 = events;
    fig.workerd_cpu_us_per_event = cpu === null || !(events > 0) ? null : round(cpu / events, 1);
  }
  return fig;
}

const diff = (a: number, b: number) => round(a - b);
const nullableDiff = (a: number | null | undefined, b: number | null | undefined, digits = 0) =>
  a === null || a === undefined || b === null || b === undefined ? null : round(a - b, digits);

function compare(a: TargetFigures, b: TargetFigures): Comparison {
  return {
    rps_ratio: round(a.rps / b.rps, 3),
    loaded_p50_diff_ms: diff(a.loaded.p50_ms, b.loaded.p50_ms),
    loaded_p99_diff_ms: diff(a.loaded.p99_ms, b.loaded.p99_ms),
    unloaded_p50_diff_ms: diff(a.unloaded.p50_ms, b.unloaded.p50_ms),
    unloaded_p99_diff_ms: diff(a.unloaded.p99_ms, b.unloaded.p99_ms),
    ...(a.ttft && b.ttft
      ? { ttft_p50_diff_ms: diff(a.ttft.p50_ms, b.ttft.p50_ms), ttft_p99_diff_ms: diff(a.ttft.p99_ms, b.ttft.p99_ms) }
      : {}),
    workerd_cpu_us_diff: nullableDiff(a.workerd_cpu_us_per_request, b.workerd_cpu_us_per_request),
    ...(a.workerd_cpu_us_per_event !== undefined
      ? { workerd_cpu_us_per_event_diff: nullableDiff(a.workerd_cpu_us_per_event, b.workerd_cpu_us_per_event, 1) }
      : {}),
  };
}

function modeFigures(m: ModeMeasurements, stream: boolean, baselineDir: string | null): ModeFigures {
  const passthrough = figures(m, "passthrough", stream);
  const gateway = figures(m, "gateway", stream);
  const logging_off = figures(m, "logging_off", stream);
  const baseline = baselineDir === null ? null : figures(m, "baseline", stream);
  return {
    passthrough,
    gateway,
    logging_off,
    gateway_vs_passthrough: compare(gateway, passthrough),
    logging_on_vs_off: compare(gateway, logging_off),
    ...(baseline
      ? { baseline: { ...baseline, dir: baselineDir! }, gateway_vs_baseline: compare(gateway, baseline) }
      : {}),
  };
}

export function summarizeGateway(
  measured: Record<Mode, ModeMeasurements>,
  extra: Pick<GatewaySummary, "topology" | "connections" | "seconds_per_run" | "rounds" | "runtime_errors"> & {
    interactions_written: number;
    baseline_dir: string | null;
  },
): GatewaySummary {
  const non_stream = modeFigures(measured.non_stream, false, extra.baseline_dir);
  const stream = modeFigures(measured.stream, true, extra.baseline_dir);
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  const ns = non_stream.gateway_vs_passthrough;
  const st = stream.gateway_vs_passthrough;
  const targets: Target[] = [
    { target: "throughput ≥ 80% of pass-through, non-stream", measured: pct(ns.rps_ratio), met: ns.rps_ratio >= 0.8 },
    { target: "throughput ≥ 80% of pass-through, stream", measured: pct(st.rps_ratio), met: st.rps_ratio >= 0.8 },
    {
      target: "added p50 latency ≤ 1 ms (unloaded, non-stream)",
      measured: `${ns.unloaded_p50_diff_ms} ms`,
      met: ns.unloaded_p50_diff_ms <= 1,
    },
    {
      target: "TTFT p50 difference ≤ 2 ms (unloaded, stream)",
      measured: `${st.ttft_p50_diff_ms} ms`,
      met: (st.ttft_p50_diff_ms ?? Infinity) <= 2,
    },
  ];
  const gatewayRequests = (m: ModeMeasurements) =>
    m.gatewayUntimed + (m.loads.gateway ?? []).reduce((n, r) => n + r.ok, 0) + (m.probes.gateway ?? []).length;
  const { interactions_written, baseline_dir: _, ...rest } = extra;
  return {
    measured_at: new Date().toISOString(),
    ...rest,
    non_stream,
    stream,
    logging: {
      interactions_written,
      gateway_2xx: gatewayRequests(measured.non_stream) + gatewayRequests(measured.stream),
    },
    targets,
  };
}
