// The Worker: HTTP (Hono app), the LOG_QUEUE consumer, the export Workflow
// and the per-tenant limiter Durable Object.
import { createApp, type AppOptions } from "./app";
import { handleLogBatch } from "./logging/log-consumer";

export { ExportWorkflow } from "./export-store/export-workflow";
export { TenantLimiter } from "./limits/tenant-limiter";

/** The Worker's handlers around one app (one registry cache); tests build their own. */
export function createWorker(options: AppOptions = {}) {
  const { app, registry } = createApp(options);
  return {
    registry,
    handler: {
      fetch: app.fetch,
      async queue(batch, env, _ctx) {
        await handleLogBatch(batch, env);
      },
    } satisfies ExportedHandler<Env>,
  };
}

export default createWorker().handler;
