// Native stream mode's CPU, this checkout against another, side by side in
// one workerd: the paced section's measure (tokens 1 ms apart, workerd CPU
// per request under load, per-event tax as the slope over two answer
// lengths), for the bare pass-through, this checkout's gateway and the
// gateway of `--baseline DIR` (git worktree add DIR <commit>), both serving
// one tenant whose upstream is in stream_mode "native". `npm run bench
// --baseline` has no native rows (a baseline from before stream_mode would
// refuse the tenant); this is for comparing two versions of native mode
// (and this checkout's rewrite mode on the same tenant, for scale).
//   npx tsx scripts/bench/native-cost.ts --baseline DIR [--rounds 4] [--seconds 4]
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { storeApiKey } from "../../src/auth/api-keys";
import { applyManifest } from "../../src/registry/manifest-store";
import { formatIssues, validateManifest } from "../../src/registry/validate-manifest";
import { ROOT } from "../lib/offline-env";
import { buildTargets } from "./gateway-targets";
import { waitUntilServed } from "./limits-seed";
import { runLoad, type LoadRequest } from "./load";
import { probeOnce } from "./probe";
import { pointAt } from "./seed-d1";
import { GATEWAY, startStack } from "./start-stack";
import { cpuSeconds, workerdPids } from "./workerd-cpu";

type Db = Parameters<typeof applyManifest>[0];

const { values } = parseArgs({
  options: {
    baseline: { type: "string" },
    rounds: { type: "string", default: "4" },
    seconds: { type: "string", default: "4" },
    connections: { type: "string", default: "16" },
  },
});
if (!values.baseline) throw new Error("--baseline DIR is required");
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const PACING = { "x-dev-token-ms": "1" };
const KEY = "sk-acme-native-cost";
/** The same tenant in the default rewrite mode, for scale. */
const REWRITE_KEY = "sk-acme-rewrite-cost";

const stack = await startStack({ baselineDir: values.baseline });
try {
  const db = (await stack.mf.getD1Database("DB", GATEWAY)) as unknown as Db;
  const acme = JSON.parse(readFileSync(path.join(ROOT, "adapters/acme.json"), "utf8"));
  for (const [tenant, key, native] of [
    ["acme-native-cost", KEY, true],
    ["acme-rewrite-cost", REWRITE_KEY, false],
  ] as const) {
    const manifest = pointAt({ ...acme, tenant }, stack.upstream.url, PACING) as {
      upstreams: { kind: string; stream_mode?: string }[];
    };
    if (native) for (const u of manifest.upstreams) if (u.kind === "openai-compatible") u.stream_mode = "native";
    const valid = validateManifest(manifest);
    if (!valid.ok) throw new Error(formatIssues(valid.issues));
    await applyManifest(db, valid.manifest, "native-cost", Date.now());
    await storeApiKey(db, tenant, key, "native-cost key", Date.now());
  }

  const base = await buildTargets(stack, PACING);
  const withTokens = (r: LoadRequest, maxTokens: number | null, url?: string): LoadRequest => {
    const body = JSON.parse(r.body) as Record<string, unknown>;
    if (maxTokens !== null) body.max_tokens = maxTokens;
    return { url: url ?? r.url, headers: r.headers, body: JSON.stringify(body) };
  };
  const native = {
    ...base.stream.gateway,
    headers: { ...base.stream.gateway.headers, authorization: `Bearer ${KEY}` },
  };
  const rewrite = { ...native, headers: { ...native.headers, authorization: `Bearer ${REWRITE_KEY}` } };
  const baselineUrl = native.url.replace(stack.gatewayUrl, stack.baselineUrl!);
  const targets: Record<string, LoadRequest> = {
    "passthrough short": withTokens(base.stream.passthrough, 8),
    "passthrough long": base.stream.passthrough,
    "this short": withTokens(native, 8),
    "this long": native,
    "baseline short": withTokens(native, 8, baselineUrl),
    "baseline long": withTokens(native, null, baselineUrl),
    "rewrite short": withTokens(rewrite, 8),
    "rewrite long": rewrite,
  };
  await waitUntilServed(targets["this long"], 200);
  await waitUntilServed(targets["baseline long"], 200);
  await waitUntilServed(targets["rewrite long"], 200);
  const names = Object.keys(targets);
  for (const name of names) await runLoad(targets[name], { connections: CONNECTIONS, amount: 50 });
  const pids = workerdPids();
  const cpu: Record<string, number> = {};
  const ok: Record<string, number> = {};
  for (let r = 0; r < ROUNDS; r++) {
    for (const name of r % 2 === 0 ? names : [...names].reverse()) {
      const before = cpuSeconds(pids)!;
      const run = await runLoad(targets[name], { connections: CONNECTIONS, duration: SECONDS });
      await new Promise((res) => setTimeout(res, 1000));
      cpu[name] = (cpu[name] ?? 0) + cpuSeconds(pids)! - before;
      ok[name] = (ok[name] ?? 0) + run.ok;
    }
  }
  const events: Record<string, number> = {};
  for (const name of names) {
    const n = [];
    for (let i = 0; i < 5; i++) n.push((await probeOnce(targets[name], true)).events!);
    events[name] = n.sort((a, b) => a - b)[2];
  }
  const per = (name: string) => (cpu[name] * 1e6) / ok[name];
  console.log(`${ROUNDS} rounds × ${SECONDS} s, ${CONNECTIONS} connections, tokens 1 ms apart`);
  for (const name of names)
    console.log(
      `${name.padEnd(18)} ${Math.round(per(name))} µs/request  (${ok[name]} answers, ${events[name]} events)`,
    );
  for (const side of ["this", "baseline", "rewrite"]) {
    const gap = (len: string) => per(`${side} ${len}`) - per(`passthrough ${len}`);
    const de =
      (events[`${side} long`] + events["passthrough long"]) / 2 -
      (events[`${side} short`] + events["passthrough short"]) / 2;
    console.log(
      `${side}: ${(per(`${side} long`) / per("passthrough long")).toFixed(2)}× the pass-through (long), tax ${((gap("long") - gap("short")) / de).toFixed(1)} µs/event`,
    );
  }
} finally {
  await stack.close();
}
