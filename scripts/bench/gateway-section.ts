// `gateway` section: three Workers in one workerd, loaded side by side: the
// bare pass-through, the gateway as shipped (logging on: LOG_QUEUE send per
// request, the consumer writing to D1 in the same runtime) and the same
// gateway bundle with INTERACTION_LOGGING="off". Per mode (non-stream,
// stream): warm-up, then autocannon load split into rounds whose order is
// reversed every other round (so background drift hits all three), workerd
// CPU per request, and a sequential probe for unloaded latency, time to first
// token and SSE events per answer. Each run settles 1.5 s inside its CPU
// window, so the consumer's D1 writes count against the gateway and never
// land in another target's run.
import { buildTargets, type Mode } from "./gateway-targets";
import { gatewayMarkdown } from "./gateway-markdown";
import {
  SIDES,
  SIDES_WITH_BASELINE,
  summarizeGateway,
  type GatewaySummary,
  type ModeMeasurements,
  type Side,
} from "./gateway-report";
import { runLoad, type LoadRequest, type LoadRun } from "./load";
import { probeEach, probeOnce } from "./probe";
import type { BenchContext, BenchSection } from "./sections";
import type { Stack } from "./start-stack";
import { cpuSeconds, workerdPids } from "./workerd-cpu";

const MODES: Mode[] = ["non_stream", "stream"];
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
  set: Partial<Record<Side, LoadRequest>>,
  mode: Mode,
  ctx: BenchContext,
): Promise<ModeMeasurements> {
  const { flags } = ctx;
  const stream = mode === "stream";
  const sides = set.baseline ? SIDES_WITH_BASELINE : SIDES;
  for (const side of sides) await probeOnce(set[side]!, stream); // fails fast with the body on a non-200
  let gatewayUntimed = 1;
  if (flags.warmup > 0) {
    ctx.log(`gateway: ${mode}: warm-up, ${flags.warmup} requests per target`);
    for (const side of sides) {
      const warm = await runLoad(set[side]!, { connections: flags.connections, amount: flags.warmup });
      if (side === "gateway") gatewayUntimed += warm.ok;
    }
    await sleep(SETTLE_MS);
  }
  const pids = workerdPids();
  const loads: Partial<Record<Side, LoadRun[]>> = Object.fromEntries(sides.map((side) => [side, []]));
  const cpu: Partial<Record<Side, number | null>> = Object.fromEntries(sides.map((side) => [side, 0]));
  const seconds = Math.max(1, Math.round(flags.duration / flags.rounds));
  for (let round = 0; round < flags.rounds; round++) {
    const order = round % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      ctx.log(
        `gateway: ${mode}: round ${round + 1}/${flags.rounds}, ${side}, ${flags.connections} connections × ${seconds} s`,
      );
      const before = cpuSeconds(pids);
      loads[side]!.push(await runLoad(set[side]!, { connections: flags.connections, duration: seconds }));
      await sleep(SETTLE_MS);
      const after = cpuSeconds(pids);
      const sum = cpu[side];
      cpu[side] =
        before === null || after === null || sum === null || sum === undefined ? null : sum + (after - before);
    }
  }
  ctx.log(`gateway: ${mode}: sequential probe, ${flags.probe} requests per target`);
  const probes = await probeEach(set as Record<Side, LoadRequest>, stream, flags.probe, SETTLE_MS);
  return { gatewayUntimed, loads, cpu, probes };
}

export const gatewaySection: BenchSection<GatewaySummary> = {
  name: "gateway",
  title: "Gateway vs bare pass-through vs logging off (one workerd)",
  usesStack: true,
  stackOptions: { loggingOff: true },
  async run(ctx) {
    const stack = await ctx.stack();
    if (!stack.loggingOffUrl) throw new Error("the stack was started without the logging-off gateway");
    const targets = await buildTargets(stack);
    const measured = {} as Record<Mode, ModeMeasurements>;
    for (const mode of MODES) {
      const { passthrough, gateway } = targets[mode];
      const at = (origin: string) => ({ ...gateway, url: gateway.url.replace(stack.gatewayUrl, origin) });
      const baseline = stack.baselineUrl ? { baseline: at(stack.baselineUrl) } : {};
      measured[mode] = await measureMode(
        { passthrough, gateway, logging_off: at(stack.loggingOffUrl), ...baseline },
        mode,
        ctx,
      );
    }
    await sleep(SETTLE_MS);
    return summarizeGateway(measured, {
      interactions_written: await countInteractions(stack),
      baseline_dir: stack.baselineUrl ? (ctx.flags.baseline ?? "") : null,
      topology: stack.topology,
      connections: ctx.flags.connections,
      seconds_per_run: Math.max(1, Math.round(ctx.flags.duration / ctx.flags.rounds)),
      rounds: ctx.flags.rounds,
      runtime_errors: stack.runtimeErrors.filter((line) => !CLIENT_GONE.test(line)).slice(0, 5),
    });
  },
  render: gatewayMarkdown,
};
