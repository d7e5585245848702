// Per-isolate cache of the registry snapshot, so a steady-state chat request
// makes no D1 query before its upstream call. The first request of an isolate
// loads it; after SNAPSHOT_TTL_SECONDS the next request triggers a background
// check of registry_state.version (through waitUntil; the request itself uses
// the snapshot it has) and a reload only if the version moved. An apply
// reloads at once in the isolate that made it; other isolates see it within
// TTL plus one D1 round trip.
import { loadSnapshot, readRegistryVersion } from "./load-snapshot";
import type { Snapshot } from "./snapshot";

let current: Snapshot | null = null;
let loading: Promise<Snapshot> | null = null;
let checking = false;
let checkedAt = 0;

function ttlMs(env: Env): number {
  const seconds = Number(env.SNAPSHOT_TTL_SECONDS ?? 5);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 5000;
}

export function reloadSnapshot(db: D1Database, now: () => number = Date.now): Promise<Snapshot> {
  const pending = loadSnapshot(db, now).then(
    (snapshot) => {
      current = snapshot;
      checkedAt = now();
      return snapshot;
    },
    (error) => {
      loading = null;
      throw error;
    },
  );
  loading = pending;
  return pending;
}

async function refreshIfChanged(db: D1Database, now: () => number): Promise<void> {
  try {
    const version = await readRegistryVersion(db);
    if (!current || version !== current.version) await reloadSnapshot(db, now);
    checkedAt = now();
  } catch (error) {
    console.error(JSON.stringify({ msg: "registry refresh failed; serving the cached snapshot", error: String(error) }));
  } finally {
    checking = false;
  }
}

export async function getSnapshot(
  env: Env,
  waitUntil: (promise: Promise<unknown>) => void,
  now: () => number = Date.now,
): Promise<Snapshot> {
  if (!current) return loading ?? reloadSnapshot(env.DB, now);
  if (!checking && now() - checkedAt >= ttlMs(env)) {
    checking = true;
    waitUntil(refreshIfChanged(env.DB, now));
  }
  return current;
}

/** Tests: forget the cached snapshot so the next request loads from D1. */
export function resetSnapshotCache(): void {
  current = null;
  loading = null;
  checking = false;
  checkedAt = 0;
}
