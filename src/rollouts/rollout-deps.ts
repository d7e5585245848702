// The service's dependencies as the Worker wires them, for the admin routes
// and the cron alike: D1, the clock, the rollups reader, the decision rule,
// and a reload of this isolate's registry after a manifest write (other
// isolates follow within SNAPSHOT_TTL_SECONDS).
import type { Clock } from "../clock";
import type { RegistryCache } from "../registry/registry-cache";
import { decide } from "./decision";
import { rollupCounts } from "./rollup-counts";
import type { RolloutDeps } from "./rollout-service";

export function rolloutDeps(db: D1Database, clock: Clock, registry: RegistryCache): RolloutDeps {
  return { db, clock, counts: rollupCounts, decide, onManifestWritten: () => registry.reload(db) };
}
