// Lineage of exported examples and the erasure list of a feed, through the
// real app: a feed run's lineage file names every example's interaction and
// feedback, erasing a user (or one interaction, or a rater) lists exactly the
// example ids built from their data, the cursor pages through them, and no
// other tenant reaches any of it.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { storeApiKey } from "../../src/auth/api-keys";
import { feedbackId } from "../../src/export/lineage";
import { call, gatewayRegistry } from "./helpers/gateway";
import { insertFeedback, insertRecords, ratedRecord } from "./helpers/rated";
import { applyTestManifest, KEYS, testcoManifest } from "./helpers/seed";

async function newTenant(prefix: string) {
  const tenant = `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
  await applyTestManifest({ ...testcoManifest(), tenant });
  const key = `sk-${tenant}-test`;
  await storeApiKey(env.DB, tenant, key, "test", Date.now());
  await gatewayRegistry().reload(env.DB);
  return { tenant, key };
}

const parse = (text: string) =>
  text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));

interface Lineage {
  example_id: string;
  line: number;
  format: string;
  interaction_ids: string[];
  feedback_ids: string[];
  adapter_versions: string[];
}
interface Erasures {
  data: { example_id: string; erased_at: number }[];
  has_more: boolean;
  next_cursor: string;
}

/** A tenant with a feed that served `n` examples, one per interaction r0..r{n-1}, user-i as the end user. */
async function servedFeed(n: number) {
  const t = await newTenant("lin");
  const ids = Array.from({ length: n }, (_, i) => `${t.tenant}-r${i}`);
  await insertRecords(ids.map((id, i) => ratedRecord(t.tenant, id, i, { user: `user-${i}` })));
  for (const id of ids) await insertFeedback(t.tenant, id, 1, { user: "rater-a", at: Date.now() - 60_000 });
  await call("/v1/exports/feeds", { name: "nightly", format: "trl-sft" }, { key: t.key });
  const run = await call("/v1/exports/feeds/nightly/next", undefined, { key: t.key });
  const examples = parse(await run.response.text());
  const cursor = run.response.headers.get("x-switchyard-feed-cursor")!;
  const lineage = await call(`/v1/exports/feeds/nightly/lineage?cursor=${encodeURIComponent(cursor)}`, undefined, {
    key: t.key,
  });
  expect(lineage.response.status).toBe(200);
  return { ...t, ids, examples, cursor, lineage: parse(await lineage.response.text()) as Lineage[] };
}

const erasures = async (key: string, query = "") =>
  (await call(`/v1/exports/feeds/nightly/erasures${query}`, undefined, { key })).response;

describe("feed lineage", () => {
  it("lists every example of a run in line order, with its interaction, hashed feedback and version", async () => {
    const f = await servedFeed(4);
    expect(f.examples).toHaveLength(4);
    expect(f.lineage.map((e) => e.line)).toEqual([1, 2, 3, 4]);
    expect(new Set(f.lineage.map((e) => e.example_id)).size).toBe(4);
    const byInteraction = new Map(f.lineage.map((e) => [e.interaction_ids[0], e]));
    expect([...byInteraction.keys()].sort()).toEqual([...f.ids].sort());
    const first = byInteraction.get(f.ids[1])!;
    expect(first).toMatchObject({ format: "trl-sft", adapter_versions: ["support-v1"] });
    expect(first.feedback_ids).toEqual([feedbackId(f.ids[1], 0, "rater-a")]);
    // The training lines carry nothing but the example.
    for (const example of f.examples) expect(Object.keys(example)).toEqual(["messages"]);
  });

  it("the same data served again by another feed of the same format has the same example ids", async () => {
    const f = await servedFeed(2);
    await call("/v1/exports/feeds", { name: "again", format: "trl-sft" }, { key: f.key });
    const run = await call("/v1/exports/feeds/again/next", undefined, { key: f.key });
    await run.response.text();
    const cursor = run.response.headers.get("x-switchyard-feed-cursor")!;
    const again = parse(
      await (
        await call(`/v1/exports/feeds/again/lineage?cursor=${encodeURIComponent(cursor)}`, undefined, { key: f.key })
      ).response.text(),
    ) as Lineage[];
    expect(again.map((e) => e.example_id).sort()).toEqual(f.lineage.map((e) => e.example_id).sort());
  });

  it("a cursor of another feed or a forged one is a 400 naming cursor; an unknown feed a 404", async () => {
    const f = await servedFeed(1);
    await call("/v1/exports/feeds", { name: "other", format: "trl-sft" }, { key: f.key });
    const wrongFeed = await call(`/v1/exports/feeds/other/lineage?cursor=${encodeURIComponent(f.cursor)}`, undefined, {
      key: f.key,
    });
    expect(wrongFeed.response.status).toBe(400);
    expect((await wrongFeed.response.json<{ error: { param: string } }>()).error.param).toBe("cursor");
    const missing = await call("/v1/exports/feeds/nightly/lineage", undefined, { key: f.key });
    expect((await missing.response.json<{ error: { param: string } }>()).error.param).toBe("cursor");
    const unknown = await call(`/v1/exports/feeds/nope/lineage?cursor=${encodeURIComponent(f.cursor)}`, undefined, {
      key: f.key,
    });
    expect(unknown.response.status).toBe(404);
  });
});

describe("GET /v1/exports/feeds/{name}/erasures", () => {
  it("lists exactly the example ids of an erased user, and their lineage is gone", async () => {
    const f = await servedFeed(4);
    expect(await (await erasures(f.key)).json()).toMatchObject({ data: [], has_more: false, next_cursor: "e0" });

    const erased = await call("/v1/users/user-2", undefined, { key: f.key, method: "DELETE" });
    expect(erased.response.status).toBe(200);
    const list = await (await erasures(f.key)).json<Erasures>();
    const expected = f.lineage.filter((e) => e.interaction_ids.includes(f.ids[2])).map((e) => e.example_id);
    expect(list.data.map((e) => e.example_id)).toEqual(expected);

    const lineage = parse(
      await (
        await call(`/v1/exports/feeds/nightly/lineage?cursor=${encodeURIComponent(f.cursor)}`, undefined, {
          key: f.key,
        })
      ).response.text(),
    ) as Lineage[];
    expect(lineage).toHaveLength(3);
    expect(lineage.some((e) => e.interaction_ids.includes(f.ids[2]))).toBe(false);
    const refs = await env.DB.prepare("SELECT COUNT(*) AS n FROM feed_example_refs WHERE tenant_id = ? AND ref = ?")
      .bind(f.tenant, f.ids[2])
      .first<{ n: number }>();
    expect(refs?.n).toBe(0);

    // After the cursor: nothing new until the next erasure.
    expect((await (await erasures(f.key, `?cursor=${list.next_cursor}`)).json<Erasures>()).data).toEqual([]);
    await call(`/v1/interactions/${f.ids[0]}`, undefined, { key: f.key, method: "DELETE" });
    const next = await (await erasures(f.key, `?cursor=${list.next_cursor}`)).json<Erasures>();
    expect(next.data.map((e) => e.example_id)).toEqual(
      f.lineage.filter((e) => e.interaction_ids.includes(f.ids[0])).map((e) => e.example_id),
    );
  });

  it("erasing a rater lists every example built on their feedback", async () => {
    const f = await servedFeed(3);
    await call("/v1/users/rater-a", undefined, { key: f.key, method: "DELETE" });
    const list = await (await erasures(f.key)).json<Erasures>();
    expect(list.data.map((e) => e.example_id).sort()).toEqual(f.lineage.map((e) => e.example_id).sort());
  });

  it("pages with limit and next_cursor", async () => {
    const f = await servedFeed(3);
    for (const i of [0, 1, 2]) await call(`/v1/users/user-${i}`, undefined, { key: f.key, method: "DELETE" });
    const first = await (await erasures(f.key, "?limit=2")).json<Erasures>();
    expect(first.data).toHaveLength(2);
    expect(first.has_more).toBe(true);
    const second = await (await erasures(f.key, `?limit=2&cursor=${first.next_cursor}`)).json<Erasures>();
    expect(second.data).toHaveLength(1);
    expect(second.has_more).toBe(false);
    expect([...first.data, ...second.data].map((e) => e.example_id).sort()).toEqual(
      f.lineage.map((e) => e.example_id).sort(),
    );
  });

  it("bad cursor or limit → 400 naming it; unknown feed → 404", async () => {
    const f = await servedFeed(1);
    for (const [query, param] of [
      ["?cursor=12", "cursor"],
      ["?cursor=e-1", "cursor"],
      ["?limit=0", "limit"],
      ["?limit=5000", "limit"],
    ]) {
      const response = await erasures(f.key, query);
      expect(response.status, query).toBe(400);
      expect((await response.json<{ error: { param: string } }>()).error.param).toBe(param);
    }
    const unknown = await call("/v1/exports/feeds/nope/erasures", undefined, { key: f.key });
    expect(unknown.response.status).toBe(404);
  });

  it("another tenant reaches neither the erasures nor the lineage of a feed", async () => {
    const f = await servedFeed(1);
    await call(`/v1/users/user-0`, undefined, { key: f.key, method: "DELETE" });
    expect((await erasures(KEYS.globex)).status).toBe(404);
    const lineage = await call(`/v1/exports/feeds/nightly/lineage?cursor=${encodeURIComponent(f.cursor)}`, undefined, {
      key: KEYS.globex,
    });
    expect(lineage.response.status).toBe(404);
    // Their own feed of the same name lists nothing of ours.
    const other = await newTenant("lin-other");
    await call("/v1/exports/feeds", { name: "nightly", format: "trl-sft" }, { key: other.key });
    expect((await (await erasures(other.key)).json<Erasures>()).data).toEqual([]);
  });
});
