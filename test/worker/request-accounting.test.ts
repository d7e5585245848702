// Issue "no request unaccounted for": the gateway's request id is its own and
// unique, a caller's id travels as x-client-request-id; models.retrieve; the
// x-switchyard-user limit; feed cursors bound to their run; /admin 404s for
// unknown tenants; time filters in both forms; repeated query parameters.
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { call, chat, waitForInteraction } from "./helpers/gateway";
import { KEYS } from "./helpers/seed";

type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };
const admin = { key: "admin-dev" };

describe("request ids", () => {
  it("gives every request its own id even when a client reuses its own, and logs every one", async () => {
    const clientId = `retry-${crypto.randomUUID()}`;
    const headers = { "x-client-request-id": clientId, "x-request-id": "chatcmpl-chosen-by-client-000" };
    const answers = [];
    for (const model of ["fail500", "ok", "ok"]) {
      const { response, settled } = await chat({ model }, { key: KEYS.testco, headers });
      await response.text();
      await settled();
      answers.push(response);
    }
    const ids = answers.map((r) => r.headers.get("x-request-id")!);
    expect(new Set(ids).size).toBe(3);
    expect(ids).not.toContain("chatcmpl-chosen-by-client-000");
    expect(answers.map((r) => r.headers.get("x-client-request-id"))).toEqual([clientId, clientId, clientId]);
    for (const id of ids) await waitForInteraction(id);

    const { response } = await call(`/v1/interactions?client_request_id=${clientId}`, undefined, { key: KEYS.testco });
    const list = await response.json<{ data: { id: string; status: string; client_request_id: string }[] }>();
    expect(list.data.map((i) => i.id).sort()).toEqual([...ids].sort());
    expect(list.data.map((i) => i.status).sort()).toEqual(["ok", "ok", "upstream_error"]);
    expect(list.data.every((i) => i.client_request_id === clientId)).toBe(true);

    // Each answer's feedback token rates that answer, not the first one.
    const token = answers[2].headers.get("x-switchyard-feedback-token")!;
    const rated = await call(
      "/v1/feedback",
      { request_id: ids[2], rating: 1 },
      { key: null, headers: { "x-switchyard-feedback-token": token } },
    );
    expect(rated.response.status).toBe(200);
    const wrong = await call(
      "/v1/feedback",
      { request_id: ids[1], rating: 1 },
      { key: null, headers: { "x-switchyard-feedback-token": token } },
    );
    expect(wrong.response.status).toBe(401);
  });

  it("does not show one tenant's client ids to another", async () => {
    const clientId = `shared-${crypto.randomUUID()}`;
    const { response, settled } = await chat({ model: "support" }, { headers: { "x-client-request-id": clientId } });
    await settled();
    await waitForInteraction(response.headers.get("x-request-id")!);
    const other = await call(`/v1/interactions?client_request_id=${clientId}`, undefined, { key: KEYS.globex });
    expect((await other.response.json<{ data: unknown[] }>()).data).toEqual([]);
  });

  it.each([["x".repeat(513)], ["tab\there"], ["ünïcode"]])(
    "refuses x-client-request-id %j with a 400 naming it",
    async (value) => {
      const { response } = await chat({ model: "support" }, { headers: { "x-client-request-id": value } });
      expect(response.status).toBe(400);
      expect((await response.json<ErrorBody>()).error).toMatchObject({
        param: "x-client-request-id",
        code: "invalid_value",
      });
    },
  );
});

describe("GET /v1/models/{id}", () => {
  const sdk = (key: string) =>
    new OpenAI({
      apiKey: key,
      baseURL: "http://gateway.test/v1",
      fetch: async (input) => (await call(new URL(String(input)).pathname, undefined, { key })).response,
      maxRetries: 0,
    });

  it("retrieves one of the caller's tasks through the SDK", async () => {
    const model = await sdk(KEYS.acme).models.retrieve("support");
    expect(model).toMatchObject({ id: "support", object: "model", owned_by: "acme" });
  });

  it("retrieves task@version where pinning is allowed, with only that adapter", async () => {
    const { response } = await call("/v1/models/support@support-v2");
    expect(response.status).toBe(200);
    const body = await response.json<{ id: string; adapters: { version: string }[] }>();
    expect(body.id).toBe("support@support-v2");
    expect(body.adapters.map((a) => a.version)).toEqual(["support-v2"]);
  });

  it.each([
    ["an unknown task", "/v1/models/nope", KEYS.acme],
    ["another tenant's task", "/v1/models/tutoring", KEYS.acme],
    ["a version pinning does not allow", "/v1/models/billing@billing-v1", KEYS.acme],
  ])("answers %s with 404 model_not_found", async (_, path, key) => {
    const { response } = await call(path, undefined, { key });
    expect(response.status).toBe(404);
    expect((await response.json<ErrorBody>()).error).toMatchObject({ code: "model_not_found", param: "model" });
  });

  it("needs an API key", async () => {
    expect((await call("/v1/models/support", undefined, { key: null })).response.status).toBe(401);
  });
});

describe("x-switchyard-user", () => {
  it("takes 256 characters, as the body's user does, and refuses more naming the header", async () => {
    const ok = await chat(
      { model: "support" },
      { headers: { "x-switchyard-user": "u".repeat(256), "x-switchyard-dry-run": "1" } },
    );
    expect(ok.response.status).toBe(200);
    const { response } = await chat({ model: "support" }, { headers: { "x-switchyard-user": "u".repeat(257) } });
    expect(response.status).toBe(400);
    expect((await response.json<ErrorBody>()).error).toMatchObject({
      param: "x-switchyard-user",
      code: "invalid_value",
    });
  });
});

describe("feed cursors", () => {
  async function newFeed(key: string) {
    const name = `feed-${crypto.randomUUID().slice(0, 8)}`;
    const created = await call("/v1/exports/feeds", { name, format: "trl-kto" }, { key });
    expect(created.response.status).toBe(201);
    return name;
  }
  const run = async (name: string, key: string) => {
    const { response } = await call(`/v1/exports/feeds/${name}/next`, undefined, { key });
    await response.text();
    return response.headers.get("x-switchyard-feed-cursor")!;
  };
  const ack = (name: string, cursor: string, key: string) => call(`/v1/exports/feeds/${name}/ack`, { cursor }, { key });
  const watermark = async (name: string, key: string) => {
    const { response } = await call("/v1/exports/feeds", undefined, { key });
    return (await response.json<{ data: { name: string; watermark: number }[] }>()).data.find((f) => f.name === name)!
      .watermark;
  };

  it("refuses a cursor no run issued, one of another feed and one of another tenant", async () => {
    const name = await newFeed(KEYS.acme);
    const other = await newFeed(KEYS.acme);
    const theirs = await newFeed(KEYS.globex);
    await run(name, KEYS.acme);
    const forged = [`f1.${Date.now()}`, `f2.${Date.now()}.${"A".repeat(43)}`, await run(other, KEYS.acme)];
    for (const cursor of forged) {
      const { response } = await ack(name, cursor, KEYS.acme);
      expect(response.status, cursor).toBe(400);
      expect((await response.json<ErrorBody>()).error.param).toBe("cursor");
    }
    const globexCursor = await run(theirs, KEYS.globex);
    const { response: sameName } = await ack(theirs, globexCursor, KEYS.acme);
    expect(sameName.status).toBe(404); // acme has no feed of that name
    expect(await watermark(name, KEYS.acme)).toBe(0);
  });

  it("moves the watermark only forward on ack, and back only through reset", async () => {
    const name = await newFeed(KEYS.acme);
    const first = await run(name, KEYS.acme);
    const second = await run(name, KEYS.acme);
    expect((await ack(name, second, KEYS.acme)).response.status).toBe(200);
    const after = await watermark(name, KEYS.acme);
    expect(after).toBe(Number(second.split(".")[1]));
    expect((await ack(name, first, KEYS.acme)).response.status).toBe(200);
    expect(await watermark(name, KEYS.acme)).toBe(after);

    const reset = await call(
      `/v1/exports/feeds/${name}/reset`,
      { watermark: "2026-01-01T00:00:00Z" },
      { key: KEYS.acme },
    );
    expect(reset.response.status).toBe(200);
    expect(await watermark(name, KEYS.acme)).toBe(Date.parse("2026-01-01T00:00:00Z"));
    const bad = await call(`/v1/exports/feeds/${name}/reset`, { watermark: "yesterday" }, { key: KEYS.acme });
    expect(bad.response.status).toBe(400);
    const elsewhere = await call(`/v1/exports/feeds/${name}/reset`, { watermark: 0 }, { key: KEYS.globex });
    expect(elsewhere.response.status).toBe(404);
  });
});

describe("/admin for an unknown tenant", () => {
  it.each([
    ["GET", "/admin/tenants/no-such-tenant/manifest"],
    ["GET", "/admin/tenants/no-such-tenant/manifests"],
    ["GET", "/admin/tenants/no-such-tenant/keys"],
    ["GET", "/admin/tenants/no-such-tenant/stats"],
    ["DELETE", "/admin/tenants/no-such-tenant/keys/key_1"],
    ["POST", "/admin/tenants/no-such-tenant/keys"],
  ])("%s %s answers 404", async (method, path) => {
    const { response } = await call(path, method === "POST" ? {} : undefined, { ...admin, method });
    expect(response.status).toBe(404);
    expect((await response.json<ErrorBody>()).error).toMatchObject({ code: "not_found", param: "tenant" });
  });

  it("still lists a known tenant's keys", async () => {
    expect((await call("/admin/tenants/acme/keys", undefined, admin)).response.status).toBe(200);
  });
});

describe("time filters and query parameters", () => {
  it.each([["1767225600000"], ["2026-01-01T00:00:00Z"], ["2026-01-01"]])("stats take since=%s", async (since) => {
    const { response } = await call(`/admin/tenants/acme/stats?since=${since}`, undefined, admin);
    expect(response.status).toBe(200);
    expect((await response.json<{ since: number }>()).since).toBe(1767225600000);
  });

  it("an export job takes since/until as ISO 8601 as well as epoch ms", async () => {
    const { response } = await call("/v1/exports", {
      format: "trl-kto",
      since: "2026-01-01T00:00:00Z",
      until: 1798761600000,
    });
    expect(response.status).toBe(202);
    const job = await response.json<{ spec: { since: number; until: number } }>();
    expect(job.spec).toMatchObject({ since: 1767225600000, until: 1798761600000 });
  });

  it.each([
    ["/v1/interactions?limit=1&limit=2", KEYS.acme, "limit"],
    ["/v1/exports/training-data?format=trl-kto&tags=a&tags=b", KEYS.acme, "tags"],
  ])("refuses a repeated parameter, naming it: %s", async (path, key, param) => {
    const { response } = await call(path, undefined, { key });
    expect(response.status).toBe(400);
    const { error } = await response.json<ErrorBody>();
    expect(error).toMatchObject({ param, code: "invalid_value" });
    expect(error.message).toContain("more than once");
  });
});
