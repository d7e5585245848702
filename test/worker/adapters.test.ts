// Adapter lifecycle through the admin API, against two dev-upstream replicas
// (DEV_REPLICA_URLS[2..3]): publish (idempotent, immutable), preload on every
// replica, the tenant's replica view, retire (refused while targeted; unloads
// everywhere), served names no two tenants share on one replica (the other
// tenant named to ADMIN_TOKEN only), Workers AI limits, and isolation: another
// tenant's manage key reaches none of it.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { storeApiKey } from "../../src/auth/api-keys";
import { call } from "./helpers/gateway";
import { applyTestManifest } from "./helpers/seed";

const ADMIN = { key: "admin-dev" };
const KEY = { key: "sk-adco-test" };
const RIVAL = { key: "sk-adrival-test" };
const BASE = "meta-llama/Llama-3.1-8B-Instruct";
const [, , R2, R3] = env.DEV_REPLICA_URLS;

const upstreams = [
  { id: "pair", kind: "openai-compatible", dialect: "vllm", replicas: [R2, R3], timeout_ms: 5000 },
  { id: "ai", kind: "workers-ai" },
];
const adapter = (tenant: string, version: string) => ({
  name: "base",
  version,
  upstream: "pair",
  base_model: BASE,
  served_name: `${tenant}-${version}`,
  source: `/loras/${tenant}-${version}`,
  load: "on_demand",
});
const manifestOf = (tenant: string) => ({
  tenant,
  upstreams,
  adapters: [adapter(tenant, "base-v1")],
  tasks: [{ name: "main", rules: [{ id: "default", target: "base-v1" }] }],
});

const publish = (tenant: string, body: Record<string, unknown>, who = ADMIN) =>
  call(`/admin/tenants/${tenant}/adapters`, body, who);
const json = async (r: { response: Response }) => (await r.response.json()) as any;
const loras = async (replica: string) =>
  (await (await fetch(new URL("/_dev/loras", replica))).json()) as { loads: Record<string, number>; loaded: string[] };
const manifestNow = async (tenant: string) =>
  (await json(await call(`/admin/tenants/${tenant}/manifest`, undefined, ADMIN))).manifest;

beforeAll(async () => {
  await applyTestManifest(manifestOf("adco"));
  await applyTestManifest(manifestOf("adrival"));
  await storeApiKey(env.DB, "adco", KEY.key, "lifecycle tests", Date.now());
  await storeApiKey(env.DB, "adrival", RIVAL.key, "lifecycle tests", Date.now());
});

describe("publishing", () => {
  const v2 = { name: "base", version: "pub-v2", upstream: "pair", base_model: BASE, source: "/loras/adco-pub-v2" };

  it("adds a version as a new manifest version, idempotently", async () => {
    const before = (await json(await call("/admin/tenants/adco/manifest", undefined, ADMIN))).version;
    const first = await publish("adco", v2, KEY);
    expect(first.response.status).toBe(201);
    const body = await json(first);
    expect(body.version).toBe(before + 1);
    // A vLLM upstream and a source: loaded on demand, under a name unique to the tenant.
    expect(body.adapter).toMatchObject({ served_name: "adco-pub-v2", load: "on_demand" });
    expect((await manifestNow("adco")).adapters.map((a: any) => a.version)).toContain("pub-v2");

    const again = await publish("adco", v2, KEY);
    expect(again.response.status).toBe(200);
    expect(await json(again)).toMatchObject({ applied: false, version: before + 1 });
  });

  it("refuses to change a published version (409 version_immutable), by publish or by manifest apply", async () => {
    const changed = await publish("adco", { ...v2, source: "/loras/adco-pub-v2-retrained" });
    expect(changed.response.status).toBe(409);
    const error = (await json(changed)).error;
    expect(error.code).toBe("version_immutable");
    expect(error.message).toContain("pub-v2");
    expect(error.param).toMatch(/^\/adapters\/\d+\/source$/);

    const manifest = await manifestNow("adco");
    manifest.adapters[0].served_name = "adco-base-v1-renamed";
    const applied = await call("/admin/tenants/adco/manifest", manifest, { ...ADMIN, method: "PUT" });
    expect(applied.response.status).toBe(409);
    expect((await json(applied)).error).toMatchObject({ code: "version_immutable", param: "/adapters/0/served_name" });
  });

  it("checks a Workers AI fine-tune against the platform's limits", async () => {
    const tooBig = await publish("adco", {
      name: "edge",
      version: "edge-v1",
      upstream: "ai",
      base_model: "@cf/mistral/mistral-7b-instruct-v0.2-lora",
      served_name: "adco-edge-v1",
      rank: 64,
    });
    expect(tooBig.response.status).toBe(400);
    const error = (await json(tooBig)).error;
    expect(error.code).toBe("invalid_manifest");
    expect(error.param).toMatch(/^\/adapters\/\d+\/rank$/);
  });

  it.each([
    ["a missing base_model", { name: "x", version: "x-v1", upstream: "pair" }, "base_model"],
    ["a bad version", { name: "x", version: "x@1", upstream: "pair", base_model: BASE }, "version"],
  ])("answers 400 for %s", async (_, body, param) => {
    const { response } = await publish("adco", body);
    expect(response.status).toBe(400);
    expect((await response.json()) as any).toMatchObject({ error: { param } });
  });
});

describe("served names across tenants", () => {
  const clash = { name: "copy", version: "copy-v1", upstream: "pair", base_model: BASE, served_name: "adco-base-v1" };

  it("tells ADMIN_TOKEN which tenant serves the name on that replica", async () => {
    const r = await publish("adrival", { ...clash, source: "/loras/x" });
    expect(r.response.status).toBe(409);
    const error = (await json(r)).error;
    expect(error.code).toBe("served_name_taken");
    expect(error.message).toContain("'adco'");
    expect(error.tenant).toBe("adco");
  });

  it("tells a tenant key only that the name is taken", async () => {
    const r = await publish("adrival", { ...clash, source: "/loras/x" }, RIVAL);
    expect(r.response.status).toBe(409);
    const text = await r.response.text();
    const error = JSON.parse(text).error;
    expect(error.code).toBe("served_name_taken");
    // The served name itself is the rival's own input; the owner is not named anywhere.
    expect(text.replaceAll("adco-base-v1", "")).not.toContain("adco");
    expect(error.tenant).toBeUndefined();
  });

  it("lets the same name be used on a server the other tenant does not use", async () => {
    const manifest = await manifestNow("adrival");
    manifest.upstreams.push({ id: "own", kind: "openai-compatible", dialect: "vllm", base_url: env.DEV_UPSTREAM_URL });
    const applied = await call("/admin/tenants/adrival/manifest", manifest, { ...ADMIN, method: "PUT" });
    expect(applied.response.status).toBe(200);
    const r = await publish("adrival", { ...clash, upstream: "own" }, RIVAL);
    expect(r.response.status).toBe(201);
  });
});

describe("preload, inventory and retire", () => {
  const v3 = { name: "base", version: "pre-v3", upstream: "pair", base_model: BASE, source: "/loras/adco-pre-v3" };

  it("preloads a version on every replica and shows it in the tenant's replica view", async () => {
    expect((await publish("adco", v3)).response.status).toBe(201);
    const loaded = await call("/admin/tenants/adco/adapters/pre-v3/load", {}, KEY);
    expect(loaded.response.status).toBe(200);
    const body = await json(loaded);
    expect(body.replicas.map((r: any) => [r.replica, r.ok])).toEqual([
      [expect.any(String), true],
      [expect.any(String), true],
    ]);
    for (const replica of [R2, R3]) {
      const state = await loras(replica);
      expect(state.loaded).toContain("adco-pre-v3");
      expect(state.loads["adco-pre-v3"]).toBe(1);
    }

    const view = await json(await call("/admin/tenants/adco/upstreams", undefined, KEY));
    const pair = view.upstreams.find((u: any) => u.id === "pair");
    expect(pair.replicas).toHaveLength(2);
    for (const replica of pair.replicas) {
      expect(replica).toMatchObject({ state: "closed", consecutive_failures: 0, last_error: null });
      expect(replica.inventory_read_at).toEqual(expect.any(Number));
      expect(replica.loaded).toContainEqual({ version: "pre-v3", served_name: "adco-pre-v3" });
    }
    // The operator's view of every tenant has it too.
    const all = await json(await call("/admin/upstreams", undefined, ADMIN));
    const adco = all.data.find((t: any) => t.tenant === "adco");
    expect(adco.upstreams.find((u: any) => u.id === "pair").replicas).toHaveLength(2);
  });

  it("refuses a preload where the upstream loads by itself", async () => {
    const manifest = await manifestNow("adco");
    manifest.adapters.push({
      name: "edge",
      version: "edge-ok-v1",
      upstream: "ai",
      base_model: "@cf/mistral/mistral-7b-instruct-v0.2-lora",
      served_name: "adco-edge-ok-v1",
    });
    expect((await call("/admin/tenants/adco/manifest", manifest, { ...ADMIN, method: "PUT" })).response.status).toBe(
      200,
    );
    const r = await call("/admin/tenants/adco/adapters/edge-ok-v1/load", {}, ADMIN);
    expect(r.response.status).toBe(400);
    expect((await json(r)).error.param).toBe("version");
  });

  it("refuses to retire a version a rule still targets, naming the rule", async () => {
    const r = await call("/admin/tenants/adco/adapters/base-v1", undefined, { ...ADMIN, method: "DELETE" });
    expect(r.response.status).toBe(409);
    const error = (await json(r)).error;
    expect(error.code).toBe("version_in_use");
    expect(error.message).toContain("task 'main' rule 'default' (target)");
  });

  it("retires a version: a new manifest version without it, unloaded from every replica", async () => {
    const r = await call("/admin/tenants/adco/adapters/pre-v3", undefined, { ...KEY, method: "DELETE" });
    expect(r.response.status).toBe(200);
    const body = await json(r);
    expect(body.unloaded.map((u: any) => u.ok)).toEqual([true, true]);
    for (const replica of [R2, R3]) expect((await loras(replica)).loaded).not.toContain("adco-pre-v3");
    expect((await manifestNow("adco")).adapters.map((a: any) => a.version)).not.toContain("pre-v3");

    // The name stays bound to its weights: publishing it again with others is refused.
    const reused = await publish("adco", { ...v3, source: "/loras/adco-pre-v3-retrained" });
    expect(reused.response.status).toBe(409);
    expect((await json(reused)).error.code).toBe("version_immutable");
  });

  it("answers 404 for a version the tenant does not have", async () => {
    for (const [method, path] of [
      ["DELETE", "/admin/tenants/adco/adapters/nope-v1"],
      ["POST", "/admin/tenants/adco/adapters/nope-v1/load"],
    ]) {
      const r = await call(path, method === "POST" ? {} : undefined, { ...ADMIN, method });
      expect(r.response.status).toBe(404);
    }
  });
});

describe("tenant isolation", () => {
  it.each([
    ["POST", "/admin/tenants/adco/adapters", { name: "x", version: "x-v1", upstream: "pair", base_model: BASE }],
    ["DELETE", "/admin/tenants/adco/adapters/base-v1", undefined],
    ["POST", "/admin/tenants/adco/adapters/base-v1/load", {}],
    ["GET", "/admin/tenants/adco/upstreams", undefined],
  ])("another tenant's manage key gets 404 on %s %s, and nothing changes", async (method, path, body) => {
    const before = await manifestNow("adco");
    const r = await call(path, body, { ...RIVAL, method });
    expect(r.response.status).toBe(404);
    const text = await r.response.text();
    expect(text).not.toContain("adco-base-v1");
    expect(await manifestNow("adco")).toEqual(before);
  });

  it("keeps the all-tenants view for ADMIN_TOKEN", async () => {
    for (const who of [KEY, RIVAL, { key: null }]) {
      const r = await call("/admin/upstreams", undefined, who);
      expect(r.response.status).toBe(401);
    }
  });
});

describe("rollouts", () => {
  const cand = { name: "base", version: "cand-v1", upstream: "pair", base_model: BASE, source: "/loras/adco-cand-v1" };

  it("starting a rollout preloads the candidate on every replica of its upstream", async () => {
    expect((await publish("adco", cand)).response.status).toBe(201);
    for (const replica of [R2, R3]) expect((await loras(replica)).loads["adco-cand-v1"]).toBeUndefined();
    const started = await call("/admin/tenants/adco/rollouts", { task: "main", candidate: "cand-v1" }, KEY);
    expect(started.response.status).toBe(201);
    await started.settled(); // the preload runs after the answer, in waitUntil
    for (const replica of [R2, R3]) {
      const state = await loras(replica);
      expect(state.loads["adco-cand-v1"]).toBe(1);
      expect(state.loaded).toContain("adco-cand-v1");
    }
  });

  it("refuses to retire a version an active rollout still targets, naming the rollout", async () => {
    // Take the candidate out of the rule by hand: the rollout (now paused) still names it.
    const manifest = await manifestNow("adco");
    manifest.tasks.find((t: any) => t.name === "main").rules = [{ id: "default", target: "base-v1" }];
    expect((await call("/admin/tenants/adco/manifest", manifest, { ...ADMIN, method: "PUT" })).response.status).toBe(
      200,
    );
    const r = await call("/admin/tenants/adco/adapters/cand-v1", undefined, { ...ADMIN, method: "DELETE" });
    expect(r.response.status).toBe(409);
    const error = (await json(r)).error;
    expect(error.code).toBe("version_in_use");
    expect(error.references).toEqual([
      expect.stringMatching(/^rollout 'ro_[0-9a-f]+' \(candidate, (running|paused)\)$/),
    ]);
  });
});
