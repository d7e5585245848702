// Per-tenant and per-key limits through the real app and the real
// TenantLimiter Durable Object: requests_per_minute trips at exactly N+1
// with OpenAI's headers, tokens_per_day refuses once usage reached it,
// max_concurrent_streams refuses the (N+1)th stream and frees the slot when
// a stream ends or its lease expires, another tenant is unaffected, refusals
// leave no interaction record and the operator sees their counts. The
// gateway here runs on a clock the test sets (helpers/limits.ts), so every
// figure is exact.
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/auth/hash-key";
import { readSSE, waitForInteraction } from "./helpers/gateway";
import { chat, newTenant, rateHeaders, send, setNow, T0, worker, type ErrorBody } from "./helpers/limits";
import { applyTestManifest, testcoManifest } from "./helpers/seed";

beforeEach(() => {
  setNow(T0);
});

describe("requests_per_minute", () => {
  it("admits exactly N in any 60 s and refuses the (N+1)th with OpenAI's headers", async () => {
    const t = await newTenant({ requests_per_minute: 3 });
    for (const [i, at] of [0, 10_000, 20_000].entries()) {
      setNow(T0 + at);
      const { response } = await chat(t.key);
      expect(response.status).toBe(200);
      expect(rateHeaders(response)).toEqual({
        "x-ratelimit-limit-requests": "3",
        "x-ratelimit-remaining-requests": String(2 - i),
        "x-ratelimit-reset-requests": "1m0s",
      });
    }
    setNow(T0 + 30_000);
    const refused = await chat(t.key);
    expect(refused.response.status).toBe(429);
    // A slot frees when the first request leaves the window (30 s); all are back 50 s from now.
    expect(rateHeaders(refused.response)).toEqual({
      "x-ratelimit-limit-requests": "3",
      "x-ratelimit-remaining-requests": "0",
      "x-ratelimit-reset-requests": "50s",
      "retry-after": "30",
      "retry-after-ms": "30000",
    });
    const { error } = await refused.response.json<ErrorBody>();
    expect(error).toMatchObject({ type: "requests", code: "rate_limit_exceeded", param: null });
    expect(error.message).toContain(`tenant '${t.tenant}': Limit 3, Used 3`);
    expect(refused.response.headers.get("x-request-id")).toBeTruthy();

    setNow(T0 + 59_999); // the window is sliding: still three within the last 60 s
    expect((await chat(t.key)).response.status).toBe(429);
    setNow(T0 + 60_000); // the first has left the window: exactly one slot
    const again = await chat(t.key);
    expect(again.response.status).toBe(200);
    expect(again.response.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    expect((await chat(t.key)).response.status).toBe(429);
  });

  it("per_key limits each key on its own, inside the tenant's limit", async () => {
    const t = await newTenant({ requests_per_minute: 3, per_key: { requests_per_minute: 1 } }, 3);
    expect((await chat(t.keys[0])).response.status).toBe(200);
    const refused = await chat(t.keys[0]);
    expect(refused.response.status).toBe(429);
    expect((await refused.response.json<ErrorBody>()).error.message).toContain("of this API key: Limit 1");
    // The key's refusal took nothing from the tenant: two more keys fit.
    expect((await chat(t.keys[1])).response.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    expect((await chat(t.keys[2])).response.status).toBe(200);
    const tenantFull = await chat(t.keys[2]);
    expect(tenantFull.response.status).toBe(429);
  });

  it("a refusal leaves no interaction record", async () => {
    const t = await newTenant({ requests_per_minute: 1 });
    const admitted = await chat(t.key);
    const refused = await chat(t.key);
    expect(refused.response.status).toBe(429);
    await Promise.all([admitted.settled(), refused.settled()]);
    await waitForInteraction(admitted.response.headers.get("x-request-id")!);
    const row = await env.DB.prepare("SELECT request_id FROM interactions WHERE tenant_id = ?").bind(t.tenant).all();
    expect(row.results).toHaveLength(1);
  });
});

describe("a key's own limits", () => {
  const ADMIN = "admin-dev";
  const issue = async (tenant: string, body: unknown) => {
    const { response } = await send(`/admin/tenants/${tenant}/keys`, body, ADMIN);
    return { status: response.status, body: await response.json<any>() };
  };

  it("limit that key alone, also where the manifest sets no limits, and replace per_key for it", async () => {
    const t = await newTenant(undefined, 1);
    const own = await issue(t.tenant, { name: "batch job", limits: { requests_per_minute: 1 } });
    expect(own.status).toBe(201);
    expect(own.body.limits).toEqual({ requests_per_minute: 1 });
    expect((await chat(own.body.key)).response.status).toBe(200);
    const refused = await chat(own.body.key);
    expect(refused.response.status).toBe(429);
    expect((await refused.response.json<ErrorBody>()).error.message).toContain("of this API key: Limit 1");
    // The tenant's other key has no limits: no limiter call, no headers.
    const other = await chat(t.key);
    expect(other.response.status).toBe(200);
    expect(rateHeaders(other.response)).toEqual({});

    const perKey = await newTenant({ per_key: { requests_per_minute: 5 } }, 1);
    const tight = await issue(perKey.tenant, { limits: { requests_per_minute: 2 } });
    for (let i = 0; i < 2; i++) expect((await chat(tight.body.key)).response.status).toBe(200);
    expect((await chat(tight.body.key)).response.status).toBe(429);
    for (let i = 0; i < 5; i++) expect((await chat(perKey.key)).response.status).toBe(200);
    expect((await chat(perKey.key)).response.status).toBe(429);
  });

  it("are listed and carried over by rotation", async () => {
    const t = await newTenant(undefined, 0);
    const made = await issue(t.tenant, { limits: { max_concurrent_streams: 2, tokens_per_day: 1000 } });
    const list = await (await send(`/admin/tenants/${t.tenant}/keys`, undefined, ADMIN)).response.json<any>();
    expect(list.data.find((k: { id: string }) => k.id === made.body.id).limits).toEqual({
      max_concurrent_streams: 2,
      tokens_per_day: 1000,
    });
    const rotated = await send(`/admin/tenants/${t.tenant}/keys/${made.body.id}/rotate`, {}, ADMIN);
    expect(rotated.response.status).toBe(201);
    const fresh = await rotated.response.json<any>();
    expect(fresh.limits).toEqual({ max_concurrent_streams: 2, tokens_per_day: 1000 });
    const stream = await chat(fresh.key, { stream: true });
    expect(stream.response.headers.get("x-ratelimit-limit-tokens")).toBe("1000");
    await readSSE(stream.response);
  });

  it("a bad value is a 400 naming the field", async () => {
    const t = await newTenant(undefined, 0);
    for (const [limits, param] of [
      [{ requests_per_minute: 0 }, "limits.requests_per_minute"],
      [{ tokens_per_day: 1.5 }, "limits.tokens_per_day"],
      [{ max_streams: 2 }, "limits.max_streams"],
    ] as const) {
      const bad = await issue(t.tenant, { limits });
      expect(bad.status).toBe(400);
      expect(bad.body.error.param).toBe(param);
    }
  });
});

describe("refusals this isolate already knows", () => {
  it("are answered before the body is read, until exactly the limiter's retry time, and still counted", async () => {
    const t = await newTenant({ requests_per_minute: 1 });
    expect((await chat(t.key)).response.status).toBe(200);
    setNow(T0 + 10_000);
    expect((await chat(t.key)).response.status).toBe(429); // the limiter's refusal, remembered
    // A body that is no chat request at all: refused as the limiter would, not a 400.
    setNow(T0 + 20_000);
    const known = await send("/v1/chat/completions", "{not json", t.key);
    expect(known.response.status).toBe(429);
    expect(rateHeaders(known.response)).toMatchObject({
      "x-ratelimit-remaining-requests": "0",
      "retry-after": "40",
      "retry-after-ms": "40000",
    });
    for (let i = 0; i < 3; i++) expect((await chat(t.key)).response.status).toBe(429);
    setNow(T0 + 60_000); // the first request left the window: the limiter admits again
    expect((await chat(t.key)).response.status).toBe(200);
    const view = await (await send(`/admin/tenants/${t.tenant}/limits`, undefined, "admin-dev")).response.json<any>();
    expect(view.refusals).toEqual({ requests: 5, tokens: 0, streams: 0 });
  });

  it("a raised limit applies at once despite a remembered refusal", async () => {
    const t = await newTenant({ requests_per_minute: 1 });
    await chat(t.key);
    expect((await chat(t.key)).response.status).toBe(429);
    await applyTestManifest({ ...testcoManifest(), tenant: t.tenant, limits: { requests_per_minute: 5 } });
    await worker.registry.reload(env.DB);
    expect((await chat(t.key)).response.status).toBe(200);
  });
});

describe("tokens_per_day", () => {
  it("refuses once the day's recorded usage reaches the budget, until the next UTC day", async () => {
    const budget = 30;
    const t = await newTenant({ tokens_per_day: budget });
    const first = await chat(t.key);
    expect(first.response.status).toBe(200);
    expect(rateHeaders(first.response)).toEqual({
      "x-ratelimit-limit-tokens": String(budget),
      "x-ratelimit-remaining-tokens": String(budget),
      "x-ratelimit-reset-tokens": "0s",
    });
    const each = (await first.response.json<{ usage: { total_tokens: number } }>()).usage.total_tokens;
    await first.settled(); // usage is recorded after the answer, in waitUntil
    expect(each).toBeGreaterThan(0);

    // Every request uses `each` tokens; one is admitted while the recorded usage is under the budget.
    const admittedUntilFull = Math.ceil(budget / each);
    for (let i = 1; i < admittedUntilFull; i++) {
      const next = await chat(t.key);
      expect(next.response.status).toBe(200);
      expect(next.response.headers.get("x-ratelimit-remaining-tokens")).toBe(String(budget - i * each));
      await next.settled();
    }
    const refused = await chat(t.key);
    expect(refused.response.status).toBe(429);
    expect(rateHeaders(refused.response)).toEqual({
      "x-ratelimit-limit-tokens": String(budget),
      "x-ratelimit-remaining-tokens": "0",
      "x-ratelimit-reset-tokens": "12h0m0s",
      "retry-after": String(12 * 3600),
      "retry-after-ms": String(12 * 3600 * 1000),
    });
    const { error } = await refused.response.json<ErrorBody>();
    expect(error).toMatchObject({ type: "tokens", code: "rate_limit_exceeded" });
    expect(error.message).toContain(`Limit ${budget}, Used ${admittedUntilFull * each}`);

    setNow(Date.UTC(2026, 11, 2)); // a new UTC day
    expect((await chat(t.key)).response.status).toBe(200);
  });

  it("counts streamed usage too", async () => {
    const t = await newTenant({ tokens_per_day: 1 });
    const stream = await chat(t.key, { stream: true });
    expect(stream.response.status).toBe(200);
    await readSSE(stream.response);
    await stream.settled();
    expect((await chat(t.key)).response.status).toBe(429);
  });
});

describe("max_concurrent_streams", () => {
  it("refuses the (N+1)th open stream and frees the slot when a stream ends", async () => {
    const t = await newTenant({ max_concurrent_streams: 2 });
    const open = [await chat(t.key, { stream: true }), await chat(t.key, { stream: true })];
    for (const s of open) expect(s.response.status).toBe(200);

    const refused = await chat(t.key, { stream: true });
    expect(refused.response.status).toBe(429);
    expect(refused.response.headers.get("retry-after")).toBe("1");
    const { error } = await refused.response.json<ErrorBody>();
    expect(error).toMatchObject({ type: "requests", code: "rate_limit_exceeded" });
    expect(error.message).toContain("concurrent streams");
    // The limit is on streams: a non-streamed request still goes through.
    expect((await chat(t.key)).response.status).toBe(200);

    await readSSE(open[0].response); // the stream ends …
    await open[0].settled(); // … and its lease is released
    const next = await chat(t.key, { stream: true });
    expect(next.response.status).toBe(200);
    expect((await chat(t.key, { stream: true })).response.status).toBe(429);
    for (const s of [open[1], next]) {
      await readSSE(s.response);
      await s.settled();
    }
  });

  it("an expired lease frees its slot (a stream whose isolate died), and a renewed one holds it", async () => {
    const t = await newTenant({ max_concurrent_streams: 1 });
    const limiter = env.TENANT_LIMITER.getByName(t.tenant);
    const limits = { max_concurrent_streams: 1 };
    // A stream admitted by an isolate that then died: admitted, never settled.
    const orphan = await limiter.admit({
      keyId: "key_gone",
      tenantLimits: limits,
      keyLimits: null,
      stream: true,
      nowMs: T0,
      leaseMs: 10_000,
    });
    expect(orphan.leaseId).not.toBeNull();
    expect((await chat(t.key, { stream: true })).response.status).toBe(429);
    setNow(T0 + 8_000);
    expect(await limiter.renew({ leaseId: orphan.leaseId!, nowMs: T0 + 8_000, leaseMs: 10_000 })).toBe(true);
    setNow(T0 + 17_999); // renewed until T0 + 18 s
    expect((await chat(t.key, { stream: true })).response.status).toBe(429);
    setNow(T0 + 18_000);
    const admitted = await chat(t.key, { stream: true });
    expect(admitted.response.status).toBe(200);
    expect(await limiter.renew({ leaseId: orphan.leaseId!, nowMs: T0 + 18_000, leaseMs: 10_000 })).toBe(false);
    await readSSE(admitted.response);
    await admitted.settled();
  });
});

describe("isolation and the operator's view", () => {
  it("another tenant is unaffected while one is over its limit", async () => {
    const [a, b] = [await newTenant({ requests_per_minute: 1 }), await newTenant({ requests_per_minute: 5 })];
    expect((await chat(a.key)).response.status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await chat(a.key)).response.status).toBe(429);
    const other = await chat(b.key);
    expect(other.response.status).toBe(200);
    expect(other.response.headers.get("x-ratelimit-remaining-requests")).toBe("4");
    const unlimited = await newTenant();
    const free = await chat(unlimited.key);
    expect(free.response.status).toBe(200);
    expect(rateHeaders(free.response)).toEqual({});
  });

  it("limits changed by a new manifest version apply at once", async () => {
    const t = await newTenant();
    expect((await chat(t.key)).response.status).toBe(200);
    await applyTestManifest({ ...testcoManifest(), tenant: t.tenant, limits: { requests_per_minute: 1 } });
    await worker.registry.reload(env.DB);
    expect((await chat(t.key)).response.status).toBe(200);
    expect((await chat(t.key)).response.status).toBe(429);
  });

  it("counts refusals per tenant and key for the operator, and a manage key sees only its own tenant", async () => {
    const t = await newTenant({ requests_per_minute: 1, per_key: { max_concurrent_streams: 1 } }, 2);
    await chat(t.keys[0]);
    await chat(t.keys[0]);
    await chat(t.keys[1]);
    const { response } = await send(`/admin/tenants/${t.tenant}/limits`, undefined, "admin-dev");
    expect(response.status).toBe(200);
    const body = await response.json<Record<string, unknown>>();
    expect(body).toMatchObject({
      tenant: t.tenant,
      limits: { requests_per_minute: 1, per_key: { max_concurrent_streams: 1 } },
      day: "2026-12-01",
      usage: { requests_last_minute: 1, tokens_today: 0, open_streams: 0 },
      refusals: { requests: 2, tokens: 0, streams: 0 },
      last_refused_at: T0,
    });
    const ids = await Promise.all(t.keys.map(async (k) => `key_${(await sha256Hex(k)).slice(0, 16)}`));
    expect(body.keys).toEqual(
      ids.sort().map((key_id) => ({
        key_id,
        usage: { requests_last_minute: 0, tokens_today: 0, open_streams: 0 },
        refusals: { requests: 1, tokens: 0, streams: 0 },
        last_refused_at: T0,
      })),
    );

    const other = await newTenant();
    const outsider = await send(`/admin/tenants/${t.tenant}/limits`, undefined, other.key);
    expect(outsider.response.status).toBe(404);
    expect((await send(`/admin/tenants/${other.tenant}/limits`, undefined, other.key)).response.status).toBe(200);
    expect((await send(`/admin/tenants/${t.tenant}/limits`, undefined, "sk-nobody")).response.status).toBe(401);
  });
});
