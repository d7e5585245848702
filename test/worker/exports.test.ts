// Training-data export through the real app: the streaming endpoint, its
// validation, feeds (freshness, unacknowledged runs), tenant isolation, and
// the Workflow export of 20,000 rows matching the streaming output.
import { introspectWorkflow } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { storeApiKey } from "../../src/auth/api-keys";
import { call, gatewayRegistry } from "./helpers/gateway";
import { validateExample } from "../../src/export/validate-example";
import { insertFeedback, insertFeedbackBulk, insertRecords, ratedRecord } from "./helpers/rated";
import { applyTestManifest, KEYS, testcoManifest } from "./helpers/seed";

async function newTenant(prefix: string) {
  const tenant = `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
  await applyTestManifest({ ...testcoManifest(), tenant });
  const key = `sk-${tenant}-test`;
  await storeApiKey(env.DB, tenant, key, "test", Date.now());
  await gatewayRegistry().reload(env.DB); // as the admin API does after issuing a key
  return { tenant, key };
}

const lines = (text: string) =>
  text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));

describe("GET /v1/exports/training-data", () => {
  let t: { tenant: string; key: string };
  beforeAll(async () => {
    t = await newTenant("exp");
    await insertRecords(Array.from({ length: 10 }, (_, i) => ratedRecord(t.tenant, `${t.tenant}-r${i}`, i)));
    for (let i = 0; i < 6; i++) await insertFeedback(t.tenant, `${t.tenant}-r${i}`, 1);
    await insertFeedback(t.tenant, `${t.tenant}-r6`, -1, { correction: "Go to Settings → Security → Reset password." });
    await insertFeedback(t.tenant, `${t.tenant}-r7`, -1);
  });

  it.each(["openai-sft", "openai-dpo", "trl-sft", "trl-dpo", "trl-kto"] as const)(
    "streams valid %s JSONL",
    async (format) => {
      const { response } = await call(`/v1/exports/training-data?format=${format}`, undefined, { key: t.key });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toContain("application/x-ndjson");
      const examples = lines(await response.text());
      for (const e of examples) expect(validateExample(format, e)).toEqual([]);
      const expected = { "openai-sft": 7, "trl-sft": 7, "openai-dpo": 1, "trl-dpo": 1, "trl-kto": 9 }[format];
      expect(examples).toHaveLength(expected);
    },
  );

  it("puts the correction in place of the rejected answer, and keeps the system prompt as sent", async () => {
    const { response } = await call("/v1/exports/training-data?format=openai-sft&task=billing", undefined, {
      key: t.key,
    });
    const examples = lines(await response.text());
    const corrected = examples.find((e) => e.messages.at(-1).content.startsWith("Go to Settings"));
    expect(corrected.messages[0]).toEqual({ role: "system", content: "You are Acme Cloud's support assistant." });
    const none = lines(
      await (
        await call("/v1/exports/training-data?format=openai-sft&system=none", undefined, { key: t.key })
      ).response.text(),
    );
    expect(none.every((e) => e.messages[0].role === "user")).toBe(true);
  });

  it("filters by task, version and audience, and appends a stats line on request", async () => {
    const { response } = await call(
      "/v1/exports/training-data?format=trl-kto&task=support&version=support-v1&include_stats=true",
      undefined,
      { key: t.key },
    );
    const all = lines(await response.text());
    const stats = all.at(-1).switchyard_export;
    expect(stats).toMatchObject({ format: "trl-kto", rows_seen: 4 });
    expect(all.slice(0, -1)).toHaveLength(stats.examples);
  });

  it.each([
    ["", "format"],
    ["format=csv", "format"],
    ["format=trl-sft&min_score=2", "min_score"],
    ["format=trl-sft&since=yesterday", "since"],
    ["format=trl-sft&split=test", "split"],
    ["format=trl-sft&val_ratio=1.5", "val_ratio"],
    ["format=trl-sft&redact=maybe", "redact"],
    ["format=trl-sft&tags=Not%20A%20Slug", "tags[0]"],
    ["format=trl-sft&since=2026-01-02&until=2026-01-01", "until"],
  ])("?%s → 400 naming %s", async (query, param) => {
    const { response } = await call(`/v1/exports/training-data?${query}`, undefined, { key: t.key });
    expect(response.status).toBe(400);
    expect((await response.json<{ error: { param: string } }>()).error.param).toBe(param);
  });

  it("never exports another tenant's interactions", async () => {
    const other = await call("/v1/exports/training-data?format=trl-kto", undefined, { key: KEYS.globex });
    expect(await other.response.text()).not.toContain(t.tenant);
    const mine = await call("/v1/exports/training-data?format=trl-kto", undefined, { key: t.key });
    expect(lines(await mine.response.text()).length).toBeGreaterThan(0);
  });
});

describe("feeds", () => {
  it("returns only feedback newer than the last acknowledged run; an unacknowledged run comes again", async () => {
    const t = await newTenant("feed");
    const opts = { key: t.key };
    await insertRecords(Array.from({ length: 6 }, (_, i) => ratedRecord(t.tenant, `${t.tenant}-r${i}`, i)));
    const past = Date.now() - 60_000;
    for (let i = 0; i < 3; i++) await insertFeedback(t.tenant, `${t.tenant}-r${i}`, 1, { at: past });

    const created = await call("/v1/exports/feeds", { name: "nightly", format: "trl-sft", system: "none" }, opts);
    expect(created.response.status).toBe(201);
    const duplicate = await call("/v1/exports/feeds", { name: "nightly", format: "trl-sft" }, opts);
    expect(duplicate.response.status).toBe(409);

    const run1 = await call("/v1/exports/feeds/nightly/next", undefined, opts);
    const cursor1 = run1.response.headers.get("x-switchyard-feed-cursor")!;
    expect(lines(await run1.response.text())).toHaveLength(3);

    // Not acknowledged (say the training job failed): the next run serves the same rows again.
    const rerun = await call("/v1/exports/feeds/nightly/next", undefined, opts);
    expect(lines(await rerun.response.text())).toHaveLength(3);

    const acked = await call("/v1/exports/feeds/nightly/ack", { cursor: cursor1 }, opts);
    expect(acked.response.status).toBe(200);
    const empty = await call("/v1/exports/feeds/nightly/next", undefined, opts);
    expect(lines(await empty.response.text())).toHaveLength(0);

    await insertFeedback(t.tenant, `${t.tenant}-r4`, 1);
    const run2 = await call("/v1/exports/feeds/nightly/next", undefined, opts);
    const fresh = lines(await run2.response.text());
    expect(fresh).toHaveLength(1);
    expect(fresh[0].messages[0].content).toContain("Question number 4");
  });

  it("rejects bad feed definitions and cursors, and hides other tenants' feeds", async () => {
    const t = await newTenant("feedbad");
    const bad = await call("/v1/exports/feeds", { name: "Bad Name", format: "trl-sft" }, { key: t.key });
    expect((await bad.response.json<{ error: { param: string } }>()).error.param).toBe("name");
    const unknownField = await call(
      "/v1/exports/feeds",
      { name: "x", format: "trl-sft", colour: "red" },
      { key: t.key },
    );
    expect(unknownField.response.status).toBe(400);
    expect((await unknownField.response.json<{ error: { param: string; code: string } }>()).error).toMatchObject({
      param: "colour",
      code: "unknown_parameter",
    });
    await call("/v1/exports/feeds", { name: "mine", format: "trl-sft" }, { key: t.key });
    const badCursor = await call("/v1/exports/feeds/mine/ack", { cursor: "nope" }, { key: t.key });
    expect((await badCursor.response.json<{ error: { param: string } }>()).error.param).toBe("cursor");
    const theirs = await call("/v1/exports/feeds/mine/next", undefined, { key: KEYS.globex });
    expect(theirs.response.status).toBe(404);
    const missing = await call("/v1/exports/feeds/nothing-here/next", undefined, { key: t.key });
    expect(missing.response.status).toBe(404);
  });
});

describe("background export (Workflow)", () => {
  it("exports 20,000 rows into R2 in resumable parts; the file equals the streaming output", async () => {
    const t = await newTenant("wf");
    const n = 20_000;
    const ids = Array.from({ length: n }, (_, i) => `${t.tenant}-${String(i).padStart(5, "0")}`);
    await insertRecords(ids.map((id, i) => ratedRecord(t.tenant, id, i)));
    await insertFeedbackBulk(t.tenant, ids, (i) => (i % 4 === 0 ? -1 : 1));

    await using workflows = await introspectWorkflow(env.EXPORTS);
    // The second part fails twice, then succeeds: it must resume from part 0's state.
    await workflows.modifyAll(async (m) => {
      await m.disableRetryDelays();
      await m.mockStepError({ name: "part 1" }, new Error("injected failure"), 2);
    });
    const started = await call("/v1/exports", { format: "trl-kto", system: "client" }, { key: t.key });
    expect(started.response.status).toBe(202);
    const { id } = await started.response.json<{ id: string }>();
    // Waits on the Workflow itself; it ends "complete" also when it marks the job failed.
    const instances = workflows.get();
    expect(instances).toHaveLength(1);
    await instances[0].waitForStatus("complete");
    const job = await (await call(`/v1/exports/${id}`, undefined, { key: t.key })).response.json();
    expect(job).toMatchObject({ status: "complete", rows_done: n, rows_total: n });

    const file = await (await call(`/v1/exports/${id}/file`, undefined, { key: t.key })).response.text();
    const streamed = await (
      await call("/v1/exports/training-data?format=trl-kto&system=client", undefined, { key: t.key })
    ).response.text();
    expect(file.split("\n").length).toBe(n + 1);
    expect(file === streamed).toBe(true);

    // The lineage file beside it: one entry per line, in order, ids unique.
    const lineage = (await (await call(`/v1/exports/${id}/lineage`, undefined, { key: t.key })).response.text())
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { line: number; example_id: string });
    expect(lineage).toHaveLength(n);
    expect(lineage.every((e, i) => e.line === i + 1)).toBe(true);
    expect(new Set(lineage.map((e) => e.example_id)).size).toBe(n);

    const other = await call(`/v1/exports/${id}`, undefined, { key: KEYS.globex });
    expect(other.response.status).toBe(404);
  }, 180_000);

  it("a job id that is not one → 400; unknown → 404", async () => {
    expect((await call("/v1/exports/not-an-id", undefined, { key: KEYS.acme })).response.status).toBe(400);
    expect((await call(`/v1/exports/exp_${"0".repeat(32)}`, undefined, { key: KEYS.acme })).response.status).toBe(404);
  });
});
