// The local D1 that `wrangler dev --local` uses (.wrangler/state/v3), opened
// from Node through wrangler's getPlatformProxy, so scripts run the same
// SQL helpers as the Worker.
import { applyOfflineEnv, ROOT } from "./offline-env";

export async function openLocalD1(): Promise<{ db: D1Database; dispose: () => Promise<void> }> {
  applyOfflineEnv();
  const { getPlatformProxy } = await import("wrangler");
  const proxy = await getPlatformProxy<{ DB: D1Database }>({
    configPath: `${ROOT}/wrangler.toml`,
    persist: true,
    remoteBindings: false,
  });
  return { db: proxy.env.DB, dispose: proxy.dispose };
}
