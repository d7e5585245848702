// The Worker's Cron Triggers (wrangler.toml [triggers] crons): scheduled()
// dispatches on controller.cron, and scripts/start.ts ticks the same
// expressions locally, where crons do not fire by themselves.
export const CRONS = {
  /** The daily retention sweep (manifest retention_days). */
  retention: "17 3 * * *",
  /** One evaluation of every running rollout. */
  rollouts: "* * * * *",
} as const;
