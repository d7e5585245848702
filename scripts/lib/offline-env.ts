// Environment every script gives wrangler so it never reaches for the
// network, a login or the home folder (see DESIGN.md, facts learned).
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "../..");

export const OFFLINE_ENV: Record<string, string> = {
  CI: "true",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_LOG_PATH: path.join(ROOT, ".wrangler/logs"),
};

export function applyOfflineEnv(): void {
  for (const [k, v] of Object.entries(OFFLINE_ENV)) process.env[k] ??= v;
}
