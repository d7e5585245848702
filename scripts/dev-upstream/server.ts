// Node entry of the dev upstream (see app.ts): serves it on a real port for
// `npm start`, the worker tests' globalSetup and the benchmarks. The model list
// comes from the tenant manifests in adapters/*.json, so a new demo adapter is
// served without touching this file; absent or unreadable manifests fall back
// to the built-in demo list. Port 0 picks a free port (tests run in parallel).
import { readdir, readFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { serve, type Http2Bindings, type HttpBindings } from "@hono/node-server";
import { createDevUpstream, type DevUpstreamOptions } from "./app";

export type StartDevUpstreamOptions = {
  port?: number;
  host?: string;
  /** LoRA names to start with; default: every served_name in adapters/*.json that is not loaded on demand. */
  models?: string[];
  /** Runtime-loaded LoRAs kept at once (vLLM's --max-loras). */
  maxLoras?: number;
  /** Start with the on_demand LoRAs of adapters/*.json loaded too (for tests that are not about loading). */
  preloadAll?: boolean;
  baseModels?: string[];
  /** Folder of tenant manifests; default: <repo>/adapters. */
  adaptersDir?: string;
};

export type DevUpstream = { url: string; port: number; models: string[]; close(): Promise<void> };

const DEMO_BASE = "meta-llama/Llama-3.1-8B-Instruct";
const DEMO_LORAS = [
  "acme-support-v1",
  "acme-support-v2",
  "acme-billing-v1",
  "acme-docs-v1",
  "globex-tutor-v1",
  "globex-tutor-v2",
  "globex-grader-v1",
];
const DEFAULT_ADAPTERS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../adapters");

type ManifestAdapter = { served_name?: unknown; base_model?: unknown; load?: unknown };

/** Reads served names and their base models from every adapters/*.json; never throws. */
export async function loadManifestModels(
  dir = DEFAULT_ADAPTERS_DIR,
  preloadAll = false,
): Promise<Required<Pick<DevUpstreamOptions, "models" | "baseModels" | "parents">>> {
  const models = new Set<string>();
  const baseModels = new Set<string>();
  const parents: Record<string, string> = {};
  let files: string[] = [];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith(".json")).sort();
  } catch {
    // No adapters/ yet: the demo list below applies.
  }
  for (const file of files) {
    let adapters: ManifestAdapter[] = [];
    try {
      const manifest = JSON.parse(await readFile(path.join(dir, file), "utf8"));
      adapters = Array.isArray(manifest?.adapters) ? manifest.adapters : [];
    } catch (err) {
      console.warn(`dev upstream: skipping ${file}: ${(err as Error).message}`);
    }
    for (const a of adapters) {
      // An on_demand version is loaded by the gateway on first use, as a real vLLM's would be.
      if (typeof a?.served_name === "string" && a.served_name && (preloadAll || a.load !== "on_demand"))
        models.add(a.served_name);
      if (typeof a?.base_model === "string" && a.base_model) baseModels.add(a.base_model);
      if (typeof a?.served_name === "string" && typeof a?.base_model === "string")
        parents[a.served_name] = a.base_model;
    }
  }
  if (models.size === 0) {
    return {
      models: DEMO_LORAS,
      baseModels: [DEMO_BASE],
      parents: Object.fromEntries(DEMO_LORAS.map((m) => [m, DEMO_BASE])),
    };
  }
  return { models: [...models], baseModels: [...baseModels], parents };
}

export async function startDevUpstream(options: StartDevUpstreamOptions = {}): Promise<DevUpstream> {
  const { port = 8788, host = "127.0.0.1" } = options;
  const loaded = options.models ? undefined : await loadManifestModels(options.adaptersDir, options.preloadAll);
  const models = options.models ?? loaded!.models;
  const app = createDevUpstream({
    models,
    baseModels: options.baseModels ?? loaded?.baseModels ?? [],
    parents: loaded?.parents,
    maxLoras: options.maxLoras,
  });
  const server = serve({
    fetch: (req, env) => cutQuietly(app.fetch(req), env),
    port,
    hostname: host,
    // Keep the host process's global Request/Response untouched (vitest, bench).
    overrideGlobalObjects: false,
  });
  // Node's http server disables Nagle by default (noDelay), and @hono/node-server
  // writes each body chunk as the stream yields it, so SSE tokens are not held back.
  // A closed client connection aborts request.signal, which ends `hang`.
  await new Promise<void>((resolve, reject) => {
    if (server.listening) return resolve();
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const actual = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${actual}/v1`,
    port: actual,
    models,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Hung or streaming requests would otherwise keep close() waiting.
        if ("closeAllConnections" in server) server.closeAllConnections();
      }),
  };
}

/**
 * The app cuts a connection (`x-dev-fail: cut`) by erroring its body stream;
 * @hono/node-server would then log the error with a stack on every injected
 * cut. Destroying the socket here gives the client the same abrupt end, quietly.
 */
async function cutQuietly(pending: Response | Promise<Response>, env: HttpBindings | Http2Bindings): Promise<Response> {
  const res = await pending;
  if (!res.body) return res;
  const reader = res.body.getReader();
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await reader.read();
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        } catch {
          env.outgoing.destroy();
          controller.close();
        }
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
  return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
}

async function main(): Promise<void> {
  const port = Number(process.env.DEV_UPSTREAM_PORT ?? 8788);
  const upstream = await startDevUpstream({ port, host: process.env.DEV_UPSTREAM_HOST });
  console.log(`dev upstream listening on ${upstream.url} (${upstream.models.length} adapters)`);
  const shutdown = () => void upstream.close().then(() => process.exit(0));
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
