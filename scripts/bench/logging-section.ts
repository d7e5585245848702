// `logging` section: what interaction logging adds to the gateway. The same
// gateway bundle runs twice in the bench's workerd: as shipped (logging on:
// LOG_QUEUE send per request, the consumer writing to D1 in the same
// runtime) and as LOGGING_OFF (INTERACTION_LOGGING="off": no queue send, so
// no consumer or D1 work either). Per mode: warm-up, then autocannon runs
// (the gateway section's client and connections) alternating on/off ABBA so
// drift hits both, requests/s, p50/p99 and workerd CPU per request. The
// on-runs settle 1.5 s inside their CPU window, so the consumer's D1 writes
// count against logging and never land in an off-run. Then the consumer
// alone: records/s into D1 (consumer-drain.ts).
import { measureConsumer } from "./consumer-drain";
import { buildTargets, type Mode } from "./gateway-targets";
import { loadFigures, runLoad, type LoadFigures, type LoadRequest, type LoadRun } from "./load";
import { probeOnce } from "./probe";
import type { BenchContext, BenchSection } from "./sections";
import { round, summarize, type Summary } from "./stats";
import type { Stack } from "./start-stack";
import { cpuSeconds, workerdPids } from "./workerd-cpu";

type Side = "on" | "off";
const MODES: Mode[] = ["non_stream", "stream"];
const SIDES: Side[] = ["on", "off"];
/** The consumer's batch timeout is 1 s; give its last batch time to reach D1. */
const SETTLE_MS = 1500;
const CLIENT_GONE = /Connection reset by peer|Broken pipe|^\s*stack:/;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type SideFigures = LoadFigures;

interface ModeFigures {
  on: SideFigures;
  off: SideFigures;
  /** requests/s with logging on ÷ off. */
  rps_ratio: number;
  p50_diff_ms: number;
  cpu_us_diff: number | null;
}

const figures = loadFigures;

async function measureMode(pair: Record<Side, LoadRequest>, mode: Mode, ctx: BenchContext): Promise<ModeFigures> {
  const { flags } = ctx;
  const stream = mode === "stream";
  for (const side of SIDES) await probeOnce(pair[side], stream); // fails fast with the body on a non-200
  if (flags.warmup > 0) {
    ctx.log(`logging: ${mode}: warm-up, ${flags.warmup} requests per target`);
    for (const side of SIDES) await runLoad(pair[side], { connections: flags.connections, amount: flags.warmup });
    await sleep(SETTLE_MS);
  }
  const pids = workerdPids();
  const loads: Record<Side, LoadRun[]> = { on: [], off: [] };
  const cpu: Record<Side, number | null> = { on: 0, off: 0 };
  const seconds = Math.max(1, Math.round(flags.loggingDuration / flags.rounds));
  for (let round = 0; round < flags.rounds; round++) {
    for (const side of round % 2 === 0 ? SIDES : [...SIDES].reverse()) {
      ctx.log(
        `logging: ${mode}: round ${round + 1}/${flags.rounds}, logging ${side}, ${flags.connections} connections × ${seconds} s`,
      );
      const before = cpuSeconds(pids);
      loads[side].push(await runLoad(pair[side], { connections: flags.connections, duration: seconds }));
      if (side === "on") await sleep(SETTLE_MS);
      const after = cpuSeconds(pids);
      cpu[side] = before === null || after === null || cpu[side] === null ? null : cpu[side]! + (after - before);
    }
  }
  const on = figures(loads.on, cpu.on);
  const off = figures(loads.off, cpu.off);
  return {
    on,
    off,
    rps_ratio: round(on.rps / off.rps, 3),
    p50_diff_ms: round(on.loaded.p50_ms - off.loaded.p50_ms),
    cpu_us_diff:
      on.workerd_cpu_us_per_request === null || off.workerd_cpu_us_per_request === null
        ? null
        : on.workerd_cpu_us_per_request - off.workerd_cpu_us_per_request,
  };
}

function pairs(
  stack: Stack,
  targets: Awaited<ReturnType<typeof buildTargets>>,
): Record<Mode, Record<Side, LoadRequest>> {
  const offUrl = (t: LoadRequest) => ({ ...t, url: t.url.replace(stack.gatewayUrl, stack.loggingOffUrl!) });
  return {
    non_stream: { on: targets.non_stream.gateway, off: offUrl(targets.non_stream.gateway) },
    stream: { on: targets.stream.gateway, off: offUrl(targets.stream.gateway) },
  };
}

type LoggingSummary = Record<Mode, ModeFigures> & {
  consumer: Awaited<ReturnType<typeof measureConsumer>>;
  method: string;
};

function markdown(s: LoggingSummary, seconds: number, rounds: number): string {
  const lines = [
    "### Logging cost (same gateway bundle, INTERACTION_LOGGING on vs off)",
    "",
    "| measure | logging off | logging on | on − off | on / off |",
    "| --- | --- | --- | --- | --- |",
  ];
  for (const mode of MODES) {
    const m = s[mode];
    const label = mode === "stream" ? "stream" : "non-stream";
    const diff = (a: number, b: number) => `${a - b >= 0 ? "+" : ""}${round(a - b)}`;
    lines.push(
      `| ${label}: requests/s | ${m.off.rps} | ${m.on.rps} | ${diff(m.on.rps, m.off.rps)} | **${m.rps_ratio}** |`,
    );
    lines.push(
      `| ${label}: p50 under load (ms) | ${m.off.loaded.p50_ms} | ${m.on.loaded.p50_ms} | ${diff(m.on.loaded.p50_ms, m.off.loaded.p50_ms)} |  |`,
    );
    lines.push(
      `| ${label}: p99 under load (ms) | ${m.off.loaded.p99_ms} | ${m.on.loaded.p99_ms} | ${diff(m.on.loaded.p99_ms, m.off.loaded.p99_ms)} |  |`,
    );
    lines.push(
      `| ${label}: workerd CPU per request (µs) | ${m.off.workerd_cpu_us_per_request ?? "–"} | ${m.on.workerd_cpu_us_per_request ?? "–"} | ${m.cpu_us_diff === null ? "–" : `+${m.cpu_us_diff}`} |  |`,
    );
  }
  const c = s.consumer;
  lines.push(
    "",
    "| LOG_QUEUE consumer into D1 | value |",
    "| --- | --- |",
    `| records (consumer batches) | ${c.records_in_d1} of ${c.records} (${c.consumer_batches}) |`,
    `| record size (bytes, JSON) | ${c.record_bytes} |`,
    `| queue filled (s after first send) | ${c.fill_s} (${c.in_d1_at_fill} already in D1) |`,
    `| all in D1 (s after first send) | ${c.drained_s} |`,
    c.records_per_s === null
      ? `| **consumer records/s** (backlog → D1) | **≥ ${c.end_to_end_records_per_s}**: it kept up with the sender (no backlog formed) |`
      : `| **consumer records/s** (backlog → D1) | **${c.records_per_s}** |`,
    `| end to end records/s (sends included) | ${c.end_to_end_records_per_s} |`,
    "",
    `Load: ${rounds} rounds per mode, ${seconds} s per target per round, order alternating (ABBA). ${s.method}`,
    `Consumer: ${c.method}.`,
  );
  return lines.join("\n");
}

export const loggingSection: BenchSection = {
  name: "logging",
  usesStack: true,
  stackOptions: { loggingOff: true },
  async run(ctx) {
    const stack = await ctx.stack();
    if (!stack.loggingOffUrl) throw new Error("the stack was started without the logging-off gateway");
    const errorsBefore = stack.runtimeErrors.length;
    const load = pairs(stack, await buildTargets(stack));
    const measured = {} as Record<Mode, ModeFigures>;
    for (const mode of MODES) measured[mode] = await measureMode(load[mode], mode, ctx);
    ctx.log(`logging: consumer: ${Math.ceil(ctx.flags.consumerRecords / 100) * 100} records through LOG_QUEUE into D1`);
    const consumer = await measureConsumer(stack, ctx.flags.consumerRecords);
    const seconds = Math.max(1, Math.round(ctx.flags.loggingDuration / ctx.flags.rounds));
    const summary: LoggingSummary = {
      ...measured,
      consumer,
      method:
        'Both Workers are the same `wrangler deploy --dry-run` bundle in one workerd; off = INTERACTION_LOGGING "off". ' +
        "CPU is the whole workerd process (all isolates, incl. queue broker and D1), so on − off is the full log path.",
    };
    return {
      json: {
        measured_at: new Date().toISOString(),
        connections: ctx.flags.connections,
        seconds_per_run: seconds,
        rounds: ctx.flags.rounds,
        ...summary,
        runtime_errors: stack.runtimeErrors
          .slice(errorsBefore)
          .filter((line) => !CLIENT_GONE.test(line))
          .slice(0, 5),
      },
      markdown: markdown(summary, seconds, ctx.flags.rounds),
    };
  },
};
