// `gateway` section: the gateway against the bare pass-through Worker, both
// in one workerd, with logging on as shipped (LOG_QUEUE and its consumer
// writing to D1 in the same runtime). Per mode (non-stream, stream): warm-up,
// then autocannon load split into rounds that alternate the two targets (so
// background drift hits both), workerd CPU per request, and a sequential
// probe for unloaded latency and time to first token.
import { buildTargets, type Mode, type TargetName, type Targets } from "./gateway-targets";
import { gatewayMarkdown, summarizeGateway, type ModeMeasurements } from "./gateway-report";
import { runLoad, type LoadRun } from "./load";
import { probeEach, probeOnce } from "./probe";
import type { BenchSection } from "./sections";
import type { Stack } from "./start-stack";
import { cpuSeconds, workerdPids } from "./workerd-cpu";

const MODES: Mode[] = ["non_stream", "stream"];
const NAMES: TargetName[] = ["passthrough", "gateway"];
/** After each run, let the queue consumer drain (batch timeout 1 s) so its D1 writes do not land in the next run. */
const SETTLE_MS = 1500;

/** workerd reports each connection autocannon drops when a timed run stops; that is not a gateway error. */
const CLIENT_GONE = /Connection reset by peer|Broken pipe|^\s*stack:/;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function countInteractions(stack: Stack): Promise<number> {
  const db = await stack.mf.getD1Database("DB", "switchyard");
  const row = await db.prepare("SELECT count(*) AS n FROM interactions").first<{ n: number }>();
  return row?.n ?? 0;
}

async function measureMode(
  targets: Targets,
  mode: Mode,
  ctx: Parameters<BenchSection["run"]>[0],
): Promise<ModeMeasurements> {
  const { flags } = ctx;
  const pair = targets[mode];
  const stream = mode === "stream";
  for (const name of NAMES) await probeOnce(pair[name], stream); // fails fast with the body on a non-200
  let gatewayUntimed = 1;
  if (flags.warmup > 0) {
    ctx.log(`gateway: ${mode}: warm-up, ${flags.warmup} requests per target`);
    for (const name of NAMES) {
      const warm = await runLoad(pair[name], { connections: flags.connections, amount: flags.warmup });
      if (name === "gateway") gatewayUntimed += warm.ok;
    }
    await sleep(SETTLE_MS);
  }
  const pids = workerdPids();
  const loads: Record<TargetName, LoadRun[]> = { passthrough: [], gateway: [] };
  const cpu: Record<TargetName, number | null> = { passthrough: 0, gateway: 0 };
  const seconds = Math.max(1, Math.round(flags.duration / flags.rounds));
  for (let round = 0; round < flags.rounds; round++) {
    const order = round % 2 === 0 ? NAMES : [...NAMES].reverse();
    for (const name of order) {
      ctx.log(
        `gateway: ${mode}: round ${round + 1}/${flags.rounds}, ${name}, ${flags.connections} connections × ${seconds} s`,
      );
      const before = cpuSeconds(pids);
      loads[name].push(await runLoad(pair[name], { connections: flags.connections, duration: seconds }));
      // Settle inside the CPU window: the consumer's D1 writes are part of the gateway's cost.
      await sleep(SETTLE_MS);
      const after = cpuSeconds(pids);
      cpu[name] = before === null || after === null || cpu[name] === null ? null : cpu[name]! + (after - before);
    }
  }
  ctx.log(`gateway: ${mode}: sequential probe, ${flags.probe} requests per target`);
  const probes = await probeEach(pair, stream, flags.probe, SETTLE_MS);
  return { gatewayUntimed, loads, cpu, probes };
}

export const gatewaySection: BenchSection = {
  name: "gateway",
  usesStack: true,
  async run(ctx) {
    const stack = await ctx.stack();
    const targets = await buildTargets(stack);
    const measured = {} as Record<Mode, ModeMeasurements>;
    for (const mode of MODES) measured[mode] = await measureMode(targets, mode, ctx);
    await sleep(SETTLE_MS);
    const interactions = await countInteractions(stack);
    const summary = summarizeGateway(measured, {
      interactions_written: interactions,
      topology: stack.topology,
      runtime_errors: stack.runtimeErrors.filter((line) => !CLIENT_GONE.test(line)).slice(0, 5),
    });
    return { json: summary, markdown: gatewayMarkdown(summary) };
  },
};
