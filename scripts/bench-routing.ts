// Routing benchmark: 10,000 synthetic tenants x 10 tasks, compiled into
// snapshots, then ~200k resolutions with random tenants, tasks and users.
// Prints validation and compile time and per-resolution median and p99 (µs);
// the target is a median under 5 µs, since resolution runs before every
// upstream call.
//
//   npx tsx scripts/bench-routing.ts [--json] [--tenants N] [--resolutions N]
//
// Per-call times come from process.hrtime.bigint() around each call, so they
// include the timer's own cost (reported as timer_overhead_us, not
// subtracted); resolve_mean_us comes from timing whole batches and has no
// such overhead. Inputs come from a seeded PRNG so runs are comparable.
import { pathToFileURL } from "node:url";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import { compileTenant } from "../src/registry/compile-tenant";
import { validateManifest } from "../src/registry/validate-manifest";
import type { TenantSnapshot } from "../src/routing/compiled";
import { resolveRoute, type RouteFacts } from "../src/routing/resolve";
import type { Manifest, ManifestInput } from "../src/schemas/manifest";
import { createUpstreamPool, type UpstreamPool } from "../src/upstreams/upstream-pool";
import { mulberry32 } from "./lib/mulberry32";

export interface RoutingBenchOptions {
  tenants?: number;
  tasksPerTenant?: number;
  resolutions?: number;
  seed?: number;
}

export interface RoutingBenchResult {
  tenants: number;
  tasks_per_tenant: number;
  resolutions: number;
  validate_ms: number;
  compile_ms: number;
  compile_per_tenant_us: number;
  resolve_median_us: number;
  resolve_p99_us: number;
  resolve_max_us: number;
  resolve_mean_us: number;
  /** Resolution plus the choice of replicas for the primary target (UpstreamPool.order), per call. */
  route_and_replica_median_us: number;
  route_and_replica_p99_us: number;
  /** The same over the 100 hot tenants. */
  route_and_replica_hot_median_us: number;
  /** Same mix over 100 tenants only (snapshots warm in cache). */
  resolve_hot_median_us: number;
  resolve_hot_p99_us: number;
  timer_overhead_us: number;
  /** Heap held by one compiled snapshot (Workers isolates have 128 MB in all). */
  snapshot_kb_per_tenant: number;
  heap_used_mb: number;
  target_median_us: number;
  meets_target: boolean;
}

/** Three replicas per vLLM upstream, so every resolution also picks one (src/upstreams). */
const REPLICAS = ["http://10.0.0.1:8000/v1", "http://10.0.0.2:8000/v1", "http://10.0.0.3:8000/v1"];

/**
 * An isolate's replica state as traffic leaves it. A vLLM replica holds what
 * fits its --max-cpu-loras (tens of LoRAs, not every tenant's), so each
 * replica's inventory is the v1 adapters of the first HELD_PER_REPLICA
 * tenants that rank it first; and one tenant in ten has a replica whose
 * circuit is open, so replica choice takes each of its branches.
 */
const HELD_PER_REPLICA = 64;
function warmPool(snapshots: readonly TenantSnapshot[]): UpstreamPool {
  const now = Date.now();
  const pool = createUpstreamPool({ clock: { nowMs: () => now, monotonicMs: () => now } });
  const held = new Map<string, number>();
  snapshots.forEach((snap, i) => {
    for (const target of snap.adapters.values()) {
      if (target.replicas.length === 0) continue;
      const first = target.replicas[0];
      if (target.adapter.version.endsWith("-v1") && (held.get(first) ?? 0) < HELD_PER_REPLICA) {
        pool.inventory.noteHeld(first, target.adapter.served_name);
        held.set(first, (held.get(first) ?? 0) + 1);
      }
      if (i % 10 === 0) for (let f = 0; f < 3; f++) pool.report(snap.tenant, target, REPLICAS[1], "failure", "bench");
    }
  });
  return pool;
}

/** Deterministic inputs across runs. */
const prng = mulberry32;

/**
 * A tenant shaped like the demos, at 10 tasks: per task an `enterprise`
 * (equals), `beta` (in + exists, request-dependent task: fallback), `eu`
 * (prefix) and a 90/10 split `default`; the last task is a plain catch-all
 * that the others fall back to.
 */
export function syntheticManifest(i: number, tasks: number): ManifestInput {
  const base = "meta-llama/Llama-3.1-8B-Instruct";
  const adapters: ManifestInput["adapters"] = [
    {
      name: "edge",
      version: "edge-v1",
      upstream: "ai",
      base_model: "@cf/mistral/mistral-7b-instruct-v0.2-lora",
      served_name: `t${i}-edge`,
    },
  ];
  const taskList: ManifestInput["tasks"] = [];
  const last = `task-${tasks - 1}`;
  for (let t = 0; t < tasks; t++) {
    for (const v of ["v1", "v2"]) {
      adapters.push({
        name: `t${t}`,
        version: `t${t}-${v}`,
        upstream: "vllm",
        base_model: base,
        served_name: `tenant-${i}-t${t}-${v}`,
      });
    }
    if (t === tasks - 1) {
      taskList.push({ name: last, rules: [{ id: "default", target: `t${t}-v1`, fallback: ["edge-v1"] }] });
      continue;
    }
    const neighbour = t === tasks - 2 ? last : `task-${tasks - 2}`;
    taskList.push({
      name: `task-${t}`,
      allow_pinning: true,
      rules: [
        {
          id: "enterprise",
          when: { "metadata.tier": { equals: "enterprise" } },
          target: `t${t}-v2`,
          fallback: [`t${t}-v1`, `task:${last}`],
        },
        {
          id: "beta",
          when: { audience: { in: ["developer", "tester"] }, "metadata.beta": { exists: true } },
          target: `t${t}-v2`,
          fallback: [`task:${neighbour}`],
        },
        { id: "eu", when: { region: { prefix: "eu-" } }, target: `t${t}-v1`, fallback: ["edge-v1"] },
        {
          id: "default",
          target: {
            split: [
              { version: `t${t}-v1`, weight: 90 },
              { version: `t${t}-v2`, weight: 10 },
            ],
          },
          fallback: [`task:${last}`, "edge-v1"],
        },
      ],
    });
  }
  return {
    tenant: `tenant-${i}`,
    upstreams: [
      {
        id: "vllm",
        kind: "openai-compatible",
        replicas: REPLICAS,
        dialect: "vllm",
        timeout_ms: 30000,
      },
      { id: "ai", kind: "workers-ai" },
    ],
    adapters,
    tasks: taskList,
  };
}

/**
 * Request facts for one batch. They are built just before the batch runs, as
 * a handler builds them from the request it just parsed, so they are warm in
 * cache while the snapshots (10,000 tenants, hundreds of MB) are not.
 */
function syntheticBatch(
  random: () => number,
  tenants: number,
  tasks: number,
  n: number,
  first: number,
): { tenant: number; facts: RouteFacts }[] {
  const out: { tenant: number; facts: RouteFacts }[] = [];
  for (let k = first; k < first + n; k++) {
    const t = Math.floor(random() * tasks);
    const r = random();
    const facts: RouteFacts = { model: `task-${t}`, requestId: `req-${k}` };
    if (random() < 0.9) facts.user = `user-${Math.floor(random() * 1_000_000)}`;
    if (r < 0.15) facts.metadata = { tier: "enterprise" };
    else if (r < 0.25) {
      facts.audience = "developer";
      facts.metadata = { beta: "1" };
    } else if (r < 0.35) facts.region = "eu-west";
    else if (r < 0.4 && t < tasks - 1) facts.model = `task-${t}@t${t}-v2`;
    else facts.metadata = { tier: "free" };
    out.push({ tenant: Math.floor(random() * tenants), facts });
  }
  return out;
}

/** A gc() for heap figures: node's --expose-gc turned on at run time. */
function exposeGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === "function") return () => existing();
  v8.setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as (() => void) | undefined;
  return typeof gc === "function" ? () => gc() : () => {};
}

/**
 * Heap of the validated manifests released above, which the before/after
 * difference subtracted: measured on a small sample and scaled.
 */
function manifestBytes(tenants: number, tasks: number, gc: () => void): number {
  const sample = Math.min(tenants, 500);
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept = Array.from({ length: sample }, (_, i) => {
    const r = validateManifest(syntheticManifest(i, tasks));
    return r.ok ? r.manifest : null;
  });
  gc();
  const bytes = process.memoryUsage().heapUsed - before;
  return kept.length > 0 ? (bytes / kept.length) * tenants : 0;
}

const percentile = (sorted: Float64Array, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const round = (x: number, digits = 3) => Number(x.toFixed(digits));

export async function benchRouting(options: RoutingBenchOptions = {}): Promise<RoutingBenchResult> {
  const tenants = options.tenants ?? 10_000;
  const tasks = options.tasksPerTenant ?? 10;
  const resolutions = options.resolutions ?? 200_000;
  const random = prng(options.seed ?? 42);

  const gc = exposeGc();
  let inputs: ManifestInput[] | null = Array.from({ length: tenants }, (_, i) => syntheticManifest(i, tasks));

  let t0 = process.hrtime.bigint();
  let manifests: Manifest[] | null = inputs.map((input) => {
    const result = validateManifest(input);
    if (!result.ok) throw new Error(`synthetic manifest invalid: ${JSON.stringify(result.issues.slice(0, 3))}`);
    return result.manifest;
  });
  const validateMs = Number(process.hrtime.bigint() - t0) / 1e6;
  inputs = null;

  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  t0 = process.hrtime.bigint();
  const snapshots: TenantSnapshot[] = manifests.map((m, i) =>
    compileTenant(m, { manifestVersion: i + 1, compiledAt: Date.now() }),
  );
  const compileMs = Number(process.hrtime.bigint() - t0) / 1e6;
  // What stays in an isolate is the snapshot alone; the validated manifests
  // are garbage once compiled (compileTenant copies only what it keeps).
  manifests = null;
  gc();
  const snapshotBytes = process.memoryUsage().heapUsed - heapBefore + manifestBytes(tenants, tasks, gc);

  const BATCH = 1000;
  const batches = Math.max(1, Math.round(resolutions / BATCH));
  let sink = 0;

  // Warm up the JIT on the same shapes, then measure.
  for (let b = 0; b < Math.min(50, batches); b++) {
    for (const w of syntheticBatch(random, tenants, tasks, BATCH, -BATCH * (b + 1)))
      if (resolveRoute(snapshots[w.tenant], w.facts).ok) sink++;
  }

  /**
   * A timer around each call (median, p99): resolution over `rounds` batches
   * of requests to the first `among` tenants, and with a pool the replica
   * choice a chat request then makes for its primary target, which is what
   * the gateway spends before calling an upstream.
   */
  const perCallTimes = (rounds: number, among: number, pool: UpstreamPool | null) => {
    const times = new Float64Array(rounds * BATCH);
    for (let b = 0; b < rounds; b++) {
      const work = syntheticBatch(random, among, tasks, BATCH, b * BATCH);
      for (let k = 0; k < BATCH; k++) {
        const w = work[k];
        const snap = snapshots[w.tenant];
        const start = process.hrtime.bigint();
        const r = resolveRoute(snap, w.facts);
        const order = pool && r.ok ? pool.order(snap.tenant, r.primary) : null;
        times[b * BATCH + k] = Number(process.hrtime.bigint() - start) / 1000;
        if (r.ok) sink += order ? order.length : 1;
      }
    }
    return times;
  };

  const perCall = perCallTimes(batches, tenants, null);

  // Per batch: one timer around 1,000 resolutions (mean, no timer overhead).
  let batchNs = 0n;
  for (let b = 0; b < batches; b++) {
    const work = syntheticBatch(random, tenants, tasks, BATCH, b * BATCH);
    const start = process.hrtime.bigint();
    for (let k = 0; k < BATCH; k++) if (resolveRoute(snapshots[work[k].tenant], work[k].facts).ok) sink++;
    batchNs += process.hrtime.bigint() - start;
  }
  const batched = batches * BATCH;

  // The same mix over only 100 tenants: snapshots warm in cache, as in an
  // isolate that serves a few busy tenants.
  const hotTenants = Math.min(tenants, 100);
  const hot = perCallTimes(Math.min(batches, 50), hotTenants, null);

  const pool = warmPool(snapshots);
  const withReplica = perCallTimes(batches, tenants, pool);
  const hotWithReplica = perCallTimes(hot.length / BATCH, hotTenants, pool);

  const overhead = new Float64Array(10_000);
  for (let k = 0; k < overhead.length; k++) {
    const start = process.hrtime.bigint();
    overhead[k] = Number(process.hrtime.bigint() - start) / 1000;
  }

  if (sink === 0) throw new Error("no resolution succeeded");
  perCall.sort();
  withReplica.sort();
  hotWithReplica.sort();
  hot.sort();
  overhead.sort();
  const median = percentile(perCall, 0.5);
  const withReplicaMedian = percentile(withReplica, 0.5);
  return {
    tenants,
    tasks_per_tenant: tasks,
    resolutions: perCall.length,
    validate_ms: round(validateMs, 1),
    compile_ms: round(compileMs, 1),
    compile_per_tenant_us: round((compileMs * 1000) / tenants, 1),
    resolve_median_us: round(median),
    resolve_p99_us: round(percentile(perCall, 0.99)),
    resolve_max_us: round(perCall[perCall.length - 1], 1),
    resolve_mean_us: round(Number(batchNs) / 1000 / batched),
    route_and_replica_median_us: round(withReplicaMedian),
    route_and_replica_p99_us: round(percentile(withReplica, 0.99)),
    route_and_replica_hot_median_us: round(percentile(hotWithReplica, 0.5)),
    resolve_hot_median_us: round(percentile(hot, 0.5)),
    resolve_hot_p99_us: round(percentile(hot, 0.99)),
    timer_overhead_us: round(percentile(overhead, 0.5)),
    snapshot_kb_per_tenant: round(snapshotBytes / 1024 / tenants, 1),
    heap_used_mb: round(process.memoryUsage().heapUsed / 2 ** 20, 1),
    target_median_us: 5,
    // The budget covers everything before the upstream call, replica choice included.
    meets_target: median < 5 && withReplicaMedian < 5,
  };
}

function argValue(argv: string[], name: string): number | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : undefined;
}

async function main(argv: string[]): Promise<void> {
  const result = await benchRouting({
    tenants: argValue(argv, "--tenants"),
    resolutions: argValue(argv, "--resolutions"),
  });
  if (argv.includes("--json")) {
    console.log(JSON.stringify(result));
    return;
  }
  console.log(
    `routing bench: ${result.tenants} tenants x ${result.tasks_per_tenant} tasks, ${result.resolutions} resolutions`,
  );
  console.log(`  validate all manifests   ${result.validate_ms} ms`);
  console.log(`  compile all snapshots    ${result.compile_ms} ms (${result.compile_per_tenant_us} µs per tenant)`);
  console.log(
    `  resolve median           ${result.resolve_median_us} µs   (target < ${result.target_median_us} µs: ${result.meets_target ? "met" : "MISSED"})`,
  );
  console.log(`  resolve p99              ${result.resolve_p99_us} µs`);
  console.log(
    `  + replica choice         ${result.route_and_replica_median_us} µs median, ${result.route_and_replica_p99_us} µs p99`,
  );
  console.log(`  + replica, 100 hot       ${result.route_and_replica_hot_median_us} µs median`);
  console.log(`  resolve max              ${result.resolve_max_us} µs`);
  console.log(`  resolve mean (batched)   ${result.resolve_mean_us} µs`);
  console.log(
    `  resolve, 100 hot tenants ${result.resolve_hot_median_us} µs median, ${result.resolve_hot_p99_us} µs p99`,
  );
  console.log(`  timer overhead (median)  ${result.timer_overhead_us} µs, included in per-call figures`);
  console.log(`  snapshot size            ${result.snapshot_kb_per_tenant} KB per tenant`);
  console.log(`  heap used                ${result.heap_used_mb} MB`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
