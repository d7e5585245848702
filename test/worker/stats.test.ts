// GET /v1/stats/versions through the real app inside workerd: figures worked
// out by hand for a small seeded history (error rate, Wilson interval, score
// interval, percentiles, flagged audience, series with empty periods, nulls
// for a version without data), the 400s that name the parameter, tenant
// isolation, and a query over 20,000 interactions that reads only rollup rows.
import { createExecutionContext, createMessageBatch } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { InteractionRecord } from "../../src/logging/interaction-record";
import { writeInteractions } from "../../src/logging/write-interactions";
import { call, gateway } from "./helpers/gateway";
import { interactionRecord } from "./helpers/records";
import { KEYS } from "./helpers/seed";

const HOUR = 3_600_000;
// Far from the wall clock: other test files log acme "support" interactions now.
const H0 = Date.UTC(2021, 0, 4, 10);
const RANGE = `since=${H0}&until=${H0 + 4 * HOUR}`;

type Json = any;
const get = async (path: string, key: string = KEYS.acme) => {
  const { response } = await call(path, undefined, { key });
  return { status: response.status, body: (await response.json()) as Json };
};

async function deliver(records: InteractionRecord[]) {
  const batch = createMessageBatch("switchyard-log", [
    {
      id: crypto.randomUUID(),
      timestamp: new Date(),
      attempts: 1,
      body: JSON.stringify({ v: 2, messages: records.map((record) => ({ v: 1, record })) }),
    },
  ]);
  await gateway().queue!(batch as never, env, createExecutionContext());
}

const tag = crypto.randomUUID().slice(0, 8);
/** support-v1: 40 requests in hours 0 and 2; 20 rated, 10 positive; "developer" rates it far worse than "customer". */
const history = Array.from({ length: 40 }, (_, i) =>
  interactionRecord(`stats-${tag}-${i}`, {
    tenant_id: "acme",
    task: "support",
    adapter: "acme-support",
    adapter_version: "support-v1",
    audience: i % 2 ? "developer" : "customer",
    status: i < 36 ? "ok" : i < 38 ? "upstream_error" : i === 38 ? "timeout" : "client_aborted",
    latency_ms: (i + 1) * 10,
    usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 },
    created_at: (i < 20 ? H0 : H0 + 2 * HOUR) + i * 1000,
  }),
);

beforeAll(async () => {
  await deliver(history);
  for (let i = 0; i < 20; i++) {
    const positive = i % 2 === 0 ? i !== 18 : i === 1;
    const { response } = await call("/v1/feedback", {
      request_id: history[i].request_id,
      rating: positive ? 1 : -1,
      ...(i < 4 ? { score: 0.2 * (i + 1) } : {}),
      ...([5, 7, 9, 11, 13].includes(i) ? { correction: "a better answer" } : {}),
    });
    expect(response.status).toBe(200);
  }
});

describe("figures per version", () => {
  it("counts, error rate, percentiles and feedback with 95 % intervals", async () => {
    const { status, body } = await get(`/v1/stats/versions?task=support&${RANGE}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ object: "list", task: "support", since: H0, until: H0 + 4 * HOUR, by: null });
    const v1 = body.data.find((v: Json) => v.version === "support-v1");
    expect(v1).toMatchObject({
      adapter: "acme-support",
      requests: 40,
      ok: 36,
      errors: { upstream_error: 2, timeout: 1, client_aborted: 1 },
      error_rate: 0.075, // (2 + 1) / 40: a client that hung up is no error
      tokens: { prompt: 120, completion: 200 },
    });
    // Latencies 10, 20, … 400 ms: exact p50 205, p95 ~390; buckets are ~9 % wide.
    expect(Math.abs(v1.latency_ms.p50 / 205 - 1)).toBeLessThan(0.05);
    expect(Math.abs(v1.latency_ms.p95 / 390 - 1)).toBeLessThan(0.05);
    expect(v1.latency_ms.mean).toBe(205);
    expect(v1.feedback).toMatchObject({
      rated: 20,
      positive: 10,
      negative: 10,
      positive_rate: 0.5,
      correction_rate: 0.25,
    });
    // Wilson, n = 20, p = 0.5: 0.5 ± 1.96·sqrt(0.0125 + 1.96²/1600) / (1 + 1.96²/20)
    expect(v1.feedback.positive_rate_ci[0]).toBeCloseTo(0.2993, 3);
    expect(v1.feedback.positive_rate_ci[1]).toBeCloseTo(0.7007, 3);
    // Scores 0.2, 0.4, 0.6, 0.8: mean 0.5, s = 0.2582, t(3) = 3.182 → ± 0.4108
    expect(v1.feedback.mean_score).toBe(0.5);
    expect(v1.feedback.score_ci[0]).toBeCloseTo(0.0892, 3);
    expect(v1.feedback.score_ci[1]).toBeCloseTo(0.9108, 3);
  });

  it("a routed version without data is listed with nulls, not zeros", async () => {
    const { body } = await get(`/v1/stats/versions?task=support&${RANGE}`);
    expect(body.data.map((v: Json) => v.version)).toEqual(
      expect.arrayContaining(["support-v1", "support-v2", "support-edge-v1"]),
    );
    const v2 = body.data.find((v: Json) => v.version === "support-v2");
    expect(v2).toMatchObject({
      requests: 0,
      error_rate: null,
      latency_ms: { p50: null, p95: null, mean: null },
      feedback: {
        rated: 0,
        positive_rate: null,
        positive_rate_ci: null,
        mean_score: null,
        score_ci: null,
        correction_rate: null,
      },
    });
  });

  it("by=audience flags the audience whose Wilson upper bound is below the version's rate", async () => {
    const { body } = await get(`/v1/stats/versions?task=support&by=audience&${RANGE}`);
    const v1 = body.data.find((v: Json) => v.version === "support-v1");
    const byName = Object.fromEntries(v1.audiences.map((a: Json) => [a.audience, a]));
    expect(Object.keys(byName).sort()).toEqual(["customer", "developer"]);
    expect(byName.customer).toMatchObject({ requests: 20, flagged: false, feedback: { rated: 10, positive: 9 } });
    // 1 of 10: Wilson upper bound 0.404 < 0.5
    expect(byName.developer).toMatchObject({ requests: 20, flagged: true, feedback: { rated: 10, positive: 1 } });
    expect(byName.developer.feedback.positive_rate_ci[1]).toBeLessThan(0.5);
    expect(v1.feedback.rated).toBe(20);
  });

  it("interval=hour gives every hour of the range, empty ones with nulls; interval=day sums them", async () => {
    const hourly = (await get(`/v1/stats/versions?task=support&interval=hour&${RANGE}`)).body;
    const series = hourly.data.find((v: Json) => v.version === "support-v1").series;
    expect(series.map((p: Json) => [p.start, p.requests])).toEqual([
      [H0, 20],
      [H0 + HOUR, 0],
      [H0 + 2 * HOUR, 20],
      [H0 + 3 * HOUR, 0],
    ]);
    expect(series[1]).toMatchObject({ error_rate: null, latency_ms: { p50: null }, feedback: { positive_rate: null } });
    expect(series[0].feedback).toMatchObject({ rated: 20, positive: 10 });
    const daily = (await get(`/v1/stats/versions?task=support&interval=day&${RANGE}`)).body;
    const days = daily.data.find((v: Json) => v.version === "support-v1").series;
    expect(days.map((p: Json) => [p.start, p.requests])).toEqual([[Date.UTC(2021, 0, 4), 40]]);
  });

  it("a range without data answers the versions with nulls", async () => {
    const { status, body } = await get(`/v1/stats/versions?task=support&since=2019-01-01&until=2019-01-02`);
    expect(status).toBe(200);
    expect(body.data.every((v: Json) => v.requests === 0 && v.feedback.positive_rate === null)).toBe(true);
  });
});

describe("bad queries", () => {
  const cases: [string, string, string][] = [
    ["task missing", RANGE, "task"],
    ["task empty", `task=&${RANGE}`, "task"],
    ["since not a time", `task=support&since=yesterday`, "since"],
    ["until not a time", `task=support&until=2021-02-30`, "until"],
    ["by unknown", `task=support&by=user&${RANGE}`, "by"],
    ["interval unknown", `task=support&interval=week&${RANGE}`, "interval"],
    ["since after until", `task=support&since=${H0 + HOUR}&until=${H0}`, "since"],
    ["range over 366 days", `task=support&since=2020-01-01&until=2021-06-01`, "since"],
    ["too many hourly points", `task=support&interval=hour&since=2021-01-01&until=2021-03-01`, "interval"],
    ["unknown parameter", `task=support&version=support-v1&${RANGE}`, "version"],
    ["task given twice", `task=support&task=billing&${RANGE}`, "task"],
  ];
  it.each(cases)("%s → 400 naming the param", async (_, query, param) => {
    const { status, body } = await get(`/v1/stats/versions?${query}`);
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ type: "invalid_request_error", param });
  });

  it("a task the tenant does not have → 404 naming task", async () => {
    const { status, body } = await get(`/v1/stats/versions?task=no-such-task&${RANGE}`);
    expect(status).toBe(404);
    expect(body.error.param).toBe("task");
  });
});

describe("tenant isolation", () => {
  it("globex's key never sees acme's stats", async () => {
    const theirs = await get(`/v1/stats/versions?task=support&${RANGE}`, KEYS.globex);
    const nothing = await get(`/v1/stats/versions?task=no-such-task&${RANGE}`, KEYS.globex);
    expect(theirs.status).toBe(404);
    expect(theirs.body.error.message.replace("support", "X")).toBe(
      nothing.body.error.message.replace("no-such-task", "X"),
    );
    const own = await get(`/v1/stats/versions?task=tutoring&by=audience&${RANGE}`, KEYS.globex);
    expect(own.status).toBe(200);
    expect(JSON.stringify(own.body)).not.toMatch(/support|acme|developer|customer/);
    expect(own.body.data.every((v: Json) => v.requests === 0)).toBe(true);
  });
});

/** env whose DB records every statement's SQL and D1 meta. */
function recordingDb() {
  const seen: { sql: string; rowsRead: number }[] = [];
  const wrap = (statement: D1PreparedStatement, sql: string): D1PreparedStatement =>
    new Proxy(statement, {
      get(target, property) {
        if (property === "bind") return (...values: unknown[]) => wrap(target.bind(...values), sql);
        if (property === "all" || property === "run" || property === "first" || property === "raw")
          return async (...args: unknown[]) => {
            const result = await (target as any)[property](...args);
            seen.push({ sql, rowsRead: result?.meta?.rows_read ?? (property === "all" ? NaN : 0) });
            return result;
          };
        const value = Reflect.get(target, property);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  const db = new Proxy(env.DB, {
    get(target, property) {
      if (property === "prepare") return (sql: string) => wrap(target.prepare(sql), sql);
      if (property === "batch") return () => Promise.reject(new Error("stats must not batch"));
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { seen, env: { ...env, DB: db } as Env };
}

describe("reads rollups, not interactions", () => {
  it("a query over 20,000 interactions reads only the rollup rows of its range", async () => {
    const D0 = Date.UTC(2022, 5, 1);
    // 20,000 interactions of billing: 50 hours × 2 versions × 2 audiences = 200 rollup rows.
    const records = Array.from({ length: 20_000 }, (_, i) =>
      interactionRecord(`big-${tag}-${i}`, {
        tenant_id: "acme",
        task: "billing",
        adapter_version: i % 2 ? "billing-v1" : "billing-v0",
        audience: i % 4 < 2 ? "customer" : "developer",
        latency_ms: 50 + (i % 97),
        client_messages: [],
        upstream_messages: [],
        created_at: D0 + Math.floor(i / 400) * HOUR + (i % 400),
      }),
    );
    for (let i = 0; i < records.length; i += 2000) await writeInteractions(env.DB, records.slice(i, i + 2000));
    const range = `since=${D0}&until=${D0 + 50 * HOUR}`;
    const counted = await env.DB.prepare(
      "SELECT COUNT(*) AS rows, SUM(requests) AS requests FROM version_rollups WHERE tenant_id = 'acme' AND task = 'billing' AND hour >= ? AND hour < ?",
    )
      .bind(D0, D0 + 50 * HOUR)
      .first<{ rows: number; requests: number }>();
    expect(counted).toEqual({ rows: 200, requests: 20_000 });

    await get(`/v1/stats/versions?task=billing&${range}`); // warms the registry cache
    const recorder = recordingDb();
    const { response } = await call(`/v1/stats/versions?task=billing&by=audience&interval=hour&${range}`, undefined, {
      env: recorder.env,
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Json;
    expect(body.data.reduce((n: number, v: Json) => n + v.requests, 0)).toBe(20_000);
    expect(recorder.seen.some((s) => /\binteractions\b|\bfeedback\b/.test(s.sql))).toBe(false);
    const rollupReads = recorder.seen.filter((s) => s.sql.includes("version_rollups"));
    expect(rollupReads).toHaveLength(1);
    // The range's 200 rollup rows, plus at most the one row where the index scan stops.
    expect(rollupReads[0].rowsRead).toBeGreaterThanOrEqual(200);
    expect(rollupReads[0].rowsRead).toBeLessThanOrEqual(201);
    const total = recorder.seen.reduce((n, s) => n + s.rowsRead, 0);
    expect(total).toBeLessThan(300);

    // The admin stats read the same rollups.
    const admin = recordingDb();
    const answer = await call(`/admin/tenants/acme/stats?since=${D0}`, undefined, { key: "admin-dev", env: admin.env });
    expect(answer.response.status).toBe(200);
    const rows = ((await answer.response.json()) as Json).data;
    expect(rows.find((r: Json) => r.adapter_version === "billing-v0")).toMatchObject({
      task: "billing",
      requests: 10_000,
      ok: 10_000,
      avg_latency_ms: 98,
    });
    expect(admin.seen.some((s) => /\binteractions\b|\bfeedback\b/.test(s.sql))).toBe(false);
  }, 120_000);
});
