// /admin through the real app: auth, manifest validate / dry-run / apply /
// read back / history, API keys, stats.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, chat } from "./helpers/gateway";
import { asOwnTenant, KEYS, testcoManifest } from "./helpers/seed";

const admin = { key: "admin-dev" };

function freshTenant(name: string) {
  const m = asOwnTenant(testcoManifest(), name);
  return { ...m, display_name: `Tenant ${name}` };
}

const put = (tenant: string, manifest: unknown, query = "") =>
  call(`/admin/tenants/${tenant}/manifest${query}`, manifest, { ...admin, method: "PUT" });

describe("admin auth", () => {
  it.each([
    ["no token", null],
    ["an API key", KEYS.acme],
    ["a wrong token", "admin-wrong"],
  ])("rejects %s with 401", async (_, key) => {
    const { response } = await call("/admin/tenants", undefined, { key });
    expect(response.status).toBe(401);
  });
});

describe("manifest validation", () => {
  const base = () => freshTenant("valco");
  const cases: [string, (m: any) => void, string][] = [
    ["a target naming no adapter version", (m) => (m.tasks[0].rules[0].target = "nope-v9"), "/tasks/0/rules/0/target"],
    [
      "a split with no positive weight",
      (m) =>
        (m.tasks[0].rules[0].target = {
          split: [
            { version: "ok-v1", weight: 0 },
            { version: "slow-v1", weight: 0 },
          ],
        }),
      "/tasks/0/rules/0/target/split",
    ],
    ["a duplicate rule id", (m) => m.tasks[0].rules.push({ ...m.tasks[0].rules[0] }), "/tasks/0/rules/1/id"],
    ["an upstream that does not exist", (m) => (m.adapters[0].upstream = "ghost"), "/adapters/0/upstream"],
    [
      "a base_url that is not http(s)",
      (m) => (m.upstreams[0].base_url = "ftp://example.com/v1"),
      "/upstreams/0/base_url",
    ],
    [
      "a fallback cycle",
      (m) => {
        m.tasks[0].rules[0].fallback = ["task:fail500"];
        m.tasks[1].rules[0].fallback = ["task:ok"];
      },
      "/tasks",
    ],
  ];

  it.each(cases)("rejects %s, naming the field by JSON pointer", async (_, mutate, pointer) => {
    const manifest = base();
    mutate(manifest);
    const validated = await call("/admin/tenants/valco/manifest/validate", manifest, admin);
    const result = await validated.response.json<{ valid: boolean; issues: { pointer: string }[] }>();
    expect(result.valid).toBe(false);
    expect(result.issues.some((i) => i.pointer.startsWith(pointer))).toBe(true);

    const applied = await put("valco", manifest);
    expect(applied.response.status).toBe(400);
    const { error } = await applied.response.json<{ error: { code: string; param: string; issues: unknown[] } }>();
    expect(error.code).toBe("invalid_manifest");
    expect(error.param.startsWith(pointer)).toBe(true);
    expect(error.issues.length).toBeGreaterThan(0);
  });

  it("accepts the demo manifests", async () => {
    for (const tenant of ["acme", "globex"]) {
      const current = await call(`/admin/tenants/${tenant}/manifest`, undefined, admin);
      const { manifest } = await current.response.json<{ manifest: unknown }>();
      const validated = await call(`/admin/tenants/${tenant}/manifest/validate`, manifest, admin);
      expect(await validated.response.json()).toEqual({ valid: true, issues: [] });
    }
  });

  it("refuses a manifest for another tenant than the path names", async () => {
    const { response } = await put("someone-else", freshTenant("valco"));
    expect(response.status).toBe(400);
    expect((await response.json<{ error: { param: string } }>()).error.param).toBe("/tenant");
  });
});

describe("manifest apply", () => {
  it("dry-runs a diff, applies a new version visible at once, records who/when/what", async () => {
    const tenant = `apply-${crypto.randomUUID().slice(0, 8)}`;
    const first = freshTenant(tenant);
    const applied = await call(`/admin/tenants/${tenant}/manifest`, first, {
      ...admin,
      method: "PUT",
      headers: { "x-switchyard-actor": "alice" },
    });
    expect(await applied.response.json()).toMatchObject({ applied: true, version: 1 });

    const keyResponse = await call(`/admin/tenants/${tenant}/keys`, { name: "ci" }, admin);
    expect(keyResponse.response.status).toBe(201);
    const { key, id } = await keyResponse.response.json<{ key: string; id: string }>();
    expect(key).toMatch(new RegExp(`^sk-${tenant}-`));
    expect((await chat({ model: "ok" }, { key })).response.status).toBe(200);
    expect((await chat({ model: "brand-new" }, { key })).response.status).toBe(404);

    const second = structuredClone(first);
    second.tasks.push({ name: "brand-new", allow_pinning: false, rules: [{ id: "only", target: "ok-v1" }] });
    const dry = await put(tenant, second, "?dry_run=true");
    const dryBody = await dry.response.json<{ dry_run: boolean; changes: { op: string; path: string }[] }>();
    expect(dryBody.dry_run).toBe(true);
    expect(dryBody.changes).toEqual([expect.objectContaining({ op: "add", path: "/tasks/brand-new" })]);
    expect((await chat({ model: "brand-new" }, { key })).response.status).toBe(404);

    const apply2 = await call(`/admin/tenants/${tenant}/manifest`, second, {
      ...admin,
      method: "PUT",
      headers: { "x-switchyard-actor": "bob" },
    });
    expect(await apply2.response.json()).toMatchObject({ applied: true, version: 2 });
    const routed = await chat({ model: "brand-new" }, { key });
    expect(routed.response.status).toBe(200);
    expect(routed.response.headers.get("x-switchyard-route")).toBe("only");

    const again = await put(tenant, second);
    expect(await again.response.json()).toMatchObject({ applied: false, version: 2, changes: [] });

    const history = await call(`/admin/tenants/${tenant}/manifests`, undefined, admin);
    const { data } = await history.response.json<{
      data: { version: number; applied_by: string; applied_at: number; changes: unknown[] }[];
    }>();
    expect(data.map((d) => [d.version, d.applied_by])).toEqual([
      [2, "bob"],
      [1, "alice"],
    ]);
    expect(data[0].changes).toHaveLength(1);
    expect(data[0].applied_at).toBeGreaterThan(0);

    const read = await call(`/admin/tenants/${tenant}/manifest`, undefined, admin);
    expect(await read.response.json()).toMatchObject({ version: 2, applied_by: "bob", manifest: { tenant } });

    const keys = await call(`/admin/tenants/${tenant}/keys`, undefined, admin);
    const listed = JSON.stringify(await keys.response.json());
    expect(listed).not.toContain(key);
    expect(listed).toContain(id);
    const revoked = await call(`/admin/tenants/${tenant}/keys/${id}`, undefined, { ...admin, method: "DELETE" });
    expect(revoked.response.status).toBe(200);
    expect((await chat({ model: "ok" }, { key })).response.status).toBe(401);
  });

  it("keys for an unknown tenant are a 404", async () => {
    const { response } = await call("/admin/tenants/no-such-tenant/keys", {}, admin);
    expect(response.status).toBe(404);
  });

  it("reports stats per adapter version", async () => {
    await chat({ model: "ok" }, { key: KEYS.testco });
    const { response } = await call("/admin/tenants/testco/stats", undefined, admin);
    expect(response.status).toBe(200);
    const body = await response.json<{ data: unknown[] }>();
    expect(Array.isArray(body.data)).toBe(true);
  });

  it("stores keys only as hashes", async () => {
    const rows = await env.DB.prepare("SELECT key_hash, prefix FROM api_keys WHERE tenant_id = 'acme'").all<{
      key_hash: string;
    }>();
    for (const r of rows.results) {
      expect(r.key_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(r.key_hash).not.toContain("sk-acme-dev");
    }
  });
});
