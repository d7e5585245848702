// Per-isolate cache of the registry, so a steady-state chat request makes no
// D1 query before its upstream call. One cache per app (createRegistryCache),
// created with the app, so nothing lives in module state.
// - The Snapshot (keys, tenants' manifest versions) loads on an isolate's
//   first request. After SNAPSHOT_TTL_SECONDS the next request starts a
//   background check of registry_state.version (through waitUntil; the
//   request itself uses what it has) and a reload only if it moved.
// - Compiled tenants load on their first request and live in an LRU of
//   TENANT_CACHE_SIZE (default 500: about 26 KB each, ~13 MB of the 128 MB
//   isolate). Each entry carries the manifest version it was compiled from; a
//   hit older than the snapshot's version for that tenant is recompiled, so a
//   load that was in flight across a reload cannot keep an old manifest live.
// An apply reloads at once in the isolate that made it; other isolates see it
// within the TTL plus one D1 round trip.
import type { Clock } from "../clock";
import type { TenantSnapshot } from "../routing/compiled";
import { loadSnapshot, loadTenant, readRegistryVersion } from "./load-snapshot";
import type { Snapshot } from "./snapshot";

export interface RegistryCacheOptions {
  clock: Clock;
  /** Seconds between background version checks. */
  ttlSeconds: () => number;
  /** Compiled tenants kept (LRU). */
  capacity: () => number;
}

export interface RegistryCache {
  /** The current snapshot; loads it on first use, and schedules a background check once the TTL has passed. */
  snapshot(db: D1Database, waitUntil: (promise: Promise<unknown>) => void): Promise<Snapshot>;
  /** The tenant's compiled manifest at the snapshot's version: cached, or loaded and compiled once. */
  tenant(db: D1Database, tenant: string): Promise<TenantSnapshot | null>;
  /** Reads the snapshot again now (after an apply, a key change). */
  reload(db: D1Database): Promise<Snapshot>;
}

export function createRegistryCache(options: RegistryCacheOptions): RegistryCache {
  const { clock } = options;
  const now = () => clock.nowMs();
  let current: Snapshot | null = null;
  let loading: Promise<Snapshot> | null = null;
  let checking = false;
  let checkedAt = 0;
  const compiled = new Map<string, TenantSnapshot>();
  const compiling = new Map<string, Promise<TenantSnapshot | null>>();

  /** The manifest version the snapshot says is current; 0 before any snapshot. */
  const wantedVersion = (tenant: string) => current?.tenants.get(tenant) ?? 0;

  function reload(db: D1Database): Promise<Snapshot> {
    const pending = loadSnapshot(db, now).then(
      (snapshot) => {
        current = snapshot;
        for (const [tenant, entry] of compiled) {
          if (entry.manifestVersion !== wantedVersion(tenant)) compiled.delete(tenant);
        }
        // Loads started before this point may read an older manifest; the
        // version check in store() and on every hit keeps them out.
        compiling.clear();
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

  async function refreshIfChanged(db: D1Database): Promise<void> {
    try {
      const version = await readRegistryVersion(db);
      if (!current || version !== current.version) await reload(db);
      checkedAt = now();
    } catch (error) {
      console.error(
        JSON.stringify({ msg: "registry refresh failed; serving the cached snapshot", error: String(error) }),
      );
    } finally {
      checking = false;
    }
  }

  function store(tenant: string, entry: TenantSnapshot): void {
    if (entry.manifestVersion < wantedVersion(tenant)) return;
    compiled.set(tenant, entry);
    while (compiled.size > Math.max(1, options.capacity())) compiled.delete(compiled.keys().next().value!);
  }

  function load(db: D1Database, tenant: string): Promise<TenantSnapshot | null> {
    let pending = compiling.get(tenant);
    if (!pending) {
      const started: Promise<TenantSnapshot | null> = loadTenant(db, tenant, now).then(
        (snapshot) => {
          if (compiling.get(tenant) === started) compiling.delete(tenant);
          if (snapshot) store(tenant, snapshot);
          return snapshot;
        },
        (error) => {
          if (compiling.get(tenant) === started) compiling.delete(tenant);
          throw error;
        },
      );
      pending = started;
      compiling.set(tenant, pending);
    }
    return pending;
  }

  return {
    async snapshot(db, waitUntil) {
      if (!current) return loading ?? reload(db);
      if (!checking && now() - checkedAt >= options.ttlSeconds() * 1000) {
        checking = true;
        waitUntil(refreshIfChanged(db));
      }
      return current;
    },

    async tenant(db, tenant) {
      const hit = compiled.get(tenant);
      if (hit && hit.manifestVersion >= wantedVersion(tenant)) {
        // Map order is insertion order: re-inserting marks it most recently used.
        compiled.delete(tenant);
        compiled.set(tenant, hit);
        return hit;
      }
      if (hit) compiled.delete(tenant);
      return load(db, tenant);
    },

    reload,
  };
}
