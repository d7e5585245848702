// version_rollups as the log consumer and POST /v1/feedback keep them
// (docs/stats.md): after redelivered queue messages, duplicate records,
// changed and repeated ratings and feedback that came before its
// interaction, every rollup row equals a direct count over the raw rows; an
// erasure deletes raw rows and leaves the rollup counts as they were.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { InteractionRecord } from "../../src/logging/interaction-record";
import { call, gateway } from "./helpers/gateway";
import { interactionRecord } from "./helpers/records";
import { comparable, directCounts, rollupRows } from "./helpers/rollups";
import { KEYS } from "./helpers/seed";

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 30, 9, 0, 0);

async function deliver(messages: { id: string; body: unknown }[]) {
  const batch = createMessageBatch(
    "switchyard-log",
    messages.map((m) => ({ ...m, timestamp: new Date(), attempts: 1 })),
  );
  const ctx = createExecutionContext();
  await gateway().queue!(batch as never, env, ctx);
  return getQueueResult(batch, ctx);
}

const packed = (records: InteractionRecord[]) =>
  JSON.stringify({ v: 2, messages: records.map((record) => ({ v: 1, record })) });

async function feedback(body: Record<string, unknown>) {
  const { response } = await call("/v1/feedback", body, { key: KEYS.testco });
  expect(response.status).toBe(200);
  return (await response.json()) as { interaction_found: boolean };
}

const statuses = ["ok", "ok", "ok", "upstream_error", "timeout", "client_aborted"] as const;

/** 60 varied records of one fresh task: 3 hours, 2 versions, 3 audiences, latencies over 4 orders of magnitude. */
function records(task: string): InteractionRecord[] {
  return Array.from({ length: 60 }, (_, i) =>
    interactionRecord(`${task}-r${i}`, {
      task,
      adapter_version: i % 2 ? "ok-v1" : "ok-v2",
      audience: [null, "student", "teacher"][i % 3],
      status: statuses[i % statuses.length],
      latency_ms: Math.round(3 * 1.37 ** (i % 29)),
      ttft_ms: i % 4 ? i : null,
      usage: i % 5 ? { prompt_tokens: i, completion_tokens: 2 * i, total_tokens: 3 * i } : null,
      created_at: T0 + Math.floor(i / 20) * HOUR + i * 1000,
    }),
  );
}

describe("rollups equal a direct count over the raw rows", () => {
  it("after redelivered messages, duplicates, early feedback and changed ratings", async () => {
    const task = `roll-${crypto.randomUUID().slice(0, 8)}`;
    const all = records(task);
    // Feedback before its interaction: stored, not yet counted anywhere.
    for (const i of [0, 1, 2, 3]) {
      const early = await feedback({ request_id: all[i].request_id, rating: i % 2 ? 1 : -1, score: 0.25 * i });
      expect(early.interaction_found).toBe(false);
    }
    await feedback({ request_id: all[0].request_id, rating: 1, correction: "better", user: "u-early" });
    expect(await rollupRows("testco", task)).toEqual(new Map());

    const first = await deliver([
      { id: "m1", body: packed(all.slice(0, 30)) },
      // The same record twice in one message and again in another message of the batch.
      { id: "m2", body: packed([...all.slice(30, 45), all[31], all[5]]) },
    ]);
    expect(first.retryMessages).toEqual([]);
    // Redelivery of both messages, and a batch that overlaps them.
    await deliver([
      { id: "m1", body: packed(all.slice(0, 30)) },
      { id: "m2", body: packed([...all.slice(30, 45), all[31], all[5]]) },
    ]);
    await deliver([{ id: "m3", body: packed(all.slice(40)) }]);

    // Feedback after: new, changed (flip, score, correction dropped), repeated unchanged.
    for (const i of [10, 11, 12, 13, 40, 41])
      await feedback({ request_id: all[i].request_id, rating: 1, score: 0.9, correction: "fix" });
    await feedback({ request_id: all[10].request_id, rating: -1, score: 0.1 });
    await feedback({ request_id: all[11].request_id, rating: 1 });
    await feedback({ request_id: all[12].request_id, rating: 1, score: 0.9, correction: "fix" });
    await feedback({ request_id: all[0].request_id, rating: -1, user: "u-early" });
    await feedback({ request_id: all[13].request_id, rating: -1, user: "u-second", score: 0.3 });

    const direct = await directCounts("testco", task);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM interactions WHERE task = ?").bind(task).first("n")).toBe(
      60,
    );
    expect([...direct.values()].reduce((n, r) => n + r.rated, 0)).toBe(12); // 5 early + 7 after
    expect(direct.size).toBe(18); // 3 hours × 2 versions × 3 audiences
    expect(comparable(await rollupRows("testco", task))).toEqual(comparable(direct));
  });

  it("feedback that came before its interaction is counted once, with its latest verdict", async () => {
    const task = `roll-${crypto.randomUUID().slice(0, 8)}`;
    const record = interactionRecord(`${task}-late`, { task, created_at: T0 });
    await feedback({ request_id: record.request_id, rating: 1, score: 1 });
    await feedback({ request_id: record.request_id, rating: -1, score: 0.5, correction: "no" });
    await deliver([{ id: "late", body: packed([record]) }]);
    await deliver([{ id: "late", body: packed([record]) }]);
    const [row] = (await rollupRows("testco", task)).values();
    expect(row).toMatchObject({
      requests: 1,
      rated: 1,
      positive: 0,
      negative: 1,
      scored: 1,
      score_sum: 0.5,
      corrections: 1,
    });
    // A changed verdict once the interaction is in moves the counts.
    await feedback({ request_id: record.request_id, rating: 1 });
    const [after] = (await rollupRows("testco", task)).values();
    expect(after).toMatchObject({ rated: 1, positive: 1, negative: 0, scored: 0, score_sum: 0, corrections: 0 });
  });

  it("a record of an erased interaction is neither written nor counted", async () => {
    const task = `roll-${crypto.randomUUID().slice(0, 8)}`;
    const erased = interactionRecord(`${task}-gone`, { task, created_at: T0 });
    const kept = interactionRecord(`${task}-kept`, { task, created_at: T0 + 1 });
    const { response } = await call(`/v1/interactions/${erased.request_id}`, undefined, {
      key: KEYS.testco,
      method: "DELETE",
    });
    expect(response.status).toBeLessThan(500);
    await deliver([{ id: "e", body: packed([erased, kept]) }]);
    const [row] = (await rollupRows("testco", task)).values();
    expect(row.requests).toBe(1);
    expect(comparable(await rollupRows("testco", task))).toEqual(comparable(await directCounts("testco", task)));
  });

  it("erasing a user deletes raw rows but keeps the rollup counts (they hold no personal data)", async () => {
    const task = `roll-${crypto.randomUUID().slice(0, 8)}`;
    const user = `erase-me-${crypto.randomUUID().slice(0, 8)}`;
    const mine = interactionRecord(`${task}-mine`, { task, user, created_at: T0 });
    await deliver([{ id: "u", body: packed([mine]) }]);
    await feedback({ request_id: mine.request_id, rating: 1, user });
    const before = comparable(await rollupRows("testco", task));
    expect(before[0]).toMatchObject({ requests: 1, rated: 1, positive: 1 });
    const { response } = await call(`/v1/users/${user}`, undefined, { key: KEYS.testco, method: "DELETE" });
    expect(response.status).toBe(200);
    expect((await directCounts("testco", task)).size).toBe(0);
    expect(comparable(await rollupRows("testco", task))).toEqual(before);
  });
});
