// Routing through the real app: sticky splits, `when` rules, pinning,
// /v1/models, tenant isolation both ways, and the zero-D1-query steady state.
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { applyManifest } from "../../src/registry/manifest-store";
import { call, chat, resetGateway } from "./helpers/gateway";
import { validateManifest } from "../../src/registry/validate-manifest";
import { KEYS, testcoManifest } from "./helpers/seed";

const globex = { key: KEYS.globex };

describe("routing", () => {
  it("keeps a user on the same adapter version across requests", async () => {
    for (const user of ["user-a", "user-b", "user-c", "user-d"]) {
      const versions = new Set<string>();
      for (let i = 0; i < 4; i++) {
        const { response } = await chat({ model: "support", user });
        versions.add(response.headers.get("x-switchyard-adapter-version")!);
      }
      expect(versions.size).toBe(1);
    }
  });

  it("applies a `when` rule on metadata", async () => {
    const { response } = await chat({ model: "support", metadata: { tier: "enterprise" } });
    expect(response.headers.get("x-switchyard-route")).toBe("enterprise");
    expect(response.headers.get("x-switchyard-adapter-version")).toBe("support-v2");
  });

  it("pins task@version only where the task allows it", async () => {
    const pinned = await chat({ model: "support@support-v2", user: "anyone" });
    expect(pinned.response.status).toBe(200);
    expect(pinned.response.headers.get("x-switchyard-route")).toBe("pinned");
    expect(pinned.response.headers.get("x-switchyard-adapter-version")).toBe("support-v2");
    const notAllowed = await chat({ model: "billing@billing-v1" });
    expect(notAllowed.response.status).toBe(400);
    expect((await notAllowed.response.json<{ error: { code: string; param: string } }>()).error).toMatchObject({
      code: "version_not_allowed",
      param: "model",
    });
  });

  it("lists the caller's tasks with their adapter versions", async () => {
    const { response } = await call("/v1/models");
    const body = await response.json<{
      object: string;
      data: { id: string; owned_by: string; adapters: { version: string }[] }[];
    }>();
    expect(body.object).toBe("list");
    expect(body.data.map((m) => m.id).sort()).toEqual(["billing", "docs-qa", "support"]);
    const support = body.data.find((m) => m.id === "support")!;
    expect(support.adapters.map((a) => a.version)).toEqual(expect.arrayContaining(["support-v1", "support-v2"]));
    expect(body.data.every((m) => m.owned_by === "acme")).toBe(true);
  });
});

describe("tenant isolation", () => {
  async function errorOf(model: string, key: string) {
    const { response } = await chat({ model }, { key });
    const { error } = await response.json<{ error: { message: string; code: string; type: string; param: string } }>();
    return { status: response.status, ...error, message: error.message.replace(model, "<model>") };
  }

  it("a globex key cannot use or detect acme's tasks (same 404 as a task nobody has)", async () => {
    expect(await errorOf("support", KEYS.globex)).toEqual(await errorOf("zz-nobody-has-this", KEYS.globex));
    expect((await errorOf("support", KEYS.globex)).code).toBe("model_not_found");
  });

  it("an acme key cannot use or detect globex's tasks", async () => {
    expect(await errorOf("tutoring", KEYS.acme)).toEqual(await errorOf("zz-nobody-has-this", KEYS.acme));
  });

  it("cannot pin another tenant's adapter version", async () => {
    expect(await errorOf("tutoring@support-v1", KEYS.globex)).toEqual(await errorOf("tutoring@zz-none", KEYS.globex));
  });

  it("/v1/models shows only the caller's tasks and nothing of other tenants", async () => {
    const { response } = await call("/v1/models", undefined, globex);
    const text = await response.text();
    expect(
      JSON.parse(text)
        .data.map((m: { id: string }) => m.id)
        .sort(),
    ).toEqual(["grading", "tutoring"]);
    for (const leak of ["acme", "support", "billing", "testco", "fail500"]) expect(text).not.toContain(leak);
  });
});

function countingD1(db: D1Database) {
  const counter = { queries: 0 };
  const proxy = new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (prop === "prepare" || prop === "batch" || prop === "exec") {
        return (...args: unknown[]) => {
          counter.queries++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { db: proxy, counter };
}

describe("registry snapshot cache", () => {
  beforeEach(() => resetGateway());

  it("steady-state chat requests make no D1 query", async () => {
    const { db, counter } = countingD1(env.DB);
    const options = { env: { DB: db, SNAPSHOT_TTL_SECONDS: "3600" } as Partial<Env> };
    await chat({ model: "support" }, options); // first request of the isolate loads the snapshot
    expect(counter.queries).toBeGreaterThan(0);
    counter.queries = 0;
    for (let i = 0; i < 20; i++) {
      const { response, settled } = await chat({ model: "support", stream: i % 2 === 0, user: `u${i}` }, options);
      await response.text();
      await settled();
    }
    expect(counter.queries).toBe(0);
  });

  it("a change applied by another isolate shows up after the TTL, without a request waiting on D1", async () => {
    const ttl0 = { key: KEYS.testco, env: { SNAPSHOT_TTL_SECONDS: "0" } as Partial<Env> };
    expect((await chat({ model: "late-task" }, ttl0)).response.status).toBe(404);
    const manifest = testcoManifest();
    manifest.tasks.push({
      name: "late-task",
      allow_pinning: false,
      rules: [{ id: "late-task-rule", target: "ok-v1" }],
    });
    const checked = validateManifest(manifest);
    if (!checked.ok) throw new Error("invalid");
    // Written straight to D1, as another isolate's apply would: this isolate's cache is not told.
    await applyManifest(env.DB, checked.manifest, "other isolate", Date.now());
    // The next request is served from the cached snapshot and triggers the background check …
    const { settled } = await chat({ model: "ok" }, ttl0);
    await settled();
    // … so the one after sees the new task.
    expect((await chat({ model: "late-task" }, ttl0)).response.status).toBe(200);
    await applyManifest(env.DB, validateManifestOrThrow(testcoManifest()), "restore", Date.now());
  });
});

describe("region rules (request.cf.country)", () => {
  beforeEach(async () => {
    resetGateway();
    const manifest = testcoManifest();
    manifest.tasks.push({
      name: "regional",
      allow_pinning: false,
      rules: [
        { id: "eu", when: { region: { in: ["DE", "FR"] } }, target: "lorax-v1" },
        { id: "default", target: "ok-v1" },
      ],
    } as (typeof manifest.tasks)[number]);
    await applyManifest(env.DB, validateManifestOrThrow(manifest), "region test", Date.now());
    return async () => {
      await applyManifest(env.DB, validateManifestOrThrow(testcoManifest()), "restore", Date.now());
      resetGateway();
    };
  });

  it("routes by the country Cloudflare puts in request.cf", async () => {
    const route = async (cf?: Record<string, unknown>) =>
      (await chat({ model: "regional" }, { key: KEYS.testco, cf })).response.headers.get("x-switchyard-route");
    expect(await route({ country: "DE" })).toBe("eu");
    expect(await route({ country: "FR", city: "Paris" })).toBe("eu");
    expect(await route({ country: "US" })).toBe("default");
    expect(await route()).toBe("default");
  });
});

function validateManifestOrThrow(m: unknown) {
  const checked = validateManifest(m);
  if (!checked.ok) throw new Error("invalid");
  return checked.manifest;
}
