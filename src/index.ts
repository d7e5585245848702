// The Worker: HTTP (Hono app), the LOG_QUEUE consumer, the crons, the export Workflow
// and the per-tenant limiter Durable Object.
import { createApp, type AppOptions } from "./app";
import { systemClock } from "./clock";
import { CRONS } from "./crons";
import { handleLogBatch } from "./logging/log-consumer";
import { sweepRetention } from "./retention/retention-sweep";
import { rolloutDeps } from "./rollouts/rollout-deps";
import { evaluateRunning } from "./rollouts/rollout-service";

export { ExportWorkflow } from "./export-store/export-workflow";
export { TenantLimiter } from "./limits/tenant-limiter";

/** The Worker's handlers around one app (one registry cache); tests build their own. */
export function createWorker(options: AppOptions = {}) {
  const { app, registry, upstreams } = createApp(options);
  const clock = options.clock ?? systemClock;
  return {
    registry,
    upstreams,
    handler: {
      fetch: app.fetch,
      async queue(batch, env, _ctx) {
        await handleLogBatch(batch, env);
      },
      // The crons of wrangler.toml [triggers]; npm start ticks them locally.
      async scheduled(controller, env, _ctx) {
        if (controller.cron === CRONS.rollouts) {
          const result = await evaluateRunning(rolloutDeps(env.DB, clock, registry));
          console.log(JSON.stringify({ msg: "rollout evaluations", ...result }));
          return;
        }
        const result = await sweepRetention(env.DB, env.BLOBS, { nowMs: clock.nowMs() });
        console.log(JSON.stringify({ msg: "retention sweep", ...result }));
      },
    } satisfies ExportedHandler<Env>,
  };
}

export default createWorker().handler;
