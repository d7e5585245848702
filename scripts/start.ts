// npm start: migrate the local D1, apply the demo manifests and keys, start
// two dev-upstream replicas (DEV_UPSTREAM_PORT and the port after it, default
// 8788 and 8789: acme's upstream lists both) and `wrangler dev --local` on
// PORT (default 8787). acme's support-v1 is loaded on demand, so the first
// support request shows a lazy load in the log. Ctrl-C stops all of them.
// Needs no account, login or network.
import { execFileSync, spawn } from "node:child_process";
import { CRONS } from "../src/crons";
import { startDevUpstream } from "./dev-upstream/server";
import { OFFLINE_ENV, ROOT } from "./lib/offline-env";

const port = process.env.PORT ?? "8787";
const upstreamPort = Number(process.env.DEV_UPSTREAM_PORT ?? 8788);
const env = { ...process.env, ...OFFLINE_ENV };
const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { cwd: ROOT, env, stdio: "inherit" });

run("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local"]);
run("npx", ["tsx", "scripts/adapters-sync.ts", "--by", "npm start"]);

const replicas = await Promise.all([upstreamPort, upstreamPort + 1].map((p) => startDevUpstream({ port: p })));
for (const r of replicas) console.log(`dev upstream replica listening on ${r.url}`);

// detached: wrangler gets its own process group, so Ctrl-C here can stop
// wrangler and the workerd it spawns together (kill(-pid)).
const wrangler = spawn("npx", ["wrangler", "dev", "--local", "--test-scheduled", "--port", port, "--ip", "127.0.0.1"], {
  cwd: ROOT,
  env,
  stdio: "inherit",
  detached: true,
});

let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  try {
    process.kill(-wrangler.pid!, "SIGTERM");
  } catch {
    // already gone
  }
  await Promise.all(replicas.map((r) => r.close()));
  process.exit(code);
}
// Cron Triggers do not fire in local dev: once a minute, tick the rollout
// evaluations (every minute, as deployed) and the retention sweep (daily when
// deployed; cheap to run more often), so rollouts move under npm start.
const tickCron = (cron: string) =>
  fetch(`http://127.0.0.1:${port}/__scheduled?cron=${encodeURIComponent(cron)}`).catch(() => {});
const tick = setInterval(() => {
  void tickCron(CRONS.rollouts).then(() => tickCron(CRONS.retention));
}, 60_000);
tick.unref();
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
wrangler.on("exit", (code) => void stop(code ?? 0));
console.log(
  `Switchyard starting on http://127.0.0.1:${port} (demo keys: sk-acme-dev, sk-globex-dev; admin token: admin-dev)`,
);
