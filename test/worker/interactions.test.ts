// GET /v1/interactions[/{id}] through the real app inside workerd. A tenant
// of this file's own (fresh id per run) holds a known set of interactions, so
// listing without filters has an exact expected answer even though the test
// D1 is shared with the other worker test files.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { storeApiKey } from "../../src/auth/api-keys";
import { call, chat, resetGateway, waitForInteraction } from "./helpers/gateway";
import { applyTestManifest, KEYS } from "./helpers/seed";

type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };
type Summary = {
  id: string;
  created_at: number;
  task: string;
  adapter_version: string;
  audience: string | null;
  status: string;
  user: string;
};
type Page = { object: string; data: Summary[]; has_more: boolean; next_cursor: string | null };

const tenant = `ix-${crypto.randomUUID().slice(0, 8)}`;
const key = `sk-${tenant}-${crypto.randomUUID()}`;
const own = { key };
const userA = `ix-user-${crypto.randomUUID()}`;
const userB = `ix-user-${crypto.randomUUID()}`;

function manifest() {
  const upstream = (id: string, headers: Record<string, string> = {}) => ({
    id,
    kind: "openai-compatible",
    base_url: env.DEV_UPSTREAM_URL,
    dialect: "vllm",
    timeout_ms: 5000,
    headers,
  });
  const adapter = (name: string, version: string, up: string, served_name: string) => ({
    name,
    version,
    upstream: up,
    base_model: "meta-llama/Llama-3.1-8B-Instruct",
    served_name,
  });
  return {
    tenant,
    display_name: "Interactions test tenant",
    upstreams: [upstream("dev"), upstream("broken", { "x-dev-fail": "500" })],
    adapters: [
      adapter("ix-alpha", "alpha-v1", "dev", "acme-support-v1"),
      adapter("ix-alpha", "alpha-v2", "dev", "acme-support-v2"),
      adapter("ix-beta", "beta-v1", "dev", "acme-billing-v1"),
      adapter("ix-broken", "broken-v1", "broken", "acme-support-v1"),
    ],
    tasks: [
      {
        name: "alpha",
        rules: [
          { id: "alpha-dev", when: { audience: { equals: "developer" } }, target: "alpha-v2" },
          { id: "alpha-rule", target: "alpha-v1" },
        ],
      },
      { name: "beta", rules: [{ id: "beta-rule", target: "beta-v1" }] },
      { name: "broken", rules: [{ id: "broken-rule", target: "broken-v1" }] },
    ],
  };
}

// What each interaction is, by name; ids are filled in by beforeAll.
const plan = {
  alphaCustomer: { body: { model: "alpha", user: userA }, audience: "customer" },
  alphaV2Developer: { body: { model: "alpha", user: userA }, audience: "developer" },
  betaCustomer: { body: { model: "beta", user: userA }, audience: "customer" },
  broken: { body: { model: "broken", user: userA }, audience: undefined },
  alphaPlain: { body: { model: "alpha", user: userA }, audience: undefined },
  betaOtherUser: { body: { model: "beta", user: userB }, audience: undefined },
} as const;
type Name = keyof typeof plan;
const ids = {} as Record<Name, string>;
let all: Summary[] = [];

const list = async (query: string, options = own) => {
  const { response } = await call(`/v1/interactions${query}`, undefined, options);
  expect(response.status, await response.clone().text()).toBe(200);
  return response.json<Page>();
};
const idsOf = (page: Page) => page.data.map((i) => i.id);
const namesOf = (page: Page) => idsOf(page).map((id) => Object.entries(ids).find(([, v]) => v === id)?.[0]);

beforeAll(async () => {
  await applyTestManifest(manifest());
  await storeApiKey(env.DB, tenant, key, "interactions test", Date.now());
  resetGateway();
  await Promise.all(
    Object.entries(plan).map(async ([name, { body, audience }]) => {
      const headers: Record<string, string> = { "x-client-request-id": `ix-${name}` };
      if (audience) headers["x-switchyard-audience"] = audience;
      const { response } = await chat(body, { key, headers });
      expect(response.status, `${name}: ${await response.clone().text()}`).toBe(name === "broken" ? 502 : 200);
      ids[name as Name] = response.headers.get("x-request-id")!;
      await response.text();
    }),
  );
  await Promise.all(Object.values(ids).map((id) => waitForInteraction(id)));
  // Ratings for the rating filter: alphaCustomer up, betaCustomer down (and one up).
  for (const [name, rating, user] of [
    ["alphaCustomer", 1, "r1"],
    ["betaCustomer", -1, "r1"],
    ["betaCustomer", 1, "r2"],
  ] as const) {
    const { response } = await call("/v1/feedback", { request_id: ids[name], rating, user }, own);
    expect(response.status).toBe(200);
  }
  all = (await list("?limit=100")).data;
}, 30_000);

describe("list", () => {
  it("returns exactly the tenant's interactions, newest first, in OpenAI list shape", async () => {
    const page = await list("");
    expect(page.object).toBe("list");
    expect(page.has_more).toBe(false);
    expect(page.next_cursor).toBeNull();
    expect(new Set(idsOf(page))).toEqual(new Set(Object.values(ids)));
    const keys = page.data.map((i) => [i.created_at, i.id] as const);
    const sorted = [...keys].sort((a, b) => b[0] - a[0] || (a[1] < b[1] ? 1 : a[1] > b[1] ? -1 : 0));
    expect(keys).toEqual(sorted);
    const alpha = page.data.find((i) => i.id === ids.alphaCustomer)!;
    expect(alpha).toMatchObject({
      object: "interaction",
      task: "alpha",
      adapter: "ix-alpha",
      adapter_version: "alpha-v1",
      route: "alpha-rule",
      audience: "customer",
      user: userA,
      status: "ok",
      stream: false,
      feedback_summary: { up: 1, down: 0 },
    });
    expect(alpha).not.toHaveProperty("client_messages");
  });

  it("pages with limit=2 without gaps or duplicates", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Page = await list(`?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      pages++;
      expect(page.data.length).toBeLessThanOrEqual(2);
      expect(page.has_more).toBe(page.next_cursor !== null);
      seen.push(...idsOf(page));
      cursor = page.next_cursor;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(all.map((i) => i.id));
  });

  it("defaults to 20 per page", async () => {
    const { response } = await call("/v1/interactions");
    const page = await response.json<Page>();
    expect(page.data.length).toBeLessThanOrEqual(20);
  });
});

describe("filters", () => {
  it.each([
    ["task=beta", ["betaCustomer", "betaOtherUser"]],
    ["adapter=ix-alpha", ["alphaCustomer", "alphaV2Developer", "alphaPlain"]],
    ["version=alpha-v2", ["alphaV2Developer"]],
    ["audience=customer", ["alphaCustomer", "betaCustomer"]],
    ["audience=developer", ["alphaV2Developer"]],
    ["status=upstream_error", ["broken"]],
    ["status=timeout", []],
    [`user=${userB}`, ["betaOtherUser"]],
    ["rating=1", ["alphaCustomer", "betaCustomer"]],
    ["rating=-1", ["betaCustomer"]],
    ["task=alpha&audience=customer", ["alphaCustomer"]],
    ["task=no-such-task", []],
  ])("%s", async (query, expected) => {
    const page = await list(`?${query}`);
    expect(namesOf(page).sort()).toEqual([...expected].sort());
  });

  it("since (inclusive) and until (exclusive), as epoch ms or ISO 8601", async () => {
    const times = [...new Set(all.map((i) => i.created_at))].sort((a, b) => a - b);
    const pivot = times[Math.floor(times.length / 2)];
    const expectIds = (pred: (t: number) => boolean) => all.filter((i) => pred(i.created_at)).map((i) => i.id);

    expect(idsOf(await list(`?since=${pivot}`))).toEqual(expectIds((t) => t >= pivot));
    expect(idsOf(await list(`?until=${pivot}`))).toEqual(expectIds((t) => t < pivot));
    const iso = new Date(pivot).toISOString();
    expect(idsOf(await list(`?since=${encodeURIComponent(iso)}`))).toEqual(expectIds((t) => t >= pivot));
    expect(idsOf(await list(`?since=${times[0]}&until=${times.at(-1)! + 1}`))).toEqual(all.map((i) => i.id));
    expect(idsOf(await list(`?until=${times[0]}`))).toEqual([]);
    expect(idsOf(await list("?since=2000-01-01&until=2000-01-02"))).toEqual([]);
  });
});

describe("bad parameters → 400 naming the param", () => {
  const garbageCursor = btoa(JSON.stringify({ not: "a cursor" })).replace(/=+$/, "");
  it.each([
    ["limit=0", "limit"],
    ["limit=101", "limit"],
    ["limit=abc", "limit"],
    ["limit=2.5", "limit"],
    ["cursor=!!!", "cursor"],
    [`cursor=${garbageCursor}`, "cursor"],
    ["since=yesterday", "since"],
    ["since=2026-13-45T00:00:00Z", "since"],
    ["until=2026-02-30T99:00", "until"],
    ["until=2026-02-30", "until"],
    ["since=2000&until=1000", "until"],
    ["status=weird", "status"],
    ["rating=2", "rating"],
    ["rating=up", "rating"],
    [`task=${"x".repeat(300)}`, "task"],
  ])("%s", async (query, param) => {
    const { response } = await call(`/v1/interactions?${query}`, undefined, own);
    expect(response.status).toBe(400);
    const { error } = await response.json<ErrorBody>();
    expect(error.type).toBe("invalid_request_error");
    expect(error.param).toBe(param);
  });
});

describe("one interaction", () => {
  it("returns the full record with its feedback", async () => {
    const { response } = await call(`/v1/interactions/${ids.betaCustomer}`, undefined, own);
    expect(response.status).toBe(200);
    const body = await response.json<Record<string, unknown> & { feedback: Record<string, unknown>[] }>();
    expect(body).toMatchObject({
      id: ids.betaCustomer,
      object: "interaction",
      task: "beta",
      adapter_version: "beta-v1",
      status: "ok",
      client_messages: [{ role: "user", content: "hello" }],
      feedback_summary: { up: 1, down: 1 },
    });
    expect(Array.isArray(body.upstream_messages)).toBe(true);
    expect(typeof body.response_text).toBe("string");
    expect(body.usage).toMatchObject({ prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) });
    expect(body.feedback.map((f) => [f.user, f.rating])).toEqual([
      ["r1", -1],
      ["r2", 1],
    ]);
  });

  it("records a failed request's status and error", async () => {
    const { response } = await call(`/v1/interactions/${ids.broken}`, undefined, own);
    expect(await response.json()).toMatchObject({
      status: "upstream_error",
      http_status: 502,
      error: expect.any(String),
    });
  });

  it("an unknown id is 404 naming it", async () => {
    const { response } = await call("/v1/interactions/ix-no-such-request-id", undefined, own);
    expect(response.status).toBe(404);
    expect((await response.json<ErrorBody>()).error).toMatchObject({ type: "not_found_error", param: "id" });
  });

  it("needs an API key", async () => {
    for (const path of ["/v1/interactions", `/v1/interactions/${ids.alphaPlain}`]) {
      const { response } = await call(path, undefined, { key: null });
      expect(response.status).toBe(401);
    }
  });
});

describe("tenant isolation", () => {
  it("acme cannot see this tenant's interactions, and this tenant cannot see acme's", async () => {
    const { response: acmeChat } = await chat({ model: "support" });
    const acmeId = acmeChat.headers.get("x-request-id")!;
    await acmeChat.text();
    const acmeRow = await waitForInteraction(acmeId);

    // Ours from acme: the same 404 as an id nobody has.
    const theirs = await call(`/v1/interactions/${ids.alphaCustomer}`, undefined, { key: KEYS.acme });
    const nobody = await call("/v1/interactions/ix-nobody-has-this-id", undefined, { key: KEYS.acme });
    expect(theirs.response.status).toBe(404);
    expect(nobody.response.status).toBe(404);
    const [t, n] = [await theirs.response.json<ErrorBody>(), await nobody.response.json<ErrorBody>()];
    expect({ ...t.error, message: "" }).toEqual({ ...n.error, message: "" });

    const acmeList = await list(`?user=${userA}&limit=100`, { key: KEYS.acme });
    expect(acmeList.data).toEqual([]);
    const acmeRated = await list(`?since=${all.at(-1)!.created_at}&limit=100`, { key: KEYS.acme });
    for (const id of Object.values(ids)) expect(idsOf(acmeRated)).not.toContain(id);

    // Acme's from ours.
    expect((await call(`/v1/interactions/${acmeId}`, undefined, own)).response.status).toBe(404);
    const ours = await list(`?since=${Number(acmeRow.created_at) - 1}&limit=100`);
    expect(idsOf(ours)).not.toContain(acmeId);
    expect((await list("?limit=100")).data.length).toBe(Object.keys(ids).length);
  });
});
