// Starts the real app for the browser tests, as `npm start` does but on free
// loopback ports and with its own persist folder (.wrangler/browser-test), so
// it never collides with a developer's `npm start` or another run: migrate
// that D1, start the dev upstream and `wrangler dev --local` (which builds the
// console through wrangler.toml [build]), then seed both demo tenants through
// the admin API with manifests pointed at this run's upstream, and an
// all-scope key per tenant.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { startDevUpstream, type DevUpstream } from "../../scripts/dev-upstream/server";
import { OFFLINE_ENV, ROOT } from "../../scripts/lib/offline-env";

export const ADMIN_TOKEN = "admin-dev";
const PERSIST = path.join(ROOT, ".wrangler/browser-test/state");

export interface Stack {
  base: string;
  /** An all-scope key per demo tenant, created through the admin API. */
  keys: { acme: string; globex: string };
  close(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

export async function admin(base: string, method: string, pathname: string, body?: unknown): Promise<any> {
  const res = await fetch(`${base}${pathname}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${pathname}: ${res.status} ${text}`);
  return JSON.parse(text);
}

async function waitForHealth(base: string, wrangler: ChildProcess, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (wrangler.exitCode !== null) throw new Error(`wrangler dev exited with ${wrangler.exitCode}`);
    try {
      const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no answer from ${base}/healthz within ${seconds} s`);
}

export async function startStack(log: (line: string) => void): Promise<Stack> {
  const env = { ...process.env, ...OFFLINE_ENV };
  rmSync(path.dirname(PERSIST), { recursive: true, force: true });
  execFileSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", PERSIST], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const upstream: DevUpstream = await startDevUpstream({ port: 0 });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  // detached: its own process group, so close() stops wrangler and its workerd together.
  const wrangler = spawn(
    "npx",
    [
      "wrangler",
      "dev",
      "--local",
      "--port",
      String(port),
      "--ip",
      "127.0.0.1",
      "--persist-to",
      PERSIST,
      "--inspector-port",
      "0",
    ],
    { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString("utf8"));
    if (output.length > 200) output.shift();
  };
  wrangler.stdout!.on("data", keep);
  wrangler.stderr!.on("data", keep);
  const close = async () => {
    try {
      process.kill(-wrangler.pid!, "SIGTERM");
    } catch {
      // already gone
    }
    await upstream.close();
  };
  try {
    await waitForHealth(base, wrangler, 120);
    log(`app on ${base}, dev upstream on ${upstream.url}`);
    const keys = { acme: "", globex: "" };
    for (const tenant of ["acme", "globex"] as const) {
      const manifest = JSON.parse(readFileSync(path.join(ROOT, "adapters", `${tenant}.json`), "utf8"));
      // Every upstream, single-URL or replicated, goes to this run's own dev upstream.
      for (const u of manifest.upstreams) {
        if (u.base_url) u.base_url = upstream.url;
        if (u.replicas) u.replicas = [upstream.url];
      }
      await admin(base, "PUT", `/admin/tenants/${tenant}/manifest`, manifest);
      keys[tenant] = (await admin(base, "POST", `/admin/tenants/${tenant}/keys`, { name: "browser test" })).key;
    }
    return { base, keys, close };
  } catch (error) {
    console.error(output.join("").slice(-4000));
    await close();
    throw error;
  }
}
