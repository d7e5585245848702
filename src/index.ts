// The Worker: HTTP (Hono app), the LOG_QUEUE consumer and the export Workflow.
import { createApp } from "./app";
import { handleLogBatch } from "./logging/log-consumer";

export { ExportWorkflow } from "./export/export-workflow";

const app = createApp();

export default {
  fetch: app.fetch,
  async queue(batch, env, _ctx) {
    await handleLogBatch(batch, env);
  },
} satisfies ExportedHandler<Env>;
