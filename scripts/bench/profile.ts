// npx tsx scripts/bench/profile.ts [--seconds 8] [--connections 16] [--interval 250]
//                                  [--no-consumer] [--all-isolates] [--cpu-only]
//                                  [--token-ms N]
// Profiles the gateway's hot path once, observing only: it runs the shipped
// code (bundled unminified, so samples map back to source modules) and
// changes none of it. Starts the bench stack with workerd's V8 inspector
// open; per mode (non-stream, stream) loads the pass-through, then the
// gateway, measuring workerd's process CPU per request from /proc (ground
// truth, profiler off), then loads the gateway again with V8's sampling
// profiler on in its isolate and splits that isolate's time by hot-path part
// (profile-attribution.ts). --no-consumer starts the gateway without its
// LOG_QUEUE consumer (a Miniflare option, not a code change), so records stay
// queued and the D1 writes drop out of the figure; --all-isolates also
// samples Miniflare's queue, D1 and outbound isolates (heavier, overlapping:
// indicative only). --cpu-only skips the profiled run; --token-ms paces the
// upstream's tokens (both targets), so neither side gets coalesced chunks.
// Raw .cpuprofile files (open in Chrome DevTools): .wrangler/bench/profiles/.
// How to read the output: docs/performance.md.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { ROOT } from "../lib/offline-env";
import { CdpClient, type CpuProfile } from "./cdp-client";
import { buildTargets, type Mode } from "./gateway-targets";
import { runLoad, type LoadRequest } from "./load";
import { attribute, busyMs, readModuleMap } from "./profile-attribution";
import { GATEWAY, startStack } from "./start-stack";
import { cpuSeconds, workerdPids } from "./workerd-cpu";

if (typeof WebSocket === "undefined") {
  // Node 20: re-run with the global WebSocket switched on.
  const args = ["--experimental-websocket", ...process.execArgv, ...process.argv.slice(1)];
  process.exit(spawnSync(process.execPath, args, { stdio: "inherit" }).status ?? 1);
}

const argv = process.argv.slice(2);
const num = (name: string, fallback: number) =>
  argv.includes(`--${name}`) ? Number(argv[argv.indexOf(`--${name}`) + 1]) : fallback;
const seconds = num("seconds", 8);
const connections = num("connections", 16);
const interval = num("interval", 250);
const allIsolates = argv.includes("--all-isolates");
const cpuOnly = argv.includes("--cpu-only");
const tokenMs = num("token-ms", 0);
const pacing: Record<string, string> = tokenMs > 0 ? { "x-dev-token-ms": String(tokenMs) } : {};
const noConsumer = argv.includes("--no-consumer");
const label = [noConsumer ? "no-consumer" : "", tokenMs ? `token-ms-${tokenMs}` : ""].filter(Boolean).join("+");
const OUT = path.join(ROOT, ".wrangler/bench/profiles");
const SETTLE_MS = 1500;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const us = (ms: number, n: number) => Math.round((ms * 1000) / n);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once("error", reject);
  });
}

/** Loads `target` for `seconds`, waits for the log consumer, returns [2xx count, workerd CPU µs per request]. */
async function cpuPerRequest(target: LoadRequest): Promise<[number, number | null]> {
  const pids = workerdPids();
  const before = cpuSeconds(pids);
  const run = await runLoad(target, { connections, duration: seconds });
  await sleep(SETTLE_MS);
  const after = cpuSeconds(pids);
  return [run.ok, before === null || after === null ? null : us((after - before) * 1000, run.ok)];
}

async function profiled(inspector: number, target: LoadRequest, mode: Mode): Promise<void> {
  const list = (await (await fetch(`http://127.0.0.1:${inspector}/json/list`)).json()) as {
    id: string;
    webSocketDebuggerUrl: string;
  }[];
  const chosen = list.filter((t) => allIsolates || t.id === `core:user:${GATEWAY}`);
  const clients = await Promise.all(
    chosen.map(async (t) => ({ id: t.id, cdp: await CdpClient.connect(t.webSocketDebuggerUrl) })),
  );
  for (const { cdp } of clients) {
    await cdp.send("Profiler.enable");
    await cdp.send("Profiler.setSamplingInterval", { interval });
  }
  await Promise.all(clients.map(({ cdp }) => cdp.send("Profiler.start")));
  const run = await runLoad(target, { connections, duration: seconds });
  await sleep(SETTLE_MS); // the consumer's D1 writes for these requests land in the profile too
  const profiles = await Promise.all(
    clients.map(async ({ id, cdp }) => ({
      id,
      profile: (await cdp.send<{ profile: CpuProfile }>("Profiler.stop")).profile,
    })),
  );
  for (const { cdp } of clients) cdp.close();
  const n = run.ok;

  mkdirSync(OUT, { recursive: true });
  const gateway = profiles.find((p) => p.id === `core:user:${GATEWAY}`)!;
  writeFileSync(
    path.join(OUT, `gateway-${mode}${label ? `-${label}` : ""}.cpuprofile`),
    JSON.stringify(gateway.profile),
  );
  const a = attribute(gateway.profile, readModuleMap(path.join(ROOT, ".wrangler/bench/build", GATEWAY, "index.js")));
  console.log(
    `\nprofiled: ${n} gateway requests in ${seconds} s, sampling every ${interval} µs; gateway isolate busy ${us(a.sampled_ms, n)} µs/request`,
  );
  if (allIsolates) {
    console.log("\n| isolate | busy µs/request |\n| --- | --- |");
    for (const { id, profile } of profiles)
      if (busyMs(profile) > 0.5) console.log(`| ${id} | ${us(busyMs(profile), n)} |`);
  }
  console.log(`\n| gateway isolate, by hot-path part | µs/request | share |\n| --- | --- | --- |`);
  for (const [category, ms] of Object.entries(a.by_category).sort((x, y) => y[1] - x[1])) {
    console.log(`| ${category} | ${us(ms, n)} | ${((100 * ms) / a.sampled_ms).toFixed(1)}% |`);
  }
  console.log(`\n| top functions (self time; natives charged to their JS caller) | µs/request |\n| --- | --- |`);
  for (const [fn, ms] of Object.entries(a.by_function)
    .sort((x, y) => y[1] - x[1])
    .slice(0, 30)) {
    console.log(`| ${fn.replaceAll("|", "\\|")} | ${us(ms, n)} |`);
  }
}

const inspectorPort = await freePort();
const stack = await startStack({
  inspectorPort,
  withoutLogConsumer: noConsumer,
  upstreamHeaders: pacing,
  unminified: true,
});
try {
  const targets = await buildTargets(stack, pacing);
  console.log(`# Gateway profile${label ? ` (${label})` : ""}: ${connections} connections, ${seconds} s per run`);
  for (const mode of ["non_stream", "stream"] as Mode[]) {
    const { passthrough, gateway } = targets[mode];
    for (const t of [passthrough, gateway]) await runLoad(t, { connections, amount: 300 });
    await sleep(SETTLE_MS);
    const [pn, pcpu] = await cpuPerRequest(passthrough);
    const [gn, gcpu] = await cpuPerRequest(gateway);
    console.log(`\n## ${mode}`);
    console.log(
      `workerd process CPU, profiler off: pass-through ${pcpu} µs/request (${pn} requests), gateway ${gcpu} µs/request (${gn} requests)`,
    );
    if (!cpuOnly) await profiled(inspectorPort, gateway, mode);
  }
  const errors = stack.runtimeErrors;
  console.log(
    `\nworkerd stderr lines: ${errors.length}${errors.length ? `; first: ${errors.slice(0, 3).join(" / ").slice(0, 400)}` : ""}`,
  );
  console.log(`raw profiles: ${OUT}`);
} finally {
  await stack.close();
}
