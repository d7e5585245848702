// Starts what the benchmark loads: the dev upstream (zero delay) and, in ONE
// workerd (one Miniflare instance), the gateway, the bare pass-through Worker
// and (on request) the gateway's bundle again with logging off, each on its
// own loopback port. All are `wrangler deploy --dry-run` bundles with the
// bindings wrangler derives from their configs, so they share the runtime,
// compatibility date and flags, and differ only in what their code does. The
// gateway's D1 is not persisted (Miniflare's temporary directory), migrated
// and seeded here. Nothing here reads or changes the product's source: the
// bench configures the Workers (bindings, sockets), it never edits them.
// Trade-off: direct sockets skip Miniflare's entry worker (no `cf` object),
// which no Worker here needs; `wrangler dev` would add its proxy to each.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import type { Readable } from "node:stream";
import { Log, LogLevel, Miniflare, type WorkerOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions as workerOptionsFor } from "wrangler";
import { applyOfflineEnv, OFFLINE_ENV, ROOT } from "../lib/offline-env";
import { applyMigrations, seedTenants } from "./seed-d1";
import { startUpstream, type RunningUpstream } from "./start-upstream";

export const GATEWAY = "switchyard";
export const PASSTHROUGH = "switchyard-bench-passthrough";
/** The gateway's bundle again, with INTERACTION_LOGGING="off" (the logging section's baseline). */
export const LOGGING_OFF = `${GATEWAY}--logging-off`;
/** The gateway of another checkout (StackOptions.baselineDir). */
export const BASELINE = `${GATEWAY}--baseline`;
const BUILD_DIR = path.join(ROOT, ".wrangler/bench/build");

export interface StackOptions {
  /** Exposes workerd's V8 inspector (for profiling); off by default. */
  inspectorPort?: number;
  /** Called with each line workerd prints (Worker console output). */
  onRuntimeLine?: (line: string, stream: "stdout" | "stderr") => void;
  /** Profiling experiment only: no LOG_QUEUE consumer (records stay queued, never reach D1). */
  withoutLogConsumer?: boolean;
  /**
   * Profiling only: bundle without minifying, so the `// src/…` module markers
   * that profile-attribution.ts maps samples through stay in the bundle.
   */
  unminified?: boolean;
  /** Extra headers the gateway's manifests send upstream (profiling: x-dev-token-ms). */
  upstreamHeaders?: Record<string, string>;
  /** Where the dev upstream runs (see start-upstream.ts); default a thread. */
  upstream?: "thread" | "main";
  /**
   * Also run the gateway's bundle as a third Worker (LOGGING_OFF) with
   * INTERACTION_LOGGING="off", sharing D1; no queue consumer or Workflow of its own.
   */
  loggingOff?: boolean;
  /**
   * A checkout of another commit of this project (e.g. `git worktree add
   * /tmp/base <commit>`): its gateway runs as a further Worker (BASELINE) with
   * the same bindings, so a change is measured against the code before it in
   * the same workerd, side by side, where run-to-run drift cannot tell them apart.
   */
  baselineDir?: string;
}

export interface Stack {
  upstream: RunningUpstream;
  gatewayUrl: string;
  passthroughUrl: string;
  /** Origin of the LOGGING_OFF Worker, when `loggingOff` was asked for. */
  loggingOffUrl: string | null;
  /** Origin of the BASELINE Worker, when `baselineDir` was given. */
  baselineUrl: string | null;
  tenants: string[];
  mf: Miniflare;
  /** One line saying what runs where, for the report. */
  topology: string;
  /** Lines workerd printed to stderr (Worker console.error, uncaught errors). */
  runtimeErrors: string[];
  close(): Promise<void>;
}

/** Bundles one Worker exactly as `wrangler deploy` would, without uploading it. */
function bundle(config: string, name: string, unminified = false, cwd = ROOT): string {
  const outdir = path.join(BUILD_DIR, name);
  const args = ["wrangler", "deploy", "--dry-run", "--config", config, "--outdir", outdir];
  if (unminified) args.push("--minify=false");
  execFileSync("npx", args, {
    cwd,
    env: { ...process.env, ...OFFLINE_ENV },
    stdio: ["ignore", "ignore", "inherit"],
  });
  return path.join(outdir, "index.js");
}

function workerFor(name: string, config: string, unminified = false): WorkerOptions {
  const { workerOptions } = workerOptionsFor(config);
  // Workers AI is remote-only; the demo routes the bench uses never call it.
  delete (workerOptions as { ai?: unknown }).ai;
  // Static Assets (the console) are not benchmarked. Locally, Miniflare puts
  // its asset router, a Worker in JavaScript, in front of every request; on
  // Cloudflare that routing happens before the Worker and is not its CPU
  // (docs/performance.md, "What the gateway section runs").
  delete (workerOptions as { assets?: unknown }).assets;
  return {
    ...(workerOptions as WorkerOptions),
    name,
    modules: true,
    scriptPath: bundle(config, name, unminified),
    unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
  } as WorkerOptions;
}

/** The same bundle and bindings as `gateway`, logging off; one consumer and one Workflow owner stay with `gateway`. */
function loggingOffWorker(gateway: WorkerOptions): WorkerOptions {
  const worker = {
    ...gateway,
    name: LOGGING_OFF,
    bindings: { ...gateway.bindings, INTERACTION_LOGGING: "off" },
    unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
  } as WorkerOptions;
  delete worker.queueConsumers;
  delete worker.workflows;
  return worker;
}

/** The gateway of another checkout, bundled from there, with the gateway's bindings; no consumer or Workflow of its own. */
function baselineWorker(gateway: WorkerOptions, dir: string): WorkerOptions {
  const worker = {
    ...gateway,
    name: BASELINE,
    scriptPath: bundle(path.join(path.resolve(dir), "wrangler.toml"), BASELINE, false, path.resolve(dir)),
    unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
  } as WorkerOptions;
  delete worker.queueConsumers;
  delete worker.workflows;
  return worker;
}

function lines(onLine: StackOptions["onRuntimeLine"], stream: "stdout" | "stderr") {
  let rest = "";
  return (chunk: Buffer) => {
    const parts = (rest + chunk.toString("utf8")).split("\n");
    rest = parts.pop() ?? "";
    for (const line of parts) if (line.trim()) onLine?.(line, stream);
  };
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  applyOfflineEnv();
  const upstream = await startUpstream(options.upstream);
  const runtimeErrors: string[] = [];
  const onLine = (line: string, stream: "stdout" | "stderr") => {
    if (stream === "stderr") runtimeErrors.push(line);
    options.onRuntimeLine?.(line, stream);
  };
  let mf: Miniflare | undefined;
  try {
    const gateway = workerFor(GATEWAY, path.join(ROOT, "wrangler.toml"), options.unminified);
    // A signing key of the bench's own, as an operator would set with `wrangler
    // secret put`: the gateway runs as configured for production, whatever the
    // developer's .dev.vars holds.
    gateway.bindings = { ...gateway.bindings, FEEDBACK_SIGNING_KEY: randomBytes(32).toString("base64url") };
    if (options.withoutLogConsumer) delete gateway.queueConsumers;
    const passthroughConfig = path.join(ROOT, "bench/passthrough/wrangler.toml");
    const passthrough = workerFor(PASSTHROUGH, passthroughConfig);
    passthrough.bindings = { ...passthrough.bindings, UPSTREAM_URL: upstream.url };
    mf = new Miniflare({
      log: new Log(LogLevel.WARN),
      inspectorPort: options.inspectorPort,
      handleRuntimeStdio(stdout: Readable, stderr: Readable) {
        stdout.on("data", lines(onLine, "stdout"));
        stderr.on("data", lines(onLine, "stderr"));
      },
      workers: [
        gateway,
        passthrough,
        ...(options.loggingOff ? [loggingOffWorker(gateway)] : []),
        ...(options.baselineDir ? [baselineWorker(gateway, options.baselineDir)] : []),
      ],
    });
    await mf.ready;
    const db = await mf.getD1Database("DB", GATEWAY);
    await applyMigrations(db);
    const tenants = await seedTenants(db, upstream.url, options.upstreamHeaders);
    const gatewayUrl = (await mf.unsafeGetDirectURL(GATEWAY)).origin;
    const passthroughUrl = (await mf.unsafeGetDirectURL(PASSTHROUGH)).origin;
    const loggingOffUrl = options.loggingOff ? (await mf.unsafeGetDirectURL(LOGGING_OFF)).origin : null;
    const baselineUrl = options.baselineDir ? (await mf.unsafeGetDirectURL(BASELINE)).origin : null;
    const instance = mf;
    return {
      upstream,
      gatewayUrl,
      passthroughUrl,
      loggingOffUrl,
      baselineUrl,
      tenants,
      mf: instance,
      topology:
        `gateway, pass-through${options.loggingOff ? ", the gateway with logging off" : ""}${options.baselineDir ? ", the baseline gateway of another checkout" : ""} as Workers in one workerd (one Miniflare instance, \`wrangler deploy --dry-run\` bundles, ` +
        `direct loopback sockets); dev upstream with zero delay on a Node ${upstream.where === "thread" ? "worker thread" : "main thread"}; ` +
        "autocannon and the probe client on the Node main thread",
      runtimeErrors,
      async close() {
        await instance.dispose().catch(() => {});
        await upstream.close().catch(() => {});
      },
    };
  } catch (error) {
    await mf?.dispose().catch(() => {});
    await upstream.close().catch(() => {});
    if (runtimeErrors.length) console.error(`workerd said:\n${runtimeErrors.slice(-20).join("\n")}`);
    throw error;
  }
}
