// `limits` section: what per-tenant limits cost on the hot path, and whether
// one tenant's flood reaches another tenant. Same gateway Worker, three
// tenants with the same manifest: acme (no limits, so no limiter call),
// acme-rpm (requests_per_minute only: one TenantLimiter round trip before
// the upstream) and acme-limited (every limit set, never reached: that round
// trip, and a settle after the answer for the token budget and the stream
// lease). Per mode: load in rounds of alternating order with
// workerd CPU per request, then a sequential probe, the sides taking turns,
// that also reads the gateway's own `server-timing: gateway;dur=` (the
// limiter call falls inside it; Workers' clock is coarse, so it reads in
// whole milliseconds). Then the flood check: acme-limited probed alone, while flood-limited
// floods far over its 60 requests per minute (refused by its own limiter),
// and while flood-unlimited floods (served), at the same connections.
// Everything shares one workerd on one thread, so any flood costs the probe
// some CPU here; the comparison of the two floods separates "refused by
// another object" from "served".
import autocannon from "autocannon";
import { buildTargets, type Mode } from "./gateway-targets";
import { limitsMarkdown } from "./limits-markdown";
import {
  FLOOD,
  FLOOD_LIMITS,
  FLOOD_UNLIMITED,
  HIGH_LIMITS,
  LIMITED,
  RPM_ONLY,
  RPM_ONLY_LIMITS,
  seedLimitTenants,
  waitUntilServed,
} from "./limits-seed";
import { loadFigures, runLoad, type LoadFigures, type LoadRequest, type LoadRun } from "./load";
import type { BenchContext, BenchSection } from "./sections";
import { round, summarize, type Summary } from "./stats";
import { cpuSeconds, workerdPids } from "./workerd-cpu";

const MODES: Mode[] = ["non_stream", "stream"];
const SIDES = ["off", "rpm_only", "all"] as const;
type Side = (typeof SIDES)[number];
const SETTLE_MS = 1500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface SideFigures extends LoadFigures {
  unloaded: Summary;
  /** The gateway's own time per request (server-timing gateway;dur), sequential probe. */
  gateway_ms: Summary;
}

export interface FloodFigures {
  probe: Summary;
  flood_rps: number;
  flood_2xx: number;
  flood_429: number;
  flood_other: number;
  /** workerd CPU over the flood (probe included) ÷ every answer in it: what a refused vs a served request costs. */
  workerd_cpu_us_per_request: number | null;
}

export interface LimitsSummary {
  measured_at: string;
  limits_on: typeof HIGH_LIMITS;
  rpm_only: typeof RPM_ONLY_LIMITS;
  connections: number;
  seconds_per_run: number;
  rounds: number;
  modes: Record<Mode, Record<Side, SideFigures>>;
  flood: {
    flood_limits: typeof FLOOD_LIMITS;
    idle: Summary;
    served: FloodFigures;
    /** At the served flood's request rate. */
    refused: FloodFigures;
    /** As fast as the connections go. */
    refused_flat_out: FloodFigures;
  };
}

const withKey = (request: LoadRequest, key: string): LoadRequest => ({
  ...request,
  headers: { ...request.headers, authorization: `Bearer ${key}` },
});

/** One request, read to its end; its wall time and the gateway's server-timing share of it. */
async function timed(request: LoadRequest): Promise<{ total: number; gateway: number }> {
  const started = performance.now();
  const response = await fetch(request.url, { method: "POST", headers: request.headers, body: request.body });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`${request.url} answered ${response.status}`);
  const total = performance.now() - started;
  const gateway = /gateway;dur=([\d.]+)/.exec(response.headers.get("server-timing") ?? "")?.[1];
  return { total, gateway: Number(gateway ?? Number.NaN) };
}

async function probe(request: LoadRequest, count: number) {
  return (await probeInterleaved({ only: request }, count)).only;
}

/**
 * `count` sequential requests per side, the sides taking turns (A B C A B C …):
 * all sides are the same gateway, so turns spread drift on the machine over
 * all of them alike, where blocks of one side each would not.
 */
async function probeInterleaved<K extends string>(sides: Record<K, LoadRequest>, count: number) {
  const totals = {} as Record<K, number[]>;
  const gateway = {} as Record<K, number[]>;
  const names = Object.keys(sides) as K[];
  for (const name of names) [totals[name], gateway[name]] = [[], []];
  for (let i = 0; i < count; i++) {
    for (const name of names) {
      const t = await timed(sides[name]);
      totals[name].push(t.total);
      gateway[name].push(t.gateway);
    }
  }
  const out = {} as Record<K, { unloaded: Summary; gateway_ms: Summary }>;
  for (const name of names) out[name] = { unloaded: summarize(totals[name]), gateway_ms: summarize(gateway[name]) };
  return out;
}

async function measureMode(set: Record<Side, LoadRequest>, mode: Mode, ctx: BenchContext) {
  const { flags } = ctx;
  for (const side of SIDES) {
    if (flags.warmup > 0) await runLoad(set[side], { connections: flags.connections, amount: flags.warmup });
  }
  await sleep(SETTLE_MS);
  const pids = workerdPids();
  const runs: Record<Side, LoadRun[]> = { off: [], rpm_only: [], all: [] };
  const cpu: Record<Side, number | null> = { off: 0, rpm_only: 0, all: 0 };
  const seconds = Math.max(1, Math.round(flags.duration / flags.rounds));
  for (let r = 0; r < flags.rounds; r++) {
    for (const side of r % 2 === 0 ? SIDES : [...SIDES].reverse()) {
      ctx.log(
        `limits: ${mode}: round ${r + 1}/${flags.rounds}, limits ${side}, ${flags.connections} connections × ${seconds} s`,
      );
      const before = cpuSeconds(pids);
      runs[side].push(await runLoad(set[side], { connections: flags.connections, duration: seconds }));
      await sleep(SETTLE_MS);
      const after = cpuSeconds(pids);
      cpu[side] = before === null || after === null || cpu[side] === null ? null : cpu[side]! + (after - before);
    }
  }
  ctx.log(`limits: ${mode}: sequential probe, ${flags.probe} requests per side, sides taking turns`);
  const probed = await probeInterleaved(set, flags.probe);
  const out = {} as Record<Side, SideFigures>;
  for (const side of SIDES) out[side] = { ...loadFigures(runs[side], cpu[side]), ...probed[side] };
  await sleep(SETTLE_MS);
  return out;
}

/** Probes `target` sequentially while `flooder` is loaded at `connections` until the probe is done. */
async function underFlood(
  target: LoadRequest,
  flooder: LoadRequest,
  ctx: BenchContext,
  rate?: number,
): Promise<FloodFigures> {
  const statuses = { ok: 0, refused: 0, other: 0 };
  const flood = autocannon({
    url: flooder.url,
    method: "POST",
    headers: flooder.headers,
    body: flooder.body,
    connections: ctx.flags.connections,
    duration: 60,
    timeout: 10,
    ...(rate ? { overallRate: Math.round(rate) } : {}),
  });
  flood.on("response", (_c: unknown, status: number) => {
    if (status >= 200 && status < 300) statuses.ok++;
    else if (status === 429) statuses.refused++;
    else statuses.other++;
  });
  const pids = workerdPids();
  const cpuBefore = cpuSeconds(pids);
  const started = performance.now();
  await sleep(500); // let the flood reach its pace before the probe starts
  const { unloaded } = await probe(target, ctx.flags.probe);
  flood.stop();
  await flood;
  const seconds = (performance.now() - started) / 1000;
  await sleep(SETTLE_MS);
  const cpuAfter = cpuSeconds(pids);
  const total = statuses.ok + statuses.refused + statuses.other;
  const answers = total + ctx.flags.probe;
  return {
    probe: unloaded,
    flood_rps: round(total / seconds, 1),
    flood_2xx: statuses.ok,
    flood_429: statuses.refused,
    flood_other: statuses.other,
    workerd_cpu_us_per_request:
      cpuBefore === null || cpuAfter === null ? null : Math.round(((cpuAfter - cpuBefore) * 1e6) / answers),
  };
}

export const limitsSection: BenchSection<LimitsSummary> = {
  name: "limits",
  title: "Per-tenant limits on vs off, and one tenant's flood (one workerd)",
  usesStack: true,
  async run(ctx) {
    const stack = await ctx.stack();
    await seedLimitTenants(stack);
    const targets = await buildTargets(stack);
    const limited = withKey(targets.non_stream.gateway, LIMITED.key);
    ctx.log("limits: waiting for the gateway to load the limited tenants (SNAPSHOT_TTL_SECONDS) …");
    await waitUntilServed(limited, 200);
    await waitUntilServed(withKey(targets.non_stream.gateway, RPM_ONLY.key), 200);
    await waitUntilServed(withKey(targets.non_stream.gateway, FLOOD.key), 200);
    await waitUntilServed(withKey(targets.non_stream.gateway, FLOOD_UNLIMITED.key), 200);

    const modes = {} as LimitsSummary["modes"];
    for (const mode of MODES) {
      const off = targets[mode].gateway;
      const sides = { off, rpm_only: withKey(off, RPM_ONLY.key), all: withKey(off, LIMITED.key) };
      modes[mode] = await measureMode(sides, mode, ctx);
    }

    ctx.log(`limits: flood: probing ${LIMITED.tenant} alone, then while another tenant floods`);
    const idle = (await probe(limited, ctx.flags.probe)).unloaded;
    // The served flood first, then the refused one at the same request rate: what a refusal costs others.
    const served = await underFlood(limited, withKey(targets.non_stream.gateway, FLOOD_UNLIMITED.key), ctx);
    const refused = await underFlood(limited, withKey(targets.non_stream.gateway, FLOOD.key), ctx, served.flood_rps);
    const refusedFlat = await underFlood(limited, withKey(targets.non_stream.gateway, FLOOD.key), ctx);
    return {
      measured_at: new Date().toISOString(),
      limits_on: HIGH_LIMITS,
      rpm_only: RPM_ONLY_LIMITS,
      connections: ctx.flags.connections,
      seconds_per_run: Math.max(1, Math.round(ctx.flags.duration / ctx.flags.rounds)),
      rounds: ctx.flags.rounds,
      modes,
      flood: { flood_limits: FLOOD_LIMITS, idle, refused, served, refused_flat_out: refusedFlat },
    };
  },
  render: limitsMarkdown,
};
