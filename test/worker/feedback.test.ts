// POST /v1/feedback through the real app inside workerd: validation of each
// field, idempotency per (request id, user), feedback that arrives before its
// interaction, signed feedback tokens without an API key, CORS for a browser
// widget, and tenant isolation. The test D1 is shared with the other worker
// test files, so every test makes its own request ids and users.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { signFeedbackToken } from "../../src/auth/feedback-token";
import { call, chat, waitForInteraction } from "./helpers/gateway";
import { KEYS } from "./helpers/seed";

type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };
type FeedbackBody = Record<string, unknown> & { interaction_found: boolean; created_at: number; updated_at: number };

const freshId = () => `fb-${crypto.randomUUID()}`;
const freshUser = () => `fb-user-${crypto.randomUUID()}`;
const post = (body: unknown, options: Parameters<typeof call>[2] = {}) => call("/v1/feedback", body, options);

async function rows(tenant: string, requestId: string) {
  const { results } = await env.DB.prepare(
    "SELECT * FROM feedback WHERE tenant_id = ? AND request_id = ? ORDER BY user_key",
  )
    .bind(tenant, requestId)
    .all<Record<string, unknown>>();
  return results;
}

/** A real acme chat completion: its request id and the feedback token it carried. */
async function acmeChat(headers: Record<string, string> = {}) {
  const { response } = await chat({ model: "support", user: freshUser() }, { headers });
  expect(response.status).toBe(200);
  await response.text();
  return { id: response.headers.get("x-request-id")!, token: response.headers.get("x-switchyard-feedback-token")! };
}

describe("validation", () => {
  const id = freshId();
  const cases: [string, unknown, string | null][] = [
    ["request_id missing", { rating: 1 }, "request_id"],
    ["request_id not an id", { request_id: "bad id", rating: 1 }, "request_id"],
    ["rating missing", { request_id: id }, "rating"],
    ["rating 0", { request_id: id, rating: 0 }, "rating"],
    ["rating 2", { request_id: id, rating: 2 }, "rating"],
    ["rating 'up'", { request_id: id, rating: "up" }, "rating"],
    ["score 1.5", { request_id: id, rating: 1, score: 1.5 }, "score"],
    ["score -0.1", { request_id: id, rating: 1, score: -0.1 }, "score"],
    ["score not a number", { request_id: id, rating: 1, score: "0.5" }, "score"],
    ["comment over 4096 bytes", { request_id: id, rating: 1, comment: "a".repeat(4097) }, "comment"],
    // 2049 characters but 4098 UTF-8 bytes: the limit counts bytes.
    ["comment over 4096 bytes in few characters", { request_id: id, rating: 1, comment: "é".repeat(2049) }, "comment"],
    ["correction over 32 KB", { request_id: id, rating: -1, correction: "a".repeat(32 * 1024 + 1) }, "correction"],
    ["17 tags", { request_id: id, rating: 1, tags: Array.from({ length: 17 }, (_, i) => `t${i}`) }, "tags"],
    ["tag not a slug", { request_id: id, rating: 1, tags: ["ok", "Not A Slug"] }, "tags[1]"],
    ["tags not an array", { request_id: id, rating: 1, tags: "tone" }, "tags"],
    ["user too long", { request_id: id, rating: 1, user: "u".repeat(257) }, "user"],
    ["user empty", { request_id: id, rating: 1, user: "" }, "user"],
    ["unknown field", { request_id: id, rating: 1, stars: 5 }, "stars"],
  ];
  it.each(cases)("%s → 400 naming the param", async (_, body, param) => {
    const { response } = await post(body);
    expect(response.status).toBe(400);
    const { error } = await response.json<ErrorBody>();
    expect(error.type).toBe("invalid_request_error");
    expect(error.param).toBe(param);
    expect(error.message).toContain(String(param));
  });

  it("a missing request_id is missing_required_parameter", async () => {
    const { response } = await post({ rating: 1 });
    expect((await response.json<ErrorBody>()).error.code).toBe("missing_required_parameter");
  });

  it("malformed JSON → 400 invalid_request_error", async () => {
    const { response } = await post("{not json");
    expect(response.status).toBe(400);
    expect((await response.json<ErrorBody>()).error.type).toBe("invalid_request_error");
  });

  it("accepts every field at its limit", async () => {
    const body = {
      request_id: freshId(),
      rating: -1,
      score: 0,
      comment: "é".repeat(2048),
      correction: "a".repeat(32 * 1024),
      tags: Array.from({ length: 16 }, (_, i) => `tag-${i}`),
      user: "u".repeat(256),
    };
    const { response } = await post(body);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      ...body,
      object: "feedback",
      source: "api_key",
      interaction_found: false,
    });
  });
});

describe("idempotency", () => {
  it("a second post by the same user updates the one row and keeps created_at", async () => {
    const request_id = freshId();
    const user = freshUser();
    const first = await (
      await post({ request_id, user, rating: -1, comment: "wrong", correction: "the fix", tags: ["tone"] })
    ).response.json<FeedbackBody>();
    const { response } = await post({ request_id, user, rating: 1, score: 0.9 });
    expect(response.status).toBe(200);
    const second = await response.json<FeedbackBody>();
    expect(second).toMatchObject({
      request_id,
      user,
      rating: 1,
      score: 0.9,
      comment: null,
      correction: null,
      tags: [],
    });
    expect(second.created_at).toBe(first.created_at);
    expect(second.updated_at).toBeGreaterThan(first.updated_at);

    const stored = await rows("acme", request_id);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      user_key: user,
      rating: 1,
      score: 0.9,
      correction: null,
      tags: "[]",
      source: "api_key",
    });
  });

  it("different users get one row each; no user is one anonymous row", async () => {
    const request_id = freshId();
    const [a, b] = [freshUser(), freshUser()];
    for (const body of [
      { request_id, user: a, rating: 1 },
      { request_id, user: b, rating: -1 },
      { request_id, rating: 1 },
      { request_id, rating: -1 },
      { request_id, user: a, rating: 1, tags: ["helpful", "helpful"] },
    ]) {
      expect((await post(body)).response.status).toBe(200);
    }
    const stored = await rows("acme", request_id);
    expect(stored.map((r) => [r.user_key, r.rating])).toEqual([
      ["", -1],
      ...[
        [a, 1],
        [b, -1],
      ].sort(),
    ]);
    expect(stored.find((r) => r.user_key === a)?.tags).toBe('["helpful"]');
  });

  it("answers user null for anonymous feedback", async () => {
    const { response } = await post({ request_id: freshId(), rating: 1 });
    expect((await response.json<FeedbackBody>()).user).toBeNull();
  });
});

describe("feedback before the interaction is logged", () => {
  it("is stored at once and joined when the interaction lands", async () => {
    const user = freshUser();
    // The answer is out; its record is still on its way through the queue.
    const { response } = await chat({ model: "support", user });
    expect(response.status).toBe(200);
    const request_id = (await response.json<{ id: string }>()).id;
    const early = await post({ request_id, user, rating: -1, correction: "What I wanted", tags: ["wrong-answer"] });
    expect(early.response.status).toBe(200);
    expect((await early.response.json<FeedbackBody>()).interaction_found).toBe(false);
    await waitForInteraction(request_id);

    const detail = await call(`/v1/interactions/${request_id}`);
    expect(detail.response.status).toBe(200);
    const interaction = await detail.response.json<{ feedback: unknown[]; feedback_summary: unknown }>();
    expect(interaction.feedback_summary).toEqual({ up: 0, down: 1 });
    expect(interaction.feedback).toEqual([
      expect.objectContaining({ request_id, user, rating: -1, correction: "What I wanted", tags: ["wrong-answer"] }),
    ]);

    const late = await post({ request_id, user, rating: -1, correction: "What I wanted, v2" });
    expect((await late.response.json<FeedbackBody>()).interaction_found).toBe(true);
  });
});

describe("feedback tokens", () => {
  const flip = (token: string) => {
    const i = token.length - 10; // inside the signature, away from base64url's padding bits
    return token.slice(0, i) + (token[i] === "A" ? "B" : "A") + token.slice(i + 1);
  };

  it("a chat response's token rates that request without an API key", async () => {
    const { id, token } = await acmeChat();
    expect(token).toMatch(/^v1\.acme\.\d+\.[A-Za-z0-9_-]+$/);
    const { response } = await post({ request_id: id, rating: 1, comment: "from the widget" }, { key: token });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ request_id: id, user: null, rating: 1, source: "token" });
    expect(await rows("acme", id)).toEqual([
      expect.objectContaining({ user_key: "", source: "token", comment: "from the widget" }),
    ]);
  });

  it("also accepts the token in x-switchyard-feedback-token", async () => {
    const { id, token } = await acmeChat();
    const { response } = await post(
      { request_id: id, rating: -1 },
      { key: null, headers: { "x-switchyard-feedback-token": token } },
    );
    expect(response.status).toBe(200);
    expect((await rows("acme", id))[0]).toMatchObject({ rating: -1, source: "token" });
  });

  it("rejects a forged, expired, other request's or unknown tenant's token with the same 401", async () => {
    const { id, token } = await acmeChat();
    const other = await acmeChat();
    const past = Math.floor(Date.now() / 1000) - 60;
    const expired = await signFeedbackToken(env.FEEDBACK_SIGNING_KEY, "acme", id, past);
    const wrongKey = await signFeedbackToken("not-the-key", "acme", id, past + 3600);
    const noTenant = await signFeedbackToken(env.FEEDBACK_SIGNING_KEY, "no-such-tenant", id, past + 3600);
    for (const bad of [flip(token), expired, other.token, wrongKey, noTenant, "v1.acme.garbage", "v1."]) {
      const { response } = await post({ request_id: id, rating: 1 }, { key: bad });
      expect(response.status, bad).toBe(401);
      expect((await response.json<ErrorBody>()).error).toMatchObject({
        type: "authentication_error",
        code: "invalid_api_key",
      });
    }
    expect(await rows("acme", id)).toEqual([]);
  });

  it("a token cannot vote as a named user", async () => {
    const { id, token } = await acmeChat();
    const { response } = await post({ request_id: id, rating: 1, user: "sock-puppet" }, { key: token });
    expect(response.status).toBe(400);
    expect((await response.json<ErrorBody>()).error.param).toBe("user");
  });

  it("no credential, or an unknown API key, is 401 before the body is looked at", async () => {
    for (const key of [null, "sk-nope"]) {
      const { response } = await post({ rating: 7 }, { key });
      expect(response.status).toBe(401);
    }
  });
});

describe("CORS (browser widget)", () => {
  const preflight = (origin: string, envOverride?: Partial<Env>) =>
    call("/v1/feedback", undefined, {
      method: "OPTIONS",
      key: null,
      env: envOverride,
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type, authorization",
      },
    });

  it("answers the preflight with 204 and the allowed headers", async () => {
    const { response } = await preflight("https://widget.example");
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    const allowHeaders = response.headers.get("access-control-allow-headers")!.toLowerCase().split(",");
    expect(allowHeaders).toEqual(
      expect.arrayContaining(["authorization", "content-type", "x-switchyard-feedback-token"]),
    );
    expect(response.headers.get("access-control-allow-methods")).toContain("POST");
  });

  it("honours a FEEDBACK_CORS_ORIGINS list", async () => {
    const list = { FEEDBACK_CORS_ORIGINS: "https://a.example, https://b.example" } as never;
    const allowed = await preflight("https://b.example", list);
    expect(allowed.response.headers.get("access-control-allow-origin")).toBe("https://b.example");
    const refused = await preflight("https://evil.example", list);
    expect(refused.response.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("puts the CORS headers on answers and on errors, so the widget can read both", async () => {
    const { id, token } = await acmeChat();
    const ok = await post({ request_id: id, rating: 1 }, { key: token, headers: { origin: "https://widget.example" } });
    expect(ok.response.status).toBe(200);
    expect(ok.response.headers.get("access-control-allow-origin")).toBe("*");
    const denied = await post(
      { request_id: id, rating: 1 },
      { key: null, headers: { origin: "https://widget.example" } },
    );
    expect(denied.response.status).toBe(401);
    expect(denied.response.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("is not applied to the other /v1 routes", async () => {
    const { response } = await call("/v1/interactions", undefined, { headers: { origin: "https://widget.example" } });
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("tenant isolation", () => {
  it("globex can neither read nor rate acme's interaction, and cannot tell it exists", async () => {
    const { id: acmeId } = await acmeChat();
    const acmeRow = await waitForInteraction(acmeId);
    const missingId = freshId();
    const globex = { key: KEYS.globex };

    // Read: the same 404 for acme's id and for an id nobody has.
    const readAcme = await call(`/v1/interactions/${acmeId}`, undefined, globex);
    const readMissing = await call(`/v1/interactions/${missingId}`, undefined, globex);
    expect(readAcme.response.status).toBe(404);
    expect(readMissing.response.status).toBe(404);
    const [a, m] = [await readAcme.response.json<ErrorBody>(), await readMissing.response.json<ErrorBody>()];
    expect(a.error.message.replace(acmeId, "ID")).toBe(m.error.message.replace(missingId, "ID"));
    expect({ ...a.error, message: "" }).toEqual({ ...m.error, message: "" });

    const since = Number(acmeRow.created_at) - 1;
    const list = await call(`/v1/interactions?limit=100&since=${since}`, undefined, globex);
    expect((await list.response.json<{ data: { id: string }[] }>()).data.map((i) => i.id)).not.toContain(acmeId);

    // Rate: stored under globex, answered exactly as for an id nobody has.
    const rateAcme = await post({ request_id: acmeId, rating: -1, correction: "globex was here" }, globex);
    const rateMissing = await post({ request_id: missingId, rating: -1, correction: "globex was here" }, globex);
    expect(rateAcme.response.status).toBe(200);
    const strip = ({ request_id, created_at, updated_at, ...rest }: FeedbackBody) => rest;
    expect(strip(await rateAcme.response.json<FeedbackBody>())).toEqual(
      strip(await rateMissing.response.json<FeedbackBody>()),
    );
    expect(await rows("globex", acmeId)).toHaveLength(1);
    expect(await rows("acme", acmeId)).toEqual([]);

    const acmeView = await call(`/v1/interactions/${acmeId}`);
    const interaction = await acmeView.response.json<{ feedback: unknown[]; feedback_summary: unknown }>();
    expect(interaction.feedback).toEqual([]);
    expect(interaction.feedback_summary).toEqual({ up: 0, down: 0 });
    const rated = await call(`/v1/interactions?rating=-1&since=${since}&limit=100`);
    expect((await rated.response.json<{ data: { id: string }[] }>()).data.map((i) => i.id)).not.toContain(acmeId);
  });

  it("an acme token cannot be spent on a globex request", async () => {
    const { token } = await acmeChat();
    const { response: g } = await chat({ model: "support" }, { key: KEYS.globex });
    const globexId = g.headers.get("x-request-id")!;
    await g.text();
    const { response } = await post({ request_id: globexId, rating: 1 }, { key: token });
    expect(response.status).toBe(401);
  });
});

describe("OpenAPI", () => {
  it("documents the feedback and interactions routes", async () => {
    const { response } = await call("/openapi.json", undefined, { key: null });
    expect(response.status).toBe(200);
    const doc = await response.json<{
      paths: Record<string, Record<string, unknown>>;
      components: Record<string, Record<string, unknown>>;
    }>();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/v1/feedback", "/v1/interactions", "/v1/interactions/{id}"]),
    );
    expect(doc.paths["/v1/feedback"].post).toBeTruthy();
    expect(doc.components.securitySchemes.feedbackToken).toBeTruthy();
    expect(doc.components.schemas.FeedbackRequest).toBeTruthy();
  });
});
