// The registry cache against D1: a tenant load that is in flight while an
// apply reloads the snapshot must not leave the old manifest cached.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { systemClock } from "../../src/clock";
import { createRegistryCache } from "../../src/registry/registry-cache";
import { applyManifest } from "../../src/registry/manifest-store";
import { validateManifest } from "../../src/registry/validate-manifest";
import { testcoManifest } from "./helpers/seed";

const noWaitUntil = () => {};

/** D1 whose tenant-manifest reads run at once but hand their result over only when released. */
function gatedD1(db: D1Database) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let readDone!: () => void;
  const read = new Promise<void>((resolve) => (readDone = resolve));
  const proxy = new Proxy(db, {
    get(target, prop) {
      if (prop !== "prepare") {
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      }
      return (sql: string) => {
        const statement = target.prepare(sql);
        if (!/FROM manifests WHERE tenant_id = \?/.test(sql)) return statement;
        return {
          bind: (...values: unknown[]) => {
            const bound = statement.bind(...values);
            return {
              async first<T>() {
                const row = await bound.first<T>();
                readDone();
                await gate;
                return row;
              },
            };
          },
        };
      };
    },
  });
  return { db: proxy as D1Database, release, read };
}

function manifestWithTask(task: string) {
  const manifest = testcoManifest();
  manifest.tasks.push({ name: task, allow_pinning: false, rules: [{ id: `${task}-rule`, target: "ok-v1" }] });
  const checked = validateManifest(manifest);
  if (!checked.ok) throw new Error(JSON.stringify(checked.issues));
  return checked.manifest;
}

describe("registry cache", () => {
  it("does not keep a manifest that a load in flight read before an apply", async () => {
    const { db, release, read } = gatedD1(env.DB);
    const cache = createRegistryCache({ clock: systemClock, ttlSeconds: () => 3600, capacity: () => 10 });
    await cache.snapshot(db, noWaitUntil);

    // A request starts compiling testco; its read of the manifest happens now …
    const inFlight = cache.tenant(db, "testco");
    await read;
    // … then an apply lands and this isolate reloads its snapshot …
    const applied = await applyManifest(env.DB, manifestWithTask("race-task"), "race test", Date.now());
    await cache.reload(db);
    // … and only then does the old read finish compiling.
    release();
    const old = await inFlight;
    expect(old!.manifestVersion).toBeLessThan(applied.version);

    const after = await cache.tenant(db, "testco");
    expect(after!.manifestVersion).toBe(applied.version);
    expect(after!.tasks.has("race-task")).toBe(true);
  });

  it("recompiles a cached tenant whose manifest moved in a reloaded snapshot", async () => {
    const cache = createRegistryCache({ clock: systemClock, ttlSeconds: () => 3600, capacity: () => 10 });
    await cache.snapshot(env.DB, noWaitUntil);
    const before = await cache.tenant(env.DB, "testco");
    expect(await cache.tenant(env.DB, "testco")).toBe(before); // a hit
    const applied = await applyManifest(env.DB, manifestWithTask("moved-task"), "move test", Date.now());
    await cache.reload(env.DB);
    const after = await cache.tenant(env.DB, "testco");
    expect(after!.manifestVersion).toBe(applied.version);
    expect(after!.tasks.has("moved-task")).toBe(true);
  });

  it("keeps at most `capacity` compiled tenants", async () => {
    let loads = 0;
    const counting = new Proxy(env.DB, {
      get(target, prop) {
        if (prop === "prepare") {
          return (sql: string) => {
            if (/FROM manifests WHERE tenant_id = \?/.test(sql)) loads++;
            return target.prepare(sql);
          };
        }
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const cache = createRegistryCache({ clock: systemClock, ttlSeconds: () => 3600, capacity: () => 1 });
    await cache.snapshot(counting, noWaitUntil);
    await cache.tenant(counting, "acme");
    await cache.tenant(counting, "acme");
    expect(loads).toBe(1);
    await cache.tenant(counting, "globex"); // evicts acme
    await cache.tenant(counting, "acme");
    expect(loads).toBe(3);
  });
});
