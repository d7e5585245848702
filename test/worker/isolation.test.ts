// Tenant isolation, table-driven, through the real Worker inside workerd:
// tenant A (acme) makes chat completions, rates one, runs a feed and an
// export job and gets an API key; tenant B (globex) then calls every route
// with A's ids, tokens, cursors, names and key id. Each row says which
// statuses the route may answer: 404/401/403, or 200 where B only reaches its
// own data (its lists, feedback on an id it names, erasing nothing). Every
// answer, headers included, is searched for A's data: a value of A's that B
// did not send itself is a leak. A row marked sameAsNobody must get exactly
// the answer a request naming nothing that exists gets, so B learns nothing.
//
// The table is keyed by the app's routes (createApp().app.routes): a route
// without a row fails the "every route has a row" test. Every /admin route
// also gets the rows of one rule: B's key and A's feedback token never reach
// A's tenant (its manage scope reaches only B's own).
import { createExecutionContext, introspectWorkflow, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { gateway, waitForInteraction } from "./helpers/gateway";
import { KEYS } from "./helpers/seed";

const ADMIN = "admin-dev";

interface Req {
  method: string;
  path: string;
  auth?: string | null;
  headers?: Record<string, string>;
  body?: unknown;
}
interface Answer {
  status: number;
  text: string;
  headers: Headers;
  json: () => any;
}

async function send(r: Req): Promise<Answer> {
  const headers = new Headers(r.headers);
  if (r.auth) headers.set("authorization", `Bearer ${r.auth}`);
  if (r.body !== undefined) headers.set("content-type", "application/json");
  const request = new Request(`http://gateway.test${r.path}`, {
    method: r.method,
    headers,
    body: r.body === undefined ? undefined : JSON.stringify(r.body),
  });
  const ctx = createExecutionContext();
  const response = await gateway().fetch(request as never, env, ctx);
  const text = await response.text();
  await waitOnExecutionContext(ctx);
  return { status: response.status, text, headers: response.headers, json: () => JSON.parse(text) };
}

// ── what A made, and what B has of its own ───────────────────────────────

interface TenantA {
  tenant: string;
  task: string;
  /** task@version of A's that pinning reaches. */
  pinned: string;
  id: string;
  otherId: string;
  token: string;
  clientId: string;
  user: string;
  question: string;
  correction: string;
  comment: string;
  feed: string;
  cursor: string;
  listCursor: string;
  jobId: string;
  keyId: string;
  /** An API key of A's, made by the operator for this test. */
  apiKey: string;
}
interface Fixture {
  a: TenantA;
  b: { tenant: string; key: string; id: string; token: string; feed: string };
}

const tag = crypto.randomUUID().replaceAll("-", "").slice(0, 12);
let fx: Fixture;
/** The same shapes as A's values, naming nothing that exists: B must get the same answers for both. */
let nobody: Fixture;
let workflows: Awaited<ReturnType<typeof introspectWorkflow>>;
const since = Date.now() - 1000;

/** Values of A that must never reach B unless B sent them itself. */
const secretsOf = (a: TenantA) => [
  a.id,
  a.otherId,
  a.token,
  a.clientId,
  a.user,
  a.question,
  a.correction,
  a.comment,
  a.feed,
  a.cursor,
  a.listCursor,
  a.jobId,
  a.keyId,
  a.apiKey,
];

beforeAll(async () => {
  workflows = await introspectWorkflow(env.EXPORTS);
  const A = KEYS.acme;
  const a = {
    tenant: "acme",
    task: "support",
    pinned: "support@support-v1",
    clientId: `iso-client-${tag}`,
    user: `iso-user-${tag}`,
    question: `isolation question ${tag}`,
    correction: `isolation correction ${tag}`,
    comment: `isolation comment ${tag}`,
    feed: `iso-${tag}`,
  };
  const ask = () =>
    send({
      method: "POST",
      path: "/v1/chat/completions",
      auth: A,
      headers: { "x-client-request-id": a.clientId },
      body: { model: a.task, user: a.user, messages: [{ role: "user", content: a.question }] },
    });
  const first = await ask();
  const second = await ask();
  expect([first.status, second.status]).toEqual([200, 200]);
  const id = first.headers.get("x-request-id")!;
  const otherId = second.headers.get("x-request-id")!;
  await waitForInteraction(id);
  await waitForInteraction(otherId);
  const rated = await send({
    method: "POST",
    path: "/v1/feedback",
    auth: A,
    body: { request_id: id, rating: -1, correction: a.correction, comment: a.comment, user: a.user, tags: ["iso"] },
  });
  expect(rated.status).toBe(200);
  const page = await send({ method: "GET", path: `/v1/interactions?user=${a.user}&limit=1`, auth: A });
  const feed = await send({
    method: "POST",
    path: "/v1/exports/feeds",
    auth: A,
    body: { name: a.feed, format: "trl-kto", since },
  });
  expect(feed.status).toBe(201);
  const run = await send({ method: "GET", path: `/v1/exports/feeds/${a.feed}/next`, auth: A });
  expect(run.text).toContain(a.correction);
  const job = await send({ method: "POST", path: "/v1/exports", auth: A, body: { format: "openai-sft", since } });
  expect(job.status).toBe(202);
  for (const instance of workflows.get()) await instance.waitForStatus("complete");
  const key = await send({ method: "POST", path: "/admin/tenants/acme/keys", auth: ADMIN, body: { name: "iso" } });
  expect(key.status).toBe(201);

  const B = KEYS.globex;
  const bChat = await send({
    method: "POST",
    path: "/v1/chat/completions",
    auth: B,
    body: { model: "tutoring", messages: [{ role: "user", content: "hello" }] },
  });
  const bFeed = `iso-b-${tag}`;
  const made = await send({
    method: "POST",
    path: "/v1/exports/feeds",
    auth: B,
    body: { name: bFeed, format: "trl-kto" },
  });
  expect(made.status).toBe(201);

  fx = {
    a: {
      ...a,
      id,
      otherId,
      token: first.headers.get("x-switchyard-feedback-token")!,
      cursor: run.headers.get("x-switchyard-feed-cursor")!,
      listCursor: page.json().next_cursor,
      jobId: job.json().id,
      keyId: key.json().id,
      apiKey: key.json().key,
    },
    b: {
      tenant: "globex",
      key: B,
      id: bChat.headers.get("x-request-id")!,
      token: bChat.headers.get("x-switchyard-feedback-token")!,
      feed: bFeed,
    },
  };
  expect(fx.a.listCursor).toEqual(expect.any(String));
  nobody = {
    ...fx,
    a: {
      ...fx.a,
      tenant: `iso-nobody-${tag}`,
      task: `iso-no-task-${tag}`,
      pinned: `iso-no-task-${tag}@support-v1`,
      id: `chatcmpl-${"0".repeat(32)}`,
      otherId: `chatcmpl-${"1".repeat(32)}`,
      feed: `iso-nobody-${tag}`,
      jobId: `exp_${"0".repeat(32)}`,
      keyId: "key_0000000000000000",
    },
  };
}, 60_000);
afterAll(() => workflows?.dispose());

// ── the table ─────────────────────────────────────────────────────────────

interface Row {
  name: string;
  /** The request, built from what A made (or, for the comparison, from `nobody`). */
  req: (f: Fixture) => Req;
  status: number[];
  /** The answer must equal the one for the same request naming nothing that exists. */
  sameAsNobody?: boolean;
  check?: (answer: Answer, f: Fixture) => unknown;
}

const B = KEYS.globex;
const get = (path: string, auth: string | null = B): Req => ({ method: "GET", path, auth });
const post = (path: string, body: unknown, auth: string | null = B, headers?: Record<string, string>): Req => ({
  method: "POST",
  path,
  auth,
  body,
  headers,
});
const idsIn = (answer: Answer): string[] =>
  answer.json().data.map((d: { id?: string; name?: string }) => d.id ?? d.name);

const ROWS: Record<string, Row[]> = {
  "GET /healthz": [{ name: "B's key", req: () => get("/healthz"), status: [200] }],
  "GET /openapi.json": [{ name: "B's key", req: () => get("/openapi.json"), status: [200] }],
  "GET /docs": [{ name: "B's key", req: () => get("/docs"), status: [200] }],
  "POST /v1/chat/completions": [
    {
      name: "B's key, model = A's task",
      req: (f) => post("/v1/chat/completions", { model: f.a.task, messages: [{ role: "user", content: "hi" }] }),
      status: [404],
      sameAsNobody: true,
    },
    {
      name: "B's key, model = A's task@version",
      req: (f) => post("/v1/chat/completions", { model: f.a.pinned, messages: [{ role: "user", content: "hi" }] }),
      status: [404],
      sameAsNobody: true,
    },
    {
      name: "A's feedback token as the API key",
      req: (f) =>
        post("/v1/chat/completions", { model: "tutoring", messages: [{ role: "user", content: "hi" }] }, f.a.token),
      status: [401],
    },
  ],
  "GET /v1/models": [
    {
      name: "B's key lists only B's tasks",
      req: () => get("/v1/models"),
      status: [200],
      check: (answer, f) => expect(idsIn(answer)).not.toContain(f.a.task),
    },
  ],
  "GET /v1/models/:id": [
    { name: "B's key, A's task", req: (f) => get(`/v1/models/${f.a.task}`), status: [404], sameAsNobody: true },
    {
      name: "B's key, A's task@version",
      req: (f) => get(`/v1/models/${f.a.pinned}`),
      status: [404],
      sameAsNobody: true,
    },
  ],
  "GET /v1/stats/versions": [
    {
      name: "B's key, A's task",
      req: (f) => get(`/v1/stats/versions?task=${f.a.task}&by=audience&interval=hour&since=${since}`),
      status: [404],
      sameAsNobody: true,
    },
    {
      name: "B's key, its own task: none of A's versions or audiences",
      req: () => get(`/v1/stats/versions?task=tutoring&by=audience&since=${since}`),
      status: [200],
      check: (answer) => expect(answer.text).not.toMatch(/support-|acme/),
    },
    { name: "A's feedback token", req: (f) => get(`/v1/stats/versions?task=${f.a.task}`, f.a.token), status: [401] },
  ],
  "POST /v1/feedback": [
    {
      // Feedback is taken before its interaction is logged, so B may rate an id
      // it does not have: it is stored as B's and never joins A's interaction.
      name: "B's key, A's request id",
      req: (f) => post("/v1/feedback", { request_id: f.a.id, rating: 1, correction: `from B ${tag}`, user: "b-user" }),
      status: [200],
      check: async (answer, f) => {
        expect(answer.json()).toMatchObject({ interaction_found: false });
        const mine = await send(get(`/v1/interactions/${f.a.id}`, KEYS.acme));
        expect(mine.text).not.toContain(`from B ${tag}`);
        expect(mine.json().feedback_summary).toEqual({ up: 0, down: 1 });
      },
    },
    {
      name: "A's feedback token, B's request id",
      req: (f) => post("/v1/feedback", { request_id: f.b.id, rating: 1 }, f.a.token),
      status: [401],
    },
    {
      name: "A's feedback token in its header, another of A's ids",
      req: (f) =>
        post("/v1/feedback", { request_id: f.a.otherId, rating: 1 }, null, {
          "x-switchyard-feedback-token": f.a.token,
        }),
      status: [401],
    },
    {
      name: "A's feedback token relabelled as B's tenant",
      req: (f) =>
        post("/v1/feedback", { request_id: f.a.id, rating: 1 }, f.a.token.replace(/^v1\.acme\./, "v1.globex.")),
      status: [401],
    },
    {
      name: "B's feedback token, A's request id",
      req: (f) => post("/v1/feedback", { request_id: f.a.id, rating: 1 }, f.b.token),
      status: [401],
    },
  ],
  "GET /v1/interactions": [
    {
      name: "B's key, A's client_request_id",
      req: (f) => get(`/v1/interactions?client_request_id=${f.a.clientId}`),
      status: [200],
      check: (answer) => expect(answer.json().data).toEqual([]),
    },
    {
      name: "B's key, A's user",
      req: (f) => get(`/v1/interactions?user=${f.a.user}`),
      status: [200],
      check: (answer) => expect(answer.json().data).toEqual([]),
    },
    {
      name: "B's key, A's list cursor",
      req: (f) => get(`/v1/interactions?cursor=${f.a.listCursor}&limit=100`),
      status: [200],
    },
    { name: "B's key, all of it", req: () => get("/v1/interactions?limit=100"), status: [200] },
  ],
  "GET /v1/interactions/:id": [
    {
      name: "B's key, A's request id",
      req: (f) => get(`/v1/interactions/${f.a.id}`),
      status: [404],
      sameAsNobody: true,
    },
    { name: "A's feedback token", req: (f) => get(`/v1/interactions/${f.a.id}`, f.a.token), status: [401] },
  ],
  "DELETE /v1/interactions/:id": [
    {
      name: "B's key, A's request id",
      req: (f) => ({ method: "DELETE", path: `/v1/interactions/${f.a.otherId}`, auth: f.b.key }),
      status: [403, 404],
      sameAsNobody: true,
      check: async (_, f) => expect((await send(get(`/v1/interactions/${f.a.otherId}`, KEYS.acme))).status).toBe(200),
    },
    {
      // B's own feedback on A's id (the POST /v1/feedback row) is B's to erase; A's interaction and feedback are not.
      name: "B's key, A's request id that B rated",
      req: (f) => ({ method: "DELETE", path: `/v1/interactions/${f.a.id}`, auth: f.b.key }),
      status: [200, 403, 404],
      check: async (answer, f) => {
        if (answer.status === 200) expect(answer.json().erased).toMatchObject({ interactions: 0, blobs: 0 });
        const mine = await send(get(`/v1/interactions/${f.a.id}`, KEYS.acme));
        expect(mine.json().feedback).toHaveLength(1);
      },
    },
    {
      name: "A's feedback token",
      req: (f) => ({ method: "DELETE", path: `/v1/interactions/${f.a.id}`, auth: f.a.token }),
      status: [401],
    },
  ],
  "DELETE /v1/users/:user": [
    {
      // Erasing a user B does not have erases nothing (0 is not an error), and none of A's.
      name: "B's key, A's end user",
      req: (f) => ({ method: "DELETE", path: `/v1/users/${f.a.user}`, auth: f.b.key }),
      status: [200, 403],
      check: async (answer, f) => {
        if (answer.status === 200) expect(answer.json().erased).toEqual({ interactions: 0, feedback: 0, blobs: 0 });
        const mine = await send(get(`/v1/interactions?user=${f.a.user}`, KEYS.acme));
        expect(idsIn(mine)).toEqual(expect.arrayContaining([f.a.id, f.a.otherId]));
      },
    },
    {
      name: "A's feedback token",
      req: (f) => ({ method: "DELETE", path: `/v1/users/${f.a.user}`, auth: f.a.token }),
      status: [401],
    },
  ],
  "GET /v1/exports/training-data": [
    {
      name: "B's key, A's task",
      req: (f) => get(`/v1/exports/training-data?format=trl-kto&task=${f.a.task}&include_stats=true`),
      status: [200],
      check: (answer) => expect(answer.text.trim().split("\n")).toHaveLength(1), // the stats line only
    },
    {
      name: "B's key, everything since A's data",
      req: () => get(`/v1/exports/training-data?format=openai-sft&since=${since}`),
      status: [200],
    },
  ],
  "GET /v1/exports/feeds": [
    {
      name: "B's key lists only B's feeds",
      req: () => get("/v1/exports/feeds"),
      status: [200],
      check: (answer, f) => expect(idsIn(answer)).toContain(f.b.feed),
    },
  ],
  "GET /v1/exports/feeds/:name/next": [
    {
      name: "B's key, A's feed",
      req: (f) => get(`/v1/exports/feeds/${f.a.feed}/next`),
      status: [404],
      sameAsNobody: true,
    },
  ],
  "POST /v1/exports/feeds/:name/ack": [
    {
      name: "B's key, A's feed and cursor",
      req: (f) => post(`/v1/exports/feeds/${f.a.feed}/ack`, { cursor: f.a.cursor }),
      status: [404],
      sameAsNobody: true,
    },
    {
      name: "B's key, B's feed, A's cursor",
      req: (f) => post(`/v1/exports/feeds/${f.b.feed}/ack`, { cursor: f.a.cursor }),
      status: [400],
      check: (answer) => expect(answer.json().error.param).toBe("cursor"),
    },
  ],
  "POST /v1/exports/feeds/:name/reset": [
    {
      name: "B's key, A's feed",
      req: (f) => post(`/v1/exports/feeds/${f.a.feed}/reset`, { watermark: 0 }),
      status: [404],
      sameAsNobody: true,
    },
  ],
  "GET /v1/exports/feeds/:name/lineage": [
    {
      name: "B's key, A's feed and cursor",
      req: (f) => get(`/v1/exports/feeds/${f.a.feed}/lineage?cursor=${encodeURIComponent(f.a.cursor)}`),
      status: [404],
      sameAsNobody: true,
    },
    {
      name: "B's key, B's feed, A's cursor",
      req: (f) => get(`/v1/exports/feeds/${f.b.feed}/lineage?cursor=${encodeURIComponent(f.a.cursor)}`),
      status: [400],
      check: (answer) => expect(answer.json().error.param).toBe("cursor"),
    },
  ],
  "GET /v1/exports/feeds/:name/erasures": [
    {
      name: "B's key, A's feed",
      req: (f) => get(`/v1/exports/feeds/${f.a.feed}/erasures`),
      status: [404],
      sameAsNobody: true,
    },
  ],
  "POST /v1/exports": [
    {
      name: "B's key, A's filters: B's job exports none of A's data",
      req: (f) => post("/v1/exports", { format: "openai-sft", task: f.a.task, since }),
      status: [202],
      check: async (answer) => {
        const id = answer.json().id;
        for (const instance of workflows.get()) await instance.waitForStatus("complete");
        const file = await send(get(`/v1/exports/${id}/file`));
        expect(file.status).toBe(200);
        expect(file.text).toBe("");
      },
    },
  ],
  "GET /v1/exports/:id": [
    { name: "B's key, A's job", req: (f) => get(`/v1/exports/${f.a.jobId}`), status: [404], sameAsNobody: true },
  ],
  "GET /v1/exports/:id/file": [
    // 404, not 409 or the file: B cannot learn that the job exists, let alone read it.
    { name: "B's key, A's job", req: (f) => get(`/v1/exports/${f.a.jobId}/file`), status: [404], sameAsNobody: true },
  ],
  "GET /v1/exports/:id/lineage": [
    {
      name: "B's key, A's job",
      req: (f) => get(`/v1/exports/${f.a.jobId}/lineage`),
      status: [404],
      sameAsNobody: true,
    },
  ],
  // A manage key administers its own tenant only: B's, on B's own path, naming A's key.
  "GET /admin/tenants/:tenant/keys": [
    {
      name: "B's key, B's tenant: lists none of A's keys",
      req: (f) => get(`/admin/tenants/${f.b.tenant}/keys`),
      status: [200, 401, 403],
    },
  ],
  "DELETE /admin/tenants/:tenant/keys/:id": [
    {
      name: "B's key, B's tenant, A's key id",
      req: (f) => ({ method: "DELETE", path: `/admin/tenants/${f.b.tenant}/keys/${f.a.keyId}`, auth: f.b.key }),
      status: [401, 403, 404],
      sameAsNobody: true,
      check: async (_, f) => expect((await send(get("/v1/models", f.a.apiKey))).status).toBe(200),
    },
  ],
  "POST /admin/tenants/:tenant/keys/:id/rotate": [
    {
      name: "B's key, B's tenant, A's key id",
      req: (f) => post(`/admin/tenants/${f.b.tenant}/keys/${f.a.keyId}/rotate`, { grace_seconds: 0 }),
      status: [401, 403, 404],
      sameAsNobody: true,
      check: async (_, f) => {
        const keys = (await send(get(`/admin/tenants/${f.a.tenant}/keys`, ADMIN))).json().data;
        expect(keys.find((k: { id: string }) => k.id === f.a.keyId)).toMatchObject({ revoked_at: null });
        expect((await send(get("/v1/models", f.a.apiKey))).status).toBe(200);
      },
    },
  ],
  // Last: once B has a feed of A's name, the rows above would reach B's own feed.
  "POST /v1/exports/feeds": [
    {
      name: "B's key, A's feed name: B's own feed, not 409",
      req: (f) => post("/v1/exports/feeds", { name: f.a.feed, format: "trl-kto" }),
      status: [201],
      check: async (_, f) => {
        // A's cursor names (acme, feed), so it does not move B's feed of the same name.
        const ack = await send(post(`/v1/exports/feeds/${f.a.feed}/ack`, { cursor: f.a.cursor }));
        expect(ack.status).toBe(400);
        const next = await send(get(`/v1/exports/feeds/${f.a.feed}/next`));
        expect(next.status).toBe(200);
        expect(next.text).toBe("");
      },
    },
  ],
};

/**
 * /admin is the operator's (ADMIN_TOKEN); a tenant key may at most manage its
 * own tenant. Another tenant's key or a feedback token is refused on every
 * route: 401 (not a credential here), 403, or 404 (as if A did not exist).
 */
function adminRows(path: string, method: string): Row[] {
  const target = (f: Fixture) =>
    path.replace(/:(\w+)/g, (_, p: string) => ({ tenant: f.a.tenant, id: f.a.keyId })[p] ?? "x") +
    (method === "PUT" ? "?dry_run=true" : "");
  const body = ["GET", "DELETE"].includes(method) ? undefined : {};
  const tenantScoped = path.includes(":tenant");
  return [
    {
      name: "B's key",
      req: (f) => ({ method, path: target(f), auth: f.b.key, body }),
      status: [401, 403, 404],
      sameAsNobody: tenantScoped,
    },
    {
      name: "A's feedback token",
      req: (f) => ({ method, path: target(f), auth: f.a.token, body }),
      status: [401, 403, 404],
    },
  ];
}

const ROUTES = [
  ...new Map(
    createApp()
      .app.routes.filter((r) => r.method !== "ALL")
      .map((r) => [`${r.method} ${r.path}`, r]),
  ).values(),
];
const rowsOf = (method: string, path: string): Row[] | undefined => {
  const rows = [...(ROWS[`${method} ${path}`] ?? []), ...(path.startsWith("/admin/") ? adminRows(path, method) : [])];
  return rows.length ? rows : undefined;
};

// ── checks ────────────────────────────────────────────────────────────────

/** Everything B sent, so an echo of its own input is not counted as a leak. */
const sentText = (r: Req) =>
  `${r.path} ${r.auth ?? ""} ${JSON.stringify(r.headers ?? {})} ${JSON.stringify(r.body ?? null)}`;
const answerText = (a: Answer) => `${[...a.headers].map(([k, v]) => `${k}: ${v}`).join("\n")}\n${a.text}`;

function expectNoLeak(r: Req, answer: Answer, a: TenantA) {
  const sent = sentText(r);
  const text = answerText(answer);
  for (const secret of secretsOf(a)) {
    if (!sent.includes(secret)) expect(text, `A's '${secret.slice(0, 40)}' in the answer`).not.toContain(secret);
  }
}

/** The error with every value that names a thing masked, for comparing A's 404 with nobody's. */
function masked(answer: Answer, values: string[]) {
  let text = answer.text;
  for (const v of values.filter(Boolean).sort((x, y) => y.length - x.length)) text = text.split(v).join("<named>");
  return { status: answer.status, body: text };
}

describe("tenant isolation", () => {
  it("every route the app serves has an isolation row", () => {
    const missing = ROUTES.filter((r) => !rowsOf(r.method, r.path)).map((r) => `${r.method} ${r.path}`);
    expect(missing).toEqual([]);
    expect(ROUTES.length).toBeGreaterThanOrEqual(27);
  });

  it("A sees its own data (the rows below would prove nothing otherwise)", async () => {
    const A = KEYS.acme;
    const mine = await send(get(`/v1/interactions/${fx.a.id}`, A));
    expect(mine.status).toBe(200);
    expect(mine.text).toContain(fx.a.question);
    expect(mine.text).toContain(fx.a.correction);
    const byClient = await send(get(`/v1/interactions?client_request_id=${fx.a.clientId}`, A));
    expect(idsIn(byClient)).toEqual(expect.arrayContaining([fx.a.id, fx.a.otherId]));
    expect((await send(get(`/v1/models/${fx.a.pinned}`, A))).status).toBe(200);
    expect((await send(get(`/v1/exports/${fx.a.jobId}`, A))).json()).toMatchObject({ status: "complete" });
    expect((await send(get(`/v1/exports/${fx.a.jobId}/file`, A))).text).toContain(fx.a.question);
    const feeds = await send(get("/v1/exports/feeds", A));
    expect(idsIn(feeds)).toContain(fx.a.feed);
  });

  const cases = ROUTES.flatMap((r) =>
    (rowsOf(r.method, r.path) ?? []).map((row) => [`${r.method} ${r.path} — ${row.name}`, row] as const),
  );
  // Table order, so the row that gives B a feed of A's name runs after the others.
  cases.sort(
    ([x], [y]) => Number(x.startsWith("POST /v1/exports/feeds —")) - Number(y.startsWith("POST /v1/exports/feeds —")),
  );

  it.each(cases)("%s", async (_, row) => {
    const request = row.req(fx);
    const answer = await send(request);
    expect(row.status, `${answer.status} ${answer.text.slice(0, 300)}`).toContain(answer.status);
    expectNoLeak(request, answer, fx.a);
    if (answer.status >= 400) {
      expect(answer.json()).toMatchObject({ error: { message: expect.any(String), type: expect.any(String) } });
    }
    if (row.sameAsNobody) {
      const named = (a: TenantA) => [...secretsOf(a), a.tenant, a.task, a.pinned];
      const theirs = masked(answer, named(fx.a));
      const none = masked(await send(row.req(nobody)), named(nobody.a));
      expect(theirs).toEqual(none);
    }
    await row.check?.(answer, fx);
  });

  it("A's data is as A left it", async () => {
    const A = KEYS.acme;
    const mine = (await send(get(`/v1/interactions/${fx.a.id}`, A))).json();
    expect(mine.feedback).toHaveLength(1);
    expect(mine.feedback[0]).toMatchObject({ correction: fx.a.correction, user: fx.a.user });
    // B's reset and ack never reached A's feed: its run still serves A's feedback.
    const run = await send(get(`/v1/exports/feeds/${fx.a.feed}/next`, A));
    expect(run.text).toContain(fx.a.correction);
    const ack = await send(post(`/v1/exports/feeds/${fx.a.feed}/ack`, { cursor: fx.a.cursor }, A));
    expect(ack.status).toBe(200);
  });
});
