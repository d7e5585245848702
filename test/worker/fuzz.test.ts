// Property-based tests (fast-check) of every route the app serves, through the
// real Worker inside workerd: arbitrary path parameters, query strings,
// headers and JSON bodies never give a 5xx or a hang; every 4xx is in
// OpenAI's error shape; a body-field validation error names the field and a
// query error the parameter. The route list comes from createApp(), so a new
// route is fuzzed without touching this file (with a generic profile until
// it gets its own valid request below).
//
// Fixed seed: a failure prints the same counterexample on every run. The run
// count (100 per property) keeps the file at about 20 s on a 2-core machine.
// The D1 is shared with the other test files, so every write goes to two
// tenants of its own (copies of acme's manifest), never to the seeded ones.
// Values come from the OpenAPI document too: each field's and parameter's
// enum members and bounds, where random JSON would rarely land.
import { createExecutionContext, introspectWorkflow, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import acme from "../../adapters/acme.json";
import { createApp } from "../../src/app";
import { storeApiKey } from "../../src/auth/api-keys";
import { encodeBase64url } from "../../src/base64url";
import { gateway, gatewayRegistry, waitForInteraction } from "./helpers/gateway";
import { applyTestManifest, asOwnTenant, KEYS, withDevUpstream } from "./helpers/seed";

const SEED = 4242;
const RUNS = 100;
/**
 * A request (and the work it leaves to waitUntil) that takes longer counts as
 * a hang. A property stops after PROPERTY_MS, shrinking included, so a hang
 * still fails as a counterexample naming the request, inside the test timeout.
 */
const HANG_MS = 5000;
const PROPERTY_MS = 90_000;
const ADMIN = "admin-dev";
const SEEDED_TENANTS = ["acme", "globex", "testco"];
const VALIDATION_CODES = ["invalid_value", "missing_required_parameter", "unknown_parameter", "invalid_manifest"];

type Json = unknown;
interface Route {
  method: string;
  path: string;
}
interface Req {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}
interface Answer {
  status: number;
  headers: Headers;
  text: string;
  error?: { message: string; type: string; param: string | null; code: string };
}

/** Every method + path the app serves (middleware are registered as ALL). */
const ROUTES: Route[] = [
  ...new Map(
    createApp()
      .app.routes.filter((r) => r.method !== "ALL")
      .map((r) => [`${r.method} ${r.path}`, { method: r.method, path: r.path }]),
  ).values(),
];
const label = (r: Route) => `${r.method} ${r.path}`;
const pathParams = (path: string) => [...path.matchAll(/:(\w+)/g)].map((m) => m[1]);

// ── sending ───────────────────────────────────────────────────────────────

const bodyText = (body: Req["body"]) =>
  body === undefined ? "-" : typeof body === "string" ? body.slice(0, 300) : `bytes[${body.slice(0, 40).join(",")}]`;
const show = (r: Req) =>
  `${r.method} ${r.path}${r.query} headers=${JSON.stringify(r.headers)} body=${bodyText(r.body)}`;

async function send(r: Req): Promise<Answer> {
  const controller = new AbortController();
  const request = new Request(`http://gateway.test${r.path}${r.query}`, {
    method: r.method,
    headers: r.headers,
    body: r.body,
    signal: controller.signal,
  });
  const ctx = createExecutionContext();
  const work = (async () => {
    const response = await gateway().fetch(request as never, env, ctx);
    const text = r.method === "HEAD" ? "" : await response.text();
    await waitOnExecutionContext(ctx);
    return { status: response.status, headers: response.headers, text };
  })();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`no answer within ${HANG_MS} ms: ${show(r)}`));
    }, HANG_MS);
  });
  try {
    return await Promise.race([work, hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** What every answer must satisfy; returns the parsed error of a 4xx. */
function checkAnswer(r: Req, a: Answer): Answer {
  const where = `${a.status} for ${show(r)}\n→ ${a.text.slice(0, 400)}`;
  expect(a.status, where).toBeLessThan(500);
  expect(a.headers.get("x-request-id"), where).toMatch(/^chatcmpl-/);
  if (a.status < 400 || r.method === "HEAD") return a;
  expect(a.headers.get("content-type"), where).toContain("application/json");
  let body: { error?: Answer["error"] };
  try {
    body = JSON.parse(a.text);
  } catch {
    throw new Error(`a ${a.status} that is not JSON: ${where}`);
  }
  expect(body, where).toMatchObject({
    error: { message: expect.any(String), type: expect.any(String), code: expect.any(String) },
  });
  const param = body.error!.param;
  expect(param === null || typeof param === "string", where).toBe(true);
  if (a.status === 405) expect(a.headers.get("allow"), where).toBeTruthy();
  return { ...a, error: body.error };
}

// ── what the OpenAPI document says each route takes ──────────────────────

type Schema = Record<string, any> | undefined;
type Doc = { paths: Record<string, Record<string, any>>; components: { schemas: Record<string, any> } };
// Read at collection time: which tests a route gets depends on it.
const doc: Doc = JSON.parse((await send({ method: "GET", path: "/openapi.json", query: "", headers: {} })).text);
const operation = (r: Route) => doc.paths[r.path.replace(/:(\w+)/g, "{$1}")]?.[r.method.toLowerCase()];
const resolve = (s: Schema): Schema => (s?.$ref ? doc.components.schemas[s.$ref.split("/").at(-1)] : s);
const bodySchema = (r: Route): Schema => resolve(operation(r)?.requestBody?.content?.["application/json"]?.schema);
const bodyFields = (r: Route): string[] => Object.keys(bodySchema(r)?.properties ?? {});
const queryParamsOf = (r: Route): { name: string; schema: Schema }[] =>
  (operation(r)?.parameters ?? []).filter((p: any) => p.in === "query");
const takesBody = (r: Route) => Boolean(operation(r)?.requestBody) || ["POST", "PUT", "PATCH"].includes(r.method);

/** The schema of the value at `path` inside a value of `schema` (first matching alternative). */
function schemaAt(schema: Schema, path: (string | number)[]): Schema {
  let s = resolve(schema);
  for (const step of path) {
    const alternatives = [s, ...(s?.anyOf ?? []), ...(s?.oneOf ?? [])].map(resolve).filter(Boolean);
    const next = alternatives.find((a) => (typeof step === "number" ? a!.items : a!.properties?.[step]));
    s = resolve(typeof step === "number" ? next?.items : next?.properties?.[step]);
  }
  return s;
}

/** Values at and just past the edges of a schema: enum members, bounds ± 1, lengths at and over the limit. */
function edgeValues(schema: Schema, depth = 0): Json[] {
  const s = resolve(schema);
  if (!s || depth > 3) return [];
  const out: Json[] = [];
  if ("const" in s) out.push(s.const);
  for (const key of ["enum", "examples"]) if (Array.isArray(s[key])) out.push(...s[key]);
  for (const key of ["example", "default"]) if (s[key] !== undefined) out.push(s[key]);
  for (const alt of [...(s.anyOf ?? []), ...(s.oneOf ?? [])]) out.push(...edgeValues(alt, depth + 1));
  const types = [s.type].flat();
  if (types.includes("number") || types.includes("integer")) {
    for (const bound of [s.minimum, s.maximum])
      if (typeof bound === "number") out.push(bound, bound - 1, bound + 1, bound + 0.5);
    out.push(0, 1, -1, 0.5);
  }
  if (types.includes("string")) {
    out.push("", "x");
    if (typeof s.maxLength === "number") out.push("x".repeat(s.maxLength), "x".repeat(s.maxLength + 1));
  }
  if (types.includes("boolean")) out.push(true, false);
  if (types.includes("null")) out.push(null);
  if (types.includes("array")) {
    const item = edgeValues(s.items, depth + 1)[0] ?? "x";
    out.push([], [item]);
    if (typeof s.maxItems === "number" && s.maxItems < 5000) out.push(Array(s.maxItems + 1).fill(item));
  }
  if (types.includes("object")) out.push({});
  return out;
}

// ── arbitraries ───────────────────────────────────────────────────────────

// Header values the Fetch API takes: no CR, LF or NUL; ASCII, as non-ASCII is
// only a workerd quirk (it warns and sends UTF-8).
const printable = (maxLength = 24) =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength });
/** `arb` in `present` of (present + 1) cases, else absent. */
const sometimes = <T>(arb: fc.Arbitrary<T>, present = 1) =>
  fc.oneof({ weight: present, arbitrary: arb }, { weight: 1, arbitrary: fc.constant(undefined) });

const PLAUSIBLE_QUERY_VALUES = [
  ...["", "0", "1", "-1", "101", "1e2", "0x10", "NaN", "true", "false", "yes", "null", "%zz", "%E0%A4%A", "a,b,,c"],
  ...["openai-sft", "trl-dpo", "trl-kto", "csv", "support", "ok", "train", "as_sent", "upstream_error"],
  ...["2026-01-01", "2026-02-30", "2026-01-01T00:00:00Z", "2026-01-01T00:00+0530", "999999999999999", "9".repeat(40)],
];
const PLAUSIBLE_JSON: Json[] = [
  ...[null, true, false, 0, -1, 1, 0.5, 2, 1e308, -1e-308, 2 ** 53 + 1, "", " ", "support", "support@support-v2"],
  ...["\ud800", "a".repeat(5000), "é".repeat(3000), "user", "assistant", "function", [], [null], {}, { a: {} }],
  ...[
    [{ role: "user", content: "x" }],
    [{ role: "assistant" }],
    { role: "tool", content: "x" },
    ["a", "b", "c", "d", "e"],
  ],
];
const jsonValue = fc.oneof(
  fc.constantFrom(...PLAUSIBLE_JSON),
  fc.jsonValue({ maxDepth: 3 }),
  fc.jsonValue({ maxDepth: 2, stringUnit: "grapheme" }),
);

// Bodies that stress the parser rather than the schema.
const RAW_BODIES = [
  "",
  " ",
  "{",
  "[]",
  "null",
  '"x"',
  "{}{}",
  '{"a":1,"a":2}',
  "\ufeff{}",
  '{"__proto__":{"model":"support","rating":1}}',
  '{"constructor":{"prototype":{"x":1}}}',
  `${'{"a":'.repeat(3000)}1${"}".repeat(3000)}`,
  `[${'{"role":"user","content":"x"},'.repeat(2999)}{"role":"user","content":"x"}]`,
  JSON.stringify({ model: "support", messages: [{ role: "user", content: "x".repeat(1 << 20) }] }),
];

/** A list cursor: base64url JSON, of the right shape or not. */
const listCursor = fc
  .oneof(fc.tuple(fc.integer(), fc.string({ maxLength: 300 })), jsonValue)
  .map((v) => encodeBase64url(new TextEncoder().encode(JSON.stringify(v))));

/** A dotted credential (feedback token, feed cursor) with one part replaced. */
const tampered = (valid: string) =>
  fc.tuple(fc.nat(), fc.oneof(printable(12), fc.constantFrom("", "1e999", "-1", "9".repeat(20)))).map(([i, part]) => {
    const parts = valid.split(".");
    parts[i % parts.length] = part;
    return parts.join(".");
  });

/** Every path inside a JSON value, e.g. ["messages", 0, "content"]. */
function pathsOf(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => [[...prefix, i], ...pathsOf(v, [...prefix, i])]);
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => [[...prefix, k], ...pathsOf(v, [...prefix, k])]);
  }
  return [];
}

/** A replacement for a value of `schema`: an edge value, any JSON, or (a signed string) itself with one part changed. */
function valueFor(schema: Schema, original?: Json): fc.Arbitrary<Json> {
  const edges = edgeValues(schema);
  const options: fc.WeightedArbitrary<Json>[] = [{ weight: 2, arbitrary: jsonValue }];
  if (edges.length) options.push({ weight: 4, arbitrary: fc.constantFrom(...edges) });
  if (typeof original === "string" && original.includes("."))
    options.push({ weight: 2, arbitrary: tampered(original) });
  return fc.oneof(...options);
}

/** The valid body with one field (anywhere) replaced, deleted, or one root field added. */
function mutatedBody(valid: Json, schema: Schema) {
  const paths = pathsOf(valid);
  const fieldNames = Object.keys(schema?.properties ?? {});
  const newKey = fc.oneof(fc.constantFrom(...fieldNames, "stars", "corection"), fc.string({ maxLength: 8 }));
  return fc.tuple(fc.constantFrom("replace", "replace", "delete", "add"), fc.nat(), newKey).chain(([op, i, key]) => {
    const body = structuredClone(valid) as Record<string | number, Json>;
    if (op === "add" || paths.length === 0) {
      return valueFor(schema?.properties?.[key]).map((value) => ({ ...body, [key]: value }));
    }
    const path = paths[i % paths.length];
    const at = (root: Record<string | number, Json>) =>
      path.slice(0, -1).reduce((node, step) => node[step] as Record<string | number, Json>, root);
    const last = path.at(-1)!;
    return valueFor(schemaAt(schema, path), at(body)[last]).map((value) => {
      const copy = structuredClone(body);
      const parent = at(copy);
      if (op === "delete" && Array.isArray(parent)) parent.splice(last as number, 1);
      else if (op === "delete") delete parent[last];
      else parent[last] = value;
      return copy;
    });
  });
}

/** Every top-level field at once: kept, absent, or an edge value of its schema (combinations one change misses). */
function recombinedBody(valid: Record<string, Json>, schema: Schema) {
  const keys = [...new Set([...Object.keys(valid), ...Object.keys(schema?.properties ?? {})])];
  const field = (key: string) =>
    fc.oneof(
      { weight: 3, arbitrary: fc.constant(valid[key]) },
      { weight: 2, arbitrary: valueFor(schema?.properties?.[key], valid[key]) },
      { weight: 1, arbitrary: fc.constant(undefined) },
    );
  return fc.record(Object.fromEntries(keys.map((k) => [k, field(k)])));
}

function bodyArb(valid: Json | undefined, schema: Schema) {
  const json = (arb: fc.Arbitrary<Json>) => arb.map((v) => JSON.stringify(v));
  const start = (valid ?? {}) as Record<string, Json>;
  return fc.oneof(
    { weight: 3, arbitrary: json(mutatedBody(start, schema)) },
    { weight: 3, arbitrary: json(recombinedBody(start, schema)) },
    { weight: 1, arbitrary: json(jsonValue) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_BODIES) },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
    // Bytes that are not UTF-8, alone or inside a JSON string.
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc.uint8Array({ maxLength: 16 }),
        fc.uint8Array({ minLength: 1, maxLength: 4, min: 0x80 }).map((bad) => {
          const [head, tail] = ['{"model":"support","messages":[{"role":"user","content":"', '"}],"request_id":"x"}'];
          return new Uint8Array([...new TextEncoder().encode(head), ...bad, ...new TextEncoder().encode(tail)]);
        }),
      ),
    },
  );
}

/** Query strings: the route's parameters with edge values, unknown names, repeats; encoded or raw. */
function queryArb(params: { name: string; schema: Schema }[], valid: Record<string, string>) {
  const anyValue = fc.oneof(fc.constantFrom(...PLAUSIBLE_QUERY_VALUES), printable(), listCursor);
  const edge = (schema: Schema) =>
    edgeValues(schema)
      .filter((v) => typeof v !== "object" || v === null)
      .map(String);
  const known = params.map(({ name, schema }) =>
    fc.tuple(fc.constant(name), edge(schema).length ? fc.oneof(fc.constantFrom(...edge(schema)), anyValue) : anyValue),
  );
  const unknown = fc.tuple(fc.oneof(fc.constantFrom("limit", "format", "x"), printable(8)), anyValue);
  const entry = known.length ? fc.oneof({ weight: 3, arbitrary: fc.oneof(...known) }, unknown) : unknown;
  const start = fc.oneof(fc.constant(Object.entries(valid)), fc.constant([] as [string, string][]));
  const edits = fc.array(fc.tuple(fc.constantFrom("set", "delete", "repeat", "add"), entry), { maxLength: 4 });
  return fc.tuple(start, edits, fc.boolean()).map(([entries, changes, raw]) => {
    let list = [...entries];
    for (const [op, [k, v]] of changes) {
      const i = list.findIndex(([name]) => name === k);
      if (op === "set" && i >= 0) list[i] = [k, v];
      else if (op === "delete" && i >= 0) list.splice(i, 1);
      else if (op === "repeat" && list.length) list.push([list[k.length % list.length][0], v]);
      else list.push([k, v]);
    }
    list = list.filter(([k]) => !k.includes("#"));
    if (list.length === 0) return { query: "", keys: [] as string[] };
    const query = raw ? `?${list.map(([k, v]) => `${k}=${v}`).join("&")}` : `?${new URLSearchParams(list)}`;
    return { query, keys: list.map(([k]) => k) };
  });
}

/** A path parameter: the valid one, an encoded arbitrary string, or raw characters that mean something in a path. */
const paramArb = (valid: string) =>
  fc.oneof(
    fc.constant(valid),
    fc.string({ maxLength: 20, unit: "grapheme" }).map(encodeURIComponent),
    fc.string({ maxLength: 12, unit: fc.constantFrom(..."aZ0-_.~%/:@!$&'()*+,;= é".split("")) }),
    fc.constantFrom("", ".", "..", "%2e%2e", "%2F", "%00", "exp_" + "0".repeat(32), "x".repeat(300), ...SEEDED_TENANTS),
  );

/** Headers a client might send, valid and not, with `auth` the credential that works on this route. */
function headersArb(auth: string | null, tokenForFeedback: string) {
  const credential = auth ?? KEYS.globex;
  // Mostly the working credential and a JSON body, so requests get past the gates.
  const authorization = fc.oneof(
    { weight: 6, arbitrary: fc.constant(`Bearer ${credential}`) },
    fc.constantFrom(
      `bearer ${credential}`,
      `Bearer   ${credential}  `,
      `Bearer ${credential} extra`,
      credential,
      `Basic ${btoa("admin:admin-dev")}`,
      "Bearer",
      "Bearer ",
      `Bearer ${KEYS.globex}`,
      `Bearer ${ADMIN}`,
      `Bearer ${tokenForFeedback}`,
      "Bearer v1.",
      "Bearer v1.acme.x.y",
      "Token sk-acme-dev",
    ),
    printable().map((s) => `Bearer ${s}`),
    tampered(tokenForFeedback).map((t) => `Bearer ${t}`),
    printable(),
  );
  const contentType = fc.oneof(
    { weight: 4, arbitrary: fc.constant("application/json") },
    fc.constantFrom(
      "application/json; charset=utf-8",
      "Application/JSON",
      "application/merge-patch+json",
      "application/json;",
      "application/json; charset",
      "application/jsonx",
      "text/json",
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "",
    ),
    printable(),
  );
  return fc
    .record(
      {
        authorization: sometimes(authorization, 6),
        "content-type": sometimes(contentType, 6),
        "x-client-request-id": sometimes(fc.oneof(printable(), fc.constantFrom("", " x", "r".repeat(513), "a\tb"))),
        "x-switchyard-audience": sometimes(
          fc.oneof(fc.constantFrom("customer", "developer", "Customer", ""), printable()),
        ),
        "x-switchyard-user": sometimes(fc.oneof(fc.constantFrom("u-1", "u".repeat(257)), printable())),
        "x-switchyard-dry-run": sometimes(fc.constantFrom("1", "1", "0", "true", ""), 2),
        "x-switchyard-feedback-token": sometimes(fc.oneof(fc.constant(tokenForFeedback), tampered(tokenForFeedback))),
        "x-switchyard-actor": sometimes(printable()),
        origin: sometimes(fc.constantFrom("https://widget.example", "null", "")),
        "content-encoding": sometimes(fc.constantFrom("gzip", "br", "deflate", "identity", "x")),
      },
      { requiredKeys: [] },
    )
    .map((h) => Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as Record<string, string>);
}

// ── the valid request of each route ───────────────────────────────────────

interface Fixture {
  tenant: string;
  key: string;
  adminTenant: string;
  interactionId: string;
  feedbackToken: string;
  feed: string;
  cursor: string;
  jobId: string;
  keyId: string;
}
interface Profile {
  auth: string | null;
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: Json;
  headers?: Record<string, string>;
}

const manifestFor = (tenant: string) => asOwnTenant(withDevUpstream(acme), tenant);

function profiles(fx: Fixture): Record<string, Profile> {
  const key = fx.key;
  const feed = { name: fx.feed };
  const tenant = { tenant: fx.adminTenant };
  return {
    "GET /healthz": { auth: null },
    "GET /openapi.json": { auth: null },
    "GET /docs": { auth: null },
    "POST /v1/chat/completions": {
      auth: key,
      headers: { "x-switchyard-dry-run": "1" },
      body: {
        model: "support",
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: [{ type: "text", text: "hello" }] },
        ],
        user: "fuzz-user",
        metadata: { tier: "free" },
        temperature: 0.5,
        max_tokens: 32,
        stream: true,
        stream_options: { include_usage: true },
        tools: [{ type: "function", function: { name: "lookup" } }],
        tool_choice: "auto",
      },
    },
    "GET /v1/models": { auth: key },
    "GET /v1/models/:id": { auth: key, params: { id: "support" } },
    "POST /v1/feedback": {
      auth: key,
      body: {
        request_id: fx.interactionId,
        rating: -1,
        score: 0.5,
        comment: "c",
        correction: "x",
        tags: ["fz"],
        user: "u",
      },
    },
    "GET /v1/interactions": { auth: key, query: { limit: "5", task: "support", status: "ok", since: "2020-01-01" } },
    "GET /v1/interactions/:id": { auth: key, params: { id: fx.interactionId } },
    "GET /v1/exports/training-data": {
      auth: key,
      query: { format: "trl-kto", task: "support", since: "0", tags: "fz", include_stats: "true" },
    },
    "POST /v1/exports/feeds": {
      auth: key,
      body: { name: "fz-made", format: "openai-sft", min_score: 0.5, tags: ["fz"] },
    },
    "GET /v1/exports/feeds": { auth: key },
    "GET /v1/exports/feeds/:name/next": { auth: key, params: feed, query: { include_stats: "1" } },
    "POST /v1/exports/feeds/:name/ack": { auth: key, params: feed, body: { cursor: fx.cursor } },
    "POST /v1/exports/feeds/:name/reset": { auth: key, params: feed, body: { watermark: "2020-01-01T00:00:00Z" } },
    "GET /v1/exports/feeds/:name/lineage": { auth: key, params: feed, query: { cursor: fx.cursor } },
    "GET /v1/exports/feeds/:name/erasures": { auth: key, params: feed, query: { limit: "10" } },
    "POST /v1/exports": { auth: key, body: { format: "openai-dpo", task: "support", split: "train", val_ratio: 0.2 } },
    "GET /v1/exports/:id": { auth: key, params: { id: fx.jobId } },
    "GET /v1/exports/:id/file": { auth: key, params: { id: fx.jobId } },
    "GET /v1/exports/:id/lineage": { auth: key, params: { id: fx.jobId } },
    "GET /admin/tenants": { auth: ADMIN },
    "POST /admin/tenants/:tenant/manifest/validate": {
      auth: ADMIN,
      params: tenant,
      body: manifestFor(fx.adminTenant),
    },
    "PUT /admin/tenants/:tenant/manifest": {
      auth: ADMIN,
      params: tenant,
      query: { dry_run: "true" },
      body: manifestFor(fx.adminTenant),
    },
    "GET /admin/tenants/:tenant/manifest": { auth: ADMIN, params: tenant },
    "GET /admin/tenants/:tenant/manifests": { auth: ADMIN, params: tenant },
    "POST /admin/tenants/:tenant/keys": { auth: ADMIN, params: tenant, body: { name: "fuzz key" } },
    "GET /admin/tenants/:tenant/keys": { auth: ADMIN, params: tenant },
    "DELETE /admin/tenants/:tenant/keys/:id": { auth: ADMIN, params: { ...tenant, id: fx.keyId } },
    "GET /admin/tenants/:tenant/stats": { auth: ADMIN, params: tenant, query: { since: "2020-01-01T00:00:00Z" } },
  };
}

/**
 * A route nobody wrote a profile for yet: its prefix's credential and the
 * fixture's value for each parameter name it knows. It is fuzzed all the same.
 */
function profileOf(fx: Fixture, route: Route): Profile {
  const known = profiles(fx)[label(route)];
  if (known) return known;
  const auth = route.path.startsWith("/admin/") ? ADMIN : route.path.startsWith("/v1/") ? fx.key : null;
  const byName: Record<string, string> = { tenant: fx.adminTenant, name: fx.feed };
  return { auth, params: Object.fromEntries(pathParams(route.path).map((p) => [p, byName[p] ?? "x"])) };
}

const fillPath = (path: string, params: Record<string, string>) => path.replace(/:(\w+)/g, (_, p) => params[p] ?? "x");

// ── fixture ───────────────────────────────────────────────────────────────

let fx: Fixture;
// Every export job (the fixture's and those a fuzzed POST /v1/exports starts)
// runs as a Workflow; the last test waits for all of them.
let workflows: Awaited<ReturnType<typeof introspectWorkflow>>;

async function newTenant(prefix: string) {
  const tenant = `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
  await applyTestManifest(manifestFor(tenant));
  const key = `sk-${tenant}-fuzz`;
  await storeApiKey(env.DB, tenant, key, "fuzz", Date.now());
  await gatewayRegistry().reload(env.DB);
  return { tenant, key };
}

beforeAll(async () => {
  const { tenant, key } = await newTenant("fz");
  const adminTenant = (await newTenant("fzadm")).tenant;
  const json = { "content-type": "application/json", authorization: `Bearer ${key}` };
  const post = (path: string, body: Json) =>
    send({ method: "POST", path, query: "", headers: json, body: JSON.stringify(body) });

  const chat = await send({
    method: "POST",
    path: "/v1/chat/completions",
    query: "",
    headers: json,
    body: JSON.stringify({ model: "support", messages: [{ role: "user", content: "fuzz me" }] }),
  });
  expect(chat.status).toBe(200);
  const interactionId = chat.headers.get("x-request-id")!;
  await waitForInteraction(interactionId);
  await post("/v1/feedback", { request_id: interactionId, rating: 1 });
  expect((await post("/v1/exports/feeds", { name: "fz-feed", format: "trl-kto" })).status).toBe(201);
  const next = await send({ method: "GET", path: "/v1/exports/feeds/fz-feed/next", query: "", headers: json });
  workflows = await introspectWorkflow(env.EXPORTS);
  const job = await post("/v1/exports", { format: "trl-kto" });
  expect(job.status).toBe(202);
  await workflows.get()[0].waitForStatus("complete");
  const made = await send({
    method: "POST",
    path: `/admin/tenants/${adminTenant}/keys`,
    query: "",
    headers: { authorization: `Bearer ${ADMIN}` },
  });
  fx = {
    tenant,
    key,
    adminTenant,
    interactionId,
    feedbackToken: chat.headers.get("x-switchyard-feedback-token")!,
    feed: "fz-feed",
    cursor: next.headers.get("x-switchyard-feed-cursor")!,
    jobId: JSON.parse(job.text).id,
    keyId: JSON.parse(made.text).id,
  };
}, 30_000);
afterAll(() => workflows?.dispose());

function validRequest(route: Route, p: Profile): Req {
  const headers: Record<string, string> = { ...p.headers };
  if (p.auth) headers.authorization = `Bearer ${p.auth}`;
  if (p.body !== undefined) headers["content-type"] = "application/json";
  const query = p.query && Object.keys(p.query).length ? `?${new URLSearchParams(p.query)}` : "";
  const body = p.body === undefined ? undefined : JSON.stringify(p.body);
  return { method: route.method, path: fillPath(route.path, p.params ?? {}), query, headers, body };
}

const settings = { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: PROPERTY_MS };
const isPlainObject = (v: unknown) => Boolean(v) && typeof v === "object" && !Array.isArray(v);
const parsed = (body: Req["body"]) => {
  try {
    return typeof body === "string" ? JSON.parse(body) : undefined;
  } catch {
    return undefined;
  }
};

// ── the properties ────────────────────────────────────────────────────────

describe("fuzz", { timeout: PROPERTY_MS + 30_000 }, () => {
  it("covers at least the routes documented today", () => {
    expect(ROUTES.length).toBeGreaterThanOrEqual(27);
  });

  it("every profile's valid request succeeds (so the fuzz starts next to the happy path)", async () => {
    for (const route of ROUTES.filter((r) => profiles(fx)[label(r)])) {
      const r = validRequest(route, profileOf(fx, route));
      const a = await send(r);
      expect(a.status, `${show(r)} → ${a.text.slice(0, 300)}`).toBeLessThan(300);
    }
  });

  describe.each(ROUTES.map((r) => [label(r), r] as const))("%s", (_, route) => {
    it("anything: arbitrary parameters, query, headers and body → < 500, OpenAI-shaped 4xx", async () => {
      const p = profileOf(fx, route);
      const params = fc.record(
        Object.fromEntries(
          pathParams(route.path).map((name) => [
            name,
            paramArb(p.params?.[name] ?? "x").filter((v) => !SEEDED_TENANTS.includes(v) || name !== "tenant"),
          ]),
        ),
      );
      const body = takesBody(route) ? bodyArb(p.body, bodySchema(route)) : fc.constant(undefined);
      const request = fc.record({
        params,
        query: queryArb(queryParamsOf(route), p.query ?? {}),
        headers: headersArb(p.auth, fx.feedbackToken),
        body,
      });
      await fc.assert(
        fc.asyncProperty(request, async (g) => {
          const r: Req = {
            method: route.method,
            path: fillPath(route.path, g.params as Record<string, string>),
            query: g.query.query,
            headers: g.headers,
            body: g.body,
          };
          const a = checkAnswer(r, await send(r));
          // The request id check comes first, on every path: a bad one is always this 400.
          const clientId = new Headers(g.headers).get("x-client-request-id");
          if (clientId !== null && !/^[\x20-\x7e]{1,512}$/.test(clientId)) {
            expect(a.error?.param, show(r)).toBe("x-client-request-id");
          } else if (clientId !== null) {
            expect(a.headers.get("x-client-request-id"), show(r)).toBe(clientId);
          }
        }),
        settings,
      );
    });

    if (takesBody(route)) {
      it("body: the valid body with fields changed or dropped → a 400 names the field", async () => {
        const p = profileOf(fx, route);
        const fields = bodyFields(route);
        const base = validRequest(route, p);
        // A dry run (chat) half the time: the other half reaches the upstream, which answers ok.
        await fc.assert(
          fc.asyncProperty(bodyArb(p.body, bodySchema(route)), fc.boolean(), async (body, dryRun) => {
            const headers = { ...base.headers };
            if (!dryRun) delete headers["x-switchyard-dry-run"];
            const r = { ...base, headers, body };
            const a = checkAnswer(r, await send(r));
            const sent = parsed(body);
            if (a.status !== 400 || !VALIDATION_CODES.includes(a.error!.code) || !isPlainObject(sent)) return;
            const param = a.error!.param;
            expect(param, `param of ${show(r)} → ${a.text}`).toEqual(expect.any(String));
            const root = param!.split(/[.[]/)[0];
            const named = [...fields, ...Object.keys(sent)];
            const ok = param!.startsWith("/") || named.includes(param!) || named.includes(root);
            expect(ok, `param '${param}' of ${show(r)}`).toBe(true);
          }),
          settings,
        );
      });
    }

    if (route.method === "GET") {
      it("query: the valid request with its query changed → a 400 names the parameter", async () => {
        const p = profileOf(fx, route);
        const names = queryParamsOf(route).map((q) => q.name);
        const base = validRequest(route, p);
        await fc.assert(
          fc.asyncProperty(queryArb(queryParamsOf(route), p.query ?? {}), async ({ query, keys }) => {
            const r = { ...base, query };
            const a = checkAnswer(r, await send(r));
            if (a.status !== 400) return;
            // A list parameter may name its element (tags[0]).
            const param = a.error!.param ?? "(null)";
            const known = [...names, ...keys, ...new URLSearchParams(query.slice(1)).keys()];
            const ok = known.includes(param) || known.includes(param.split("[")[0]);
            expect(ok, `param of ${show(r)} → ${a.text}`).toBe(true);
          }),
          settings,
        );
      });
    }
  });

  // An unknown field named '' is named as such: param '', not null.
  it("a strict body with an unknown field named '' → 400 unknown_parameter with param ''", async () => {
    const route = ROUTES.find((r) => label(r) === "POST /v1/exports/feeds/:name/reset")!;
    const r = { ...validRequest(route, profileOf(fx, route)), body: JSON.stringify({ watermark: 0, "": 1 }) };
    const a = checkAnswer(r, await send(r));
    expect(a.error).toMatchObject({ code: "unknown_parameter", param: "" });
  });

  it("any method on any path → < 500, OpenAI-shaped 4xx, 405 with allow", async () => {
    const paths = fc.oneof(
      fc.constantFrom(...ROUTES.map((r) => fillPath(r.path, profileOf(fx, r).params ?? {}))),
      fc
        .tuple(fc.constantFrom("/v1/", "/admin/", "/", "/v1/exports/"), paramArb("models"), paramArb(""))
        .map(([a, b, c]) => `${a}${b}/${c}`),
    );
    const method = fc.constantFrom("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");
    const auth = fc.constantFrom(fx.key, ADMIN, "nope");
    await fc.assert(
      fc.asyncProperty(paths, method, auth, async (path, m, key) => {
        const hasBody = !["GET", "HEAD"].includes(m);
        const r: Req = {
          method: m,
          path,
          query: "",
          headers: { authorization: `Bearer ${key}`, ...(hasBody ? { "content-type": "application/json" } : {}) },
          body: hasBody ? "{}" : undefined,
        };
        checkAnswer(r, await send(r));
      }),
      { ...settings, numRuns: RUNS * 4 },
    );
  });

  it("every export job the fuzz started finishes", async () => {
    const instances = workflows.get();
    expect(instances.length).toBeGreaterThanOrEqual(1);
    for (const instance of instances) await instance.waitForStatus("complete");
  });
});
