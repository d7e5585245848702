// DELETE /v1/users/{user} and DELETE /v1/interactions/{id}: every row and R2
// body of that user (or interaction) in the caller's tenant goes, nothing of
// anyone else's; a record still on the queue when the erasure ran is dropped
// when it lands; exports no longer see the data; scope manage; tenant-scoped.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { writeInteractions } from "../../src/logging/write-interactions";
import { call, chat, waitForInteraction } from "./helpers/gateway";
import { interactionRecord } from "./helpers/records";
import { KEYS } from "./helpers/seed";

type Erased = { erased: { interactions: number; feedback: number; blobs: number } };

const rowsOf = async (tenant: string, user: string) =>
  (
    await env.DB.prepare("SELECT request_id FROM interactions WHERE tenant_id = ? AND user = ?")
      .bind(tenant, user)
      .all()
  ).results.length;
const feedbackBy = async (tenant: string, user: string) =>
  (await env.DB.prepare("SELECT 1 FROM feedback WHERE tenant_id = ? AND user_key = ?").bind(tenant, user).all()).results
    .length;

async function logged(user: string, key: string = KEYS.acme, model = "support") {
  const { response, settled } = await chat(
    { model, user, messages: [{ role: "user", content: `hi from ${user}` }] },
    { key },
  );
  await response.text();
  await settled();
  const id = response.headers.get("x-request-id")!;
  await waitForInteraction(id);
  return id;
}

describe("DELETE /v1/users/{user}", () => {
  it("erases the user's interactions, feedback on them, feedback they gave and their R2 bodies, nobody else's", async () => {
    const user = `erase-${crypto.randomUUID().slice(0, 8)}`;
    const other = `keep-${crypto.randomUUID().slice(0, 8)}`;
    const [a, b] = [await logged(user), await logged(user)];
    const kept = await logged(other);
    // Feedback on the user's answer by someone else, and the user's rating of another's answer.
    await call("/v1/feedback", { request_id: a, rating: 1, user: "rater" });
    await call("/v1/feedback", { request_id: kept, rating: -1, user });
    await call("/v1/feedback", { request_id: kept, rating: 1, user: "rater" });
    // One of the user's rows was too big for D1: its body sits in R2.
    await env.DB.prepare("UPDATE interactions SET blob_key = ? WHERE tenant_id = 'acme' AND request_id = ?")
      .bind(`interactions/acme/${b}.json`, b)
      .run();
    await env.BLOBS.put(`interactions/acme/${b}.json`, "{}");
    // The other went through R2 on its way (over the queue's message size) and its row kept its bodies.
    await env.BLOBS.put(`interactions/acme/${a}.json`, "{}");

    const { response } = await call(`/v1/users/${user}`, undefined, { method: "DELETE" });
    expect(response.status).toBe(200);
    expect((await response.json<Erased>()).erased).toEqual({ interactions: 2, feedback: 2, blobs: 2 });
    expect(await rowsOf("acme", user)).toBe(0);
    expect(await feedbackBy("acme", user)).toBe(0);
    expect(await env.BLOBS.head(`interactions/acme/${b}.json`)).toBeNull();
    expect(await env.BLOBS.head(`interactions/acme/${a}.json`)).toBeNull();
    expect(await rowsOf("acme", other)).toBe(1);
    expect(await feedbackBy("acme", "rater")).toBe(1); // the rating of the kept answer stays
    expect((await call(`/v1/interactions/${a}`)).response.status).toBe(404);
  });

  it("drops a record of the user that lands after the erasure (still on the queue when it ran)", async () => {
    const user = `late-${crypto.randomUUID().slice(0, 8)}`;
    const before = Date.now() - 1000;
    expect((await call(`/v1/users/${user}`, undefined, { method: "DELETE" })).response.status).toBe(200);
    const late = { ...recordFor("acme", `late-${crypto.randomUUID()}`), user, created_at: before };
    const later = { ...recordFor("acme", `later-${crypto.randomUUID()}`), user, created_at: Date.now() + 60_000 };
    await writeInteractions(env.DB, [late, later]);
    const { results } = await env.DB.prepare(
      "SELECT request_id FROM interactions WHERE tenant_id = 'acme' AND user = ?",
    )
      .bind(user)
      .all<{ request_id: string }>();
    // Made before the erasure: dropped. Made after it (the user came back): kept.
    expect(results.map((r) => r.request_id)).toEqual([later.request_id]);
  });

  it("touches only the caller's tenant", async () => {
    const user = `shared-${crypto.randomUUID().slice(0, 8)}`;
    await logged(user, KEYS.acme);
    await logged(user, KEYS.globex, "tutoring");
    const { response } = await call(`/v1/users/${user}`, undefined, { method: "DELETE", key: KEYS.globex });
    expect((await response.json<Erased>()).erased.interactions).toBe(1);
    expect(await rowsOf("acme", user)).toBe(1);
    expect(await rowsOf("globex", user)).toBe(0);
  });

  it("needs the manage scope", async () => {
    const created = await call("/admin/tenants/acme/keys", { scopes: ["read", "chat"] }, { key: "admin-dev" });
    const { key } = await created.response.json<{ key: string }>();
    const { response } = await call("/v1/users/anyone", undefined, { method: "DELETE", key });
    expect(response.status).toBe(403);
  });
});

describe("DELETE /v1/interactions/{id}", () => {
  it("erases one interaction and the feedback on it; the export no longer has it", async () => {
    const user = `one-${crypto.randomUUID().slice(0, 8)}`;
    const id = await logged(user);
    await call("/v1/feedback", { request_id: id, rating: 1 });
    const { response } = await call(`/v1/interactions/${id}`, undefined, { method: "DELETE" });
    expect(response.status).toBe(200);
    expect((await response.json<Erased>()).erased).toMatchObject({ interactions: 1, feedback: 1 });
    expect((await call(`/v1/interactions/${id}`)).response.status).toBe(404);
    const exported = await (await call("/v1/exports/training-data?format=trl-kto")).response.text();
    expect(exported).not.toContain(`hi from ${user}`);
  });

  it("is a 404 for another tenant's interaction, which stays", async () => {
    const id = await logged(`theirs-${crypto.randomUUID().slice(0, 8)}`, KEYS.globex, "tutoring");
    const { response } = await call(`/v1/interactions/${id}`, undefined, { method: "DELETE", key: KEYS.acme });
    expect(response.status).toBe(404);
    expect((await call(`/v1/interactions/${id}`, undefined, { key: KEYS.globex })).response.status).toBe(200);
  });

  it("drops the record if it lands after the erasure", async () => {
    const id = `inflight-${crypto.randomUUID()}`;
    expect((await call(`/v1/interactions/${id}`, undefined, { method: "DELETE" })).response.status).toBe(404);
    await writeInteractions(env.DB, [recordFor("acme", id)]);
    expect((await call(`/v1/interactions/${id}`)).response.status).toBe(404);
  });
});

const recordFor = (tenant: string, requestId: string) =>
  interactionRecord(requestId, { tenant_id: tenant, task: "support" });
