// Per-isolate cache of the registry, so a steady-state chat request makes no
// D1 query before its upstream call.
// - The Snapshot (keys, tenants' manifest versions) loads on an isolate's
//   first request. After SNAPSHOT_TTL_SECONDS the next request starts a
//   background check of registry_state.version (through waitUntil; the
//   request itself uses what it has) and a reload only if it moved.
// - Compiled tenants load on their first request and live in an LRU of
//   TENANT_CACHE_SIZE (default 500: about 46 KB each, ~23 MB of the 128 MB
//   isolate). A reload drops exactly the tenants whose manifest version moved.
// An apply reloads at once in the isolate that made it; other isolates see it
// within the TTL plus one D1 round trip.
import type { TenantSnapshot } from "./compile-tenant";
import { loadSnapshot, loadTenant, readRegistryVersion } from "./load-snapshot";
import type { Snapshot } from "./snapshot";
import { numberVar } from "../vars";

const DEFAULT_TENANT_CACHE_SIZE = 500;

let current: Snapshot | null = null;
let loading: Promise<Snapshot> | null = null;
let checking = false;
let checkedAt = 0;
const compiled = new Map<string, TenantSnapshot>();
const compiling = new Map<string, Promise<TenantSnapshot | null>>();

export function reloadSnapshot(db: D1Database, now: () => number = Date.now): Promise<Snapshot> {
  const pending = loadSnapshot(db, now).then(
    (snapshot) => {
      for (const [tenant, compiledTenant] of compiled) {
        if (snapshot.tenants.get(tenant) !== compiledTenant.manifestVersion) compiled.delete(tenant);
      }
      compiling.clear();
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
    console.error(
      JSON.stringify({ msg: "registry refresh failed; serving the cached snapshot", error: String(error) }),
    );
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
  if (!checking && now() - checkedAt >= numberVar(env.SNAPSHOT_TTL_SECONDS, 5) * 1000) {
    checking = true;
    waitUntil(refreshIfChanged(env.DB, now));
  }
  return current;
}

/** The tenant's compiled manifest: cached, or loaded and compiled once. */
export async function getTenant(
  env: Env,
  tenant: string,
  now: () => number = Date.now,
): Promise<TenantSnapshot | null> {
  const hit = compiled.get(tenant);
  if (hit) {
    // Map order is insertion order: re-inserting marks it most recently used.
    compiled.delete(tenant);
    compiled.set(tenant, hit);
    return hit;
  }
  let pending = compiling.get(tenant);
  if (!pending) {
    pending = loadTenant(env.DB, tenant, now).then((snapshot) => {
      compiling.delete(tenant);
      if (snapshot) {
        compiled.set(tenant, snapshot);
        const cap = numberVar(env.TENANT_CACHE_SIZE, DEFAULT_TENANT_CACHE_SIZE);
        while (compiled.size > Math.max(1, cap)) compiled.delete(compiled.keys().next().value!);
      }
      return snapshot;
    });
    compiling.set(tenant, pending);
  }
  return pending;
}

/** Tests: forget everything so the next request loads from D1. */
export function resetSnapshotCache(): void {
  current = null;
  loading = null;
  checking = false;
  checkedAt = 0;
  compiled.clear();
  compiling.clear();
}
