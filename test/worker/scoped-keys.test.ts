// Scoped API keys: each route family needs its scope (403 missing_scope
// naming it otherwise); a manage key administers its own tenant only (any
// other tenant's path is a 404, global routes stay with ADMIN_TOKEN);
// expiry and rotation with a grace period.
import { describe, expect, it } from "vitest";
import { call } from "./helpers/gateway";

type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };
const admin = { key: "admin-dev" };

async function newKey(tenant: string, body: Record<string, unknown>, key = "admin-dev") {
  const { response } = await call(`/admin/tenants/${tenant}/keys`, body, { key });
  expect(response.status, await response.clone().text()).toBe(201);
  return response.json<{ id: string; key: string; scopes: string[]; expires_at: number | null }>();
}

// One request per route family, and the scope it needs.
const routes: [string, string, string, unknown?][] = [
  ["chat", "POST", "/v1/chat/completions", { model: "support", messages: [{ role: "user", content: "hi" }] }],
  ["chat or read", "GET", "/v1/models"],
  ["chat or read", "GET", "/v1/models/support"],
  ["read", "GET", "/v1/interactions"],
  ["read", "GET", "/v1/interactions/chatcmpl-00000000000000000000000000000000"],
  ["read", "GET", "/v1/stats/versions?task=support"],
  ["feedback", "POST", "/v1/feedback", { request_id: "chatcmpl-00000000000000000000000000000000", rating: 1 }],
  ["export", "GET", "/v1/exports/training-data?format=trl-kto"],
  ["export", "GET", "/v1/exports/feeds"],
  ["export", "POST", "/v1/exports", { format: "trl-kto" }],
  ["manage", "GET", "/admin/tenants/acme/keys"],
  ["manage", "GET", "/admin/tenants/acme/manifest"],
  ["manage", "GET", "/admin/tenants/acme/stats"],
];
const scopesOf = (needed: string) => needed.split(" or ");
const ALL = ["chat", "feedback", "read", "export", "manage"];

describe("scopes", () => {
  it.each(routes)("%s: %s %s needs it, and works with it", async (needed, method, path, body) => {
    const holds = scopesOf(needed);
    const without = await newKey("acme", { name: "without", scopes: ALL.filter((s) => !holds.includes(s)) });
    const refused = await call(path, body, { key: without.key, method });
    expect(refused.response.status).toBe(403);
    const { error } = await refused.response.json<ErrorBody>();
    expect(error).toMatchObject({ type: "permission_error", code: "missing_scope" });
    for (const scope of holds) expect(error.message).toContain(scope);

    const withIt = await newKey("acme", { name: "with", scopes: [holds[0]] });
    const allowed = await call(path, body, { key: withIt.key, method });
    expect(allowed.response.status, await allowed.response.clone().text()).not.toBe(403);
    expect(allowed.response.status).toBeLessThan(500);
  });

  it("a key created without scopes holds all of them", async () => {
    const key = await newKey("acme", {});
    expect(key.scopes.sort()).toEqual([...ALL].sort());
  });

  it("refuses an unknown scope by name", async () => {
    const { response } = await call("/admin/tenants/acme/keys", { scopes: ["chat", "root"] }, admin);
    expect(response.status).toBe(400);
    expect((await response.json<ErrorBody>()).error.param).toBe("scopes[1]");
  });
});

describe("a manage key", () => {
  it("administers its own tenant", async () => {
    const { key } = await newKey("acme", { scopes: ["manage"] });
    expect((await call("/admin/tenants/acme/keys", undefined, { key })).response.status).toBe(200);
    const created = await call("/admin/tenants/acme/keys", { name: "by manage", scopes: ["chat"] }, { key });
    expect(created.response.status).toBe(201);
    const manifest = await call("/admin/tenants/acme/manifest", undefined, { key });
    expect(manifest.response.status).toBe(200);
  });

  it.each([
    ["GET", "/admin/tenants/globex/keys"],
    ["GET", "/admin/tenants/globex/manifest"],
    ["POST", "/admin/tenants/globex/keys"],
    ["DELETE", "/admin/tenants/globex/keys/key_1"],
    ["POST", "/admin/tenants/globex/manifest/validate"],
  ])("gets 404 for another tenant's %s %s", async (method, path) => {
    const { key } = await newKey("acme", { scopes: ["manage"] });
    const { response } = await call(path, method === "POST" ? {} : undefined, { key, method });
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain("globex-");
  });

  it("cannot reach global routes, which stay with ADMIN_TOKEN", async () => {
    const { key } = await newKey("acme", { scopes: ["manage"] });
    expect((await call("/admin/tenants", undefined, { key })).response.status).toBe(401);
    expect((await call("/admin/tenants", undefined, admin)).response.status).toBe(200);
  });
});

describe("expiry and rotation", () => {
  it("refuses an expires_at in the past, and takes ISO 8601", async () => {
    const past = await call("/admin/tenants/acme/keys", { expires_at: "2020-01-01T00:00:00Z" }, admin);
    expect(past.response.status).toBe(400);
    expect((await past.response.json<ErrorBody>()).error.param).toBe("expires_at");
    const future = await newKey("acme", { expires_at: "2999-01-01T00:00:00Z" });
    expect(future.expires_at).toBe(Date.parse("2999-01-01T00:00:00Z"));
  });

  it("rotation: the new key works, the old one until its grace period ends", async () => {
    const old = await newKey("acme", { name: "rotating", scopes: ["read"] });
    const rotated = await call(`/admin/tenants/acme/keys/${old.id}/rotate`, { grace_seconds: 3600 }, admin);
    expect(rotated.response.status).toBe(201);
    const fresh = await rotated.response.json<{
      key: string;
      scopes: string[];
      rotated_from: { expires_at: number };
    }>();
    expect(fresh.scopes).toEqual(["read"]);
    expect(fresh.rotated_from.expires_at).toBeGreaterThan(Date.now() + 3500_000);
    for (const key of [old.key, fresh.key]) {
      expect((await call("/v1/interactions", undefined, { key })).response.status).toBe(200);
    }
    const now = await call(`/admin/tenants/acme/keys/${old.id}/rotate`, { grace_seconds: 0 }, admin);
    expect(now.response.status).toBe(201);
    expect((await call("/v1/interactions", undefined, { key: old.key })).response.status).toBe(401);
    expect((await call("/v1/interactions", undefined, { key: fresh.key })).response.status).toBe(200);
  });

  it("a rotated key again gives a new key without the first grace as its expiry; an expired key cannot be rotated", async () => {
    const old = await newKey("acme", { name: "twice" });
    const first = await call(`/admin/tenants/acme/keys/${old.id}/rotate`, { grace_seconds: 3600 }, admin);
    const second = await call(`/admin/tenants/acme/keys/${old.id}/rotate`, { grace_seconds: 60 }, admin);
    expect(second.response.status).toBe(201);
    expect((await second.response.json<{ expires_at: number | null }>()).expires_at).toBeNull();
    expect(first.response.status).toBe(201);
    await call(`/admin/tenants/acme/keys/${old.id}/rotate`, { grace_seconds: 0 }, admin);
    const expired = await call(`/admin/tenants/acme/keys/${old.id}/rotate`, {}, admin);
    expect(expired.response.status).toBe(404);
  });

  it("rotating another tenant's key id is a 404", async () => {
    const theirs = await newKey("globex", {});
    const { key } = await newKey("acme", { scopes: ["manage"] });
    const { response } = await call(`/admin/tenants/acme/keys/${theirs.id}/rotate`, {}, { key });
    expect(response.status).toBe(404);
    expect((await call("/v1/models", undefined, { key: theirs.key })).response.status).toBe(200);
  });
});
