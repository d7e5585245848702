// `paced` section: streams whose tokens arrive 1 ms apart (the dev upstream's
// x-dev-token-ms: 1), so no Worker can merge chunks and every SSE event is a
// read of its own, as from a real model. Per target: workerd CPU per request
// and per streamed event under load, for the pass-through and the gateway,
// at two answer lengths (max_tokens short, and the full answer). The
// per-event tax is the slope of (gateway − pass-through) CPU per request
// over the two lengths: what one more streamed event costs the gateway
// beyond what it costs the pass-through, with the per-request costs
// (auth, routing, log record) cancelled out.
// The paced tenants are copies of the demo tenant acme whose upstream sends
// the pacing header (the gateway's manifests carry upstream headers); the
// pass-through sends it itself. The bench configures tenants; it never
// touches product code.
import { readFileSync } from "node:fs";
import path from "node:path";
import { storeApiKey } from "../../src/auth/api-keys";
import { applyManifest } from "../../src/registry/manifest-store";
import { formatIssues, validateManifest } from "../../src/registry/validate-manifest";
import { ROOT } from "../lib/offline-env";
import { buildTargets } from "./gateway-targets";
import { runLoad, type LoadRequest } from "./load";
import { pacedMarkdown } from "./paced-markdown";
import { probeOnce } from "./probe";
import type { BenchContext, BenchSection } from "./sections";
import { pointAt } from "./seed-d1";
import { GATEWAY, type Stack } from "./start-stack";
import { waitUntilServed } from "./limits-seed";
import { round, summarize } from "./stats";
import { cpuSeconds, workerdPids } from "./workerd-cpu";

type Db = Parameters<typeof applyManifest>[0];

const PACING = { "x-dev-token-ms": "1" };
const SETTLE_MS = 1500;
/** max_tokens of the short answer; the long one is the dev upstream's whole answer. */
const SHORT_TOKENS = 8;
const PROBES = 20;

export const PACED = { tenant: "acme-paced", key: "sk-acme-paced-bench" } as const;
/** The same, its upstream in stream_mode "native" (chunks piped as sent). */
export const NATIVE = { tenant: "acme-native", key: "sk-acme-native-bench" } as const;

export interface PacedTarget {
  name: string;
  side: "passthrough" | "gateway" | "native" | "baseline";
  length: "short" | "long";
  rps: number;
  requests_2xx: number;
  errors: number;
  events_p50: number;
  /** Median reads per answer at the probe client (writes the Worker made, roughly). */
  reads_p50: number;
  ttft_p50_ms: number;
  /** Median unloaded time per answer. */
  total_p50_ms: number;
  workerd_cpu_us_per_request: number | null;
  workerd_cpu_us_per_event: number | null;
}

export interface PacedSummary {
  measured_at: string;
  token_ms: number;
  connections: number;
  seconds_per_run: number;
  rounds: number;
  targets: PacedTarget[];
  /** (gateway − pass-through) CPU per request, long − short, ÷ events long − short. */
  tax_us_per_event: number | null;
  /** gateway ÷ pass-through CPU per request, long answers. */
  stream_cpu_ratio: number | null;
  /** The gateway with its upstream in stream_mode "native". */
  native?: { tax_us_per_event: number | null; stream_cpu_ratio: number | null };
  /** With --baseline: the same two figures for the other checkout's gateway, measured side by side. */
  baseline?: { dir: string; tax_us_per_event: number | null; stream_cpu_ratio: number | null };
}

async function seedPaced(stack: Stack, who: { tenant: string; key: string }, streamMode?: "native"): Promise<void> {
  const db = (await stack.mf.getD1Database("DB", GATEWAY)) as unknown as Db;
  const acme = JSON.parse(readFileSync(path.join(ROOT, "adapters/acme.json"), "utf8"));
  const manifest = pointAt({ ...acme, tenant: who.tenant }, stack.upstream.url, PACING) as {
    upstreams: { kind: string; stream_mode?: string }[];
  };
  if (streamMode) for (const u of manifest.upstreams) if (u.kind === "openai-compatible") u.stream_mode = streamMode;
  const result = validateManifest(manifest);
  if (!result.ok) throw new Error(`${who.tenant}: invalid\n${formatIssues(result.issues)}`);
  await applyManifest(db, result.manifest, "npm run bench", Date.now());
  await storeApiKey(db, who.tenant, who.key, "bench paced key", Date.now());
}

function withMaxTokens(request: LoadRequest, maxTokens: number | null, key?: string): LoadRequest {
  const body = JSON.parse(request.body) as Record<string, unknown>;
  if (maxTokens !== null) body.max_tokens = maxTokens;
  const headers = key ? { ...request.headers, authorization: `Bearer ${key}` } : request.headers;
  return { ...request, headers, body: JSON.stringify(body) };
}

async function measure(targets: Record<string, LoadRequest>, ctx: BenchContext) {
  const { flags } = ctx;
  const names = Object.keys(targets);
  const warm = Math.max(20, Math.round(flags.warmup / 4));
  for (const name of names) await runLoad(targets[name], { connections: flags.connections, amount: warm });
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const pids = workerdPids();
  const seconds = Math.max(1, Math.round(flags.duration / flags.rounds));
  const ok: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const duration: Record<string, number> = {};
  const cpu: Record<string, number | null> = {};
  for (let r = 0; r < flags.rounds; r++) {
    for (const name of r % 2 === 0 ? names : [...names].reverse()) {
      ctx.log(`paced: round ${r + 1}/${flags.rounds}, ${name}, ${flags.connections} connections × ${seconds} s`);
      const before = cpuSeconds(pids);
      const run = await runLoad(targets[name], { connections: flags.connections, duration: seconds });
      await new Promise((res) => setTimeout(res, SETTLE_MS));
      const after = cpuSeconds(pids);
      ok[name] = (ok[name] ?? 0) + run.ok;
      errors[name] = (errors[name] ?? 0) + run.errors + run.non2xx;
      duration[name] = (duration[name] ?? 0) + run.duration_s;
      const prev = cpu[name] === undefined ? 0 : cpu[name];
      cpu[name] = before === null || after === null || prev === null ? null : prev + (after - before);
    }
  }
  const probes: Record<string, { events: number; ttft: number; reads: number; total: number }> = {};
  for (const name of names) {
    const samples = [];
    for (let i = 0; i < PROBES; i++) samples.push(await probeOnce(targets[name], true));
    probes[name] = {
      events: summarize(samples.map((s) => s.events ?? Number.NaN)).p50_ms,
      ttft: summarize(samples.map((s) => s.ttft_ms ?? Number.NaN)).p50_ms,
      reads: summarize(samples.map((s) => s.chunks ?? Number.NaN)).p50_ms,
      total: summarize(samples.map((s) => s.total_ms)).p50_ms,
    };
  }
  return names.map((name): Omit<PacedTarget, "side" | "length"> => {
    const perRequest = cpu[name] === null || !ok[name] ? null : Math.round((cpu[name]! * 1e6) / ok[name]);
    return {
      name,
      rps: round(ok[name] / duration[name], 1),
      requests_2xx: ok[name],
      errors: errors[name],
      events_p50: probes[name].events,
      reads_p50: probes[name].reads,
      ttft_p50_ms: probes[name].ttft,
      total_p50_ms: probes[name].total,
      workerd_cpu_us_per_request: perRequest,
      workerd_cpu_us_per_event: perRequest === null ? null : round(perRequest / probes[name].events, 1),
    };
  });
}

/** The slope of (gateway − pass-through) CPU per request over the two answer lengths. */
export function taxPerEvent(targets: PacedTarget[], gatewayName = "gateway"): number | null {
  const pick = (side: string, length: string) => targets.find((t) => t.name === `${side} ${length}`);
  const [ps, pl, gs, gl] = [
    pick("passthrough", "short"),
    pick("passthrough", "long"),
    pick(gatewayName, "short"),
    pick(gatewayName, "long"),
  ];
  if (!ps || !pl || !gs || !gl) return null;
  const cpu = [ps, pl, gs, gl].map((t) => t.workerd_cpu_us_per_request);
  if (cpu.some((c) => c === null)) return null;
  const events = (gs.events_p50 + ps.events_p50) / 2;
  const eventsLong = (gl.events_p50 + pl.events_p50) / 2;
  if (!(eventsLong > events)) return null;
  const gapShort = cpu[2]! - cpu[0]!;
  const gapLong = cpu[3]! - cpu[1]!;
  return round((gapLong - gapShort) / (eventsLong - events), 1);
}

export const pacedSection: BenchSection<PacedSummary> = {
  name: "paced",
  title: "Paced streams: CPU per request and per streamed event (tokens 1 ms apart)",
  usesStack: true,
  async run(ctx) {
    const stack = await ctx.stack();
    await seedPaced(stack, PACED);
    // A baseline from before stream_mode existed would refuse the native
    // tenant's manifest (and with it the registry it shares): no native rows then.
    const withNative = !stack.baselineUrl;
    if (withNative) await seedPaced(stack, NATIVE, "native");
    const base = await buildTargets(stack, PACING);
    const gateway = withMaxTokens(base.stream.gateway, null, PACED.key);
    const native = withMaxTokens(base.stream.gateway, null, NATIVE.key);
    await waitUntilServed(gateway, 200);
    if (withNative) await waitUntilServed(native, 200);
    const targets: Record<string, LoadRequest> = {
      "passthrough short": withMaxTokens(base.stream.passthrough, SHORT_TOKENS),
      "passthrough long": base.stream.passthrough,
      "gateway short": withMaxTokens(gateway, SHORT_TOKENS),
      "gateway long": gateway,
    };
    if (withNative) {
      targets["native short"] = withMaxTokens(native, SHORT_TOKENS);
      targets["native long"] = native;
    }
    if (stack.baselineUrl) {
      const baseline = { ...gateway, url: gateway.url.replace(stack.gatewayUrl, stack.baselineUrl) };
      targets["baseline short"] = withMaxTokens(baseline, SHORT_TOKENS);
      targets["baseline long"] = baseline;
    }
    const measured = (await measure(targets, ctx)).map((t) => {
      const [side, length] = t.name.split(" ") as [PacedTarget["side"], PacedTarget["length"]];
      return { ...t, side, length };
    });
    const long = (side: string) => measured.find((t) => t.name === `${side} long`)?.workerd_cpu_us_per_request ?? null;
    const gl = long("gateway");
    const pl = long("passthrough");
    const bl = long("baseline");
    const nl = long("native");
    return {
      measured_at: new Date().toISOString(),
      token_ms: 1,
      connections: ctx.flags.connections,
      seconds_per_run: Math.max(1, Math.round(ctx.flags.duration / ctx.flags.rounds)),
      rounds: ctx.flags.rounds,
      targets: measured,
      tax_us_per_event: taxPerEvent(measured),
      stream_cpu_ratio: gl === null || pl === null ? null : round(gl / pl, 2),
      ...(withNative
        ? {
            native: {
              tax_us_per_event: taxPerEvent(measured, "native"),
              stream_cpu_ratio: nl === null || pl === null ? null : round(nl / pl, 2),
            },
          }
        : {}),
      ...(stack.baselineUrl
        ? {
            baseline: {
              dir: ctx.flags.baseline ?? "",
              tax_us_per_event: taxPerEvent(measured, "baseline"),
              stream_cpu_ratio: bl === null || pl === null ? null : round(bl / pl, 2),
            },
          }
        : {}),
    };
  },
  render: pacedMarkdown,
};
