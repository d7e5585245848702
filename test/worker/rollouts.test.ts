// Rollouts through the HTTP API: start, evaluate until promoted or rolled
// back, with every transition a manifest version by `rollout:<id>`; sticky
// users as the share grows; one transition however many evaluations race;
// bad bodies named by field; pause, resume, abort.
import { describe, expect, it } from "vitest";
import { stickyPoint, stickySeed } from "../../src/routing/sticky-hash";
import { chat } from "./helpers/gateway";
import {
  api,
  defaultTarget,
  manifestHistory,
  newTenant,
  seedArm,
  seedEqual,
  startRollout,
  type Json,
} from "./helpers/rollouts";

const rollouts = (tenant: string) => `/admin/tenants/${tenant}/rollouts`;

async function evaluate(tenant: string, id: string) {
  const res = await api(`${rollouts(tenant)}/${id}/evaluate`, {});
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

/** A user whose sticky point in the `default` rule of `support` lies in [lo, hi). */
function userIn(tenant: string, lo: number, hi: number): string {
  const seed = stickySeed(tenant, "support", "default");
  for (let i = 0; i < 100_000; i++) {
    const point = stickyPoint(seed, `user-${i}`, 100);
    if (point >= lo && point < hi) return `user-${i}`;
  }
  throw new Error("no such user");
}

async function servedVersion(tenant: string, key: string, user: string): Promise<string | null> {
  const { response } = await chat({ model: "support", user }, { key });
  expect(response.status).toBe(200);
  expect(response.headers.get("x-switchyard-route")).toBe("default");
  return response.headers.get("x-switchyard-adapter-version");
}

describe("starting a rollout", () => {
  it("answers 201 running at the first step and writes the split as a manifest version by the rollout", async () => {
    const tenant = await newTenant();
    const rollout = await startRollout(tenant);
    expect(rollout).toMatchObject({
      object: "rollout",
      state: "running",
      step: 0,
      share: 5,
      task: "support",
      rule: "default",
      baseline: "support-v1",
      candidate: "support-v2",
    });
    expect(rollout.id).toMatch(/^ro_[0-9a-f]{16}$/);
    expect(rollout.history.map((e: Json) => e.action)).toEqual(["start"]);

    // Candidate first, weights summing to 100: its slice is [0, share).
    expect(await defaultTarget(tenant)).toEqual({
      split: [
        { version: "support-v2", weight: 5 },
        { version: "support-v1", weight: 95 },
      ],
    });
    const [latest] = await manifestHistory(tenant);
    expect(latest.applied_by).toBe(`rollout:${rollout.id}`);
    expect(latest.reason).toContain("support-v2 at 5%");
    expect(latest.version).toBe(rollout.manifest_version);
  });

  it.each([
    ["an unknown candidate", { candidate: "support-v9" }, "candidate"],
    ["an unknown baseline", { baseline: "nope-v1" }, "baseline"],
    ["a candidate equal to the baseline", { baseline: "support-v2" }, "candidate"],
    ["an unknown task", { task: "nope" }, "task"],
    ["an unknown rule", { rule: "nope" }, "rule"],
    ["a version that is not a version", { candidate: "bad version" }, "candidate"],
    ["a missing candidate", { candidate: undefined }, "candidate"],
    ["steps that are not percentages", { steps: [5, 250] }, "steps[1]"],
  ])("refuses %s with a 400 naming the field", async (_what, patch, param) => {
    const tenant = await newTenant();
    const body = { task: "support", candidate: "support-v2", ...patch };
    const res = await api(rollouts(tenant), body);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error.param).toBe(param);
    expect((await api(rollouts(tenant))).body.data).toEqual([]);
  });

  it("refuses an unknown field by name", async () => {
    const tenant = await newTenant();
    const res = await api(rollouts(tenant), { task: "support", candidate: "support-v2", stepz: [1] });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "unknown_parameter", param: "stepz" });
  });

  it("refuses a second rollout of a task that has an active one, naming the task", async () => {
    const tenant = await newTenant();
    const first = await startRollout(tenant);
    const res = await api(rollouts(tenant), { task: "support", candidate: "support-v2" });
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe("task");
    expect(res.body.error.message).toContain(first.id);
    // Two at once: the unique index lets one through.
    await api(`${rollouts(tenant)}/${first.id}/abort`, {});
    const raced = await Promise.all(
      [0, 1, 2].map(() => api(rollouts(tenant), { task: "support", candidate: "support-v2" })),
    );
    expect(raced.map((r) => r.status).sort()).toEqual([201, 400, 400]);
  });
});

describe("evaluating", () => {
  it("rolls back a worse candidate: state, history with its numbers, and the rule back on the baseline", async () => {
    const tenant = await newTenant();
    const rollout = await startRollout(tenant, { min_feedback: 100 });
    await seedArm(tenant, { version: "support-v1", rated: 3000, positive: 2550 });
    await seedArm(tenant, { version: "support-v2", rated: 3000, positive: 1200 });

    const result = await evaluate(tenant, rollout.id);
    expect(result.decision.action).toBe("rollback");
    expect(result.transition).toMatchObject({ action: "rollback", from_share: 5, to_share: 0 });
    expect(result.rollout.state).toBe("rolled_back");
    expect(result.rollout.ended_at).toEqual(expect.any(Number));
    const event = result.rollout.history.at(-1);
    expect(event).toMatchObject({ action: "rollback", from_share: 5, to_share: 0 });
    expect(event.stats).not.toBeNull();

    expect(await defaultTarget(tenant)).toBe("support-v1");
    const [latest] = await manifestHistory(tenant);
    expect(latest).toMatchObject({ applied_by: `rollout:${rollout.id}`, reason: result.decision.reason });

    // Final: nothing more to evaluate.
    const again = await api(`${rollouts(tenant)}/${rollout.id}/evaluate`, {});
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("rollout_state");
  });

  it("holds without enough feedback, and says so in the latest decision", async () => {
    const tenant = await newTenant();
    const rollout = await startRollout(tenant, { min_feedback: 500 });
    await seedEqual(tenant, 20);
    const result = await evaluate(tenant, rollout.id);
    expect(result.decision.action).toBe("hold");
    expect(result.transition).toBeNull();
    const read = await api(`${rollouts(tenant)}/${rollout.id}`);
    expect(read.body).toMatchObject({ state: "running", share: 5, step: 0 });
    expect(read.body.decision.action).toBe("hold");
    expect(read.body.history).toHaveLength(1);
  });

  it("promotes an equal candidate step by step, users staying on their arm as the share grows", async () => {
    const tenant = await newTenant();
    const key = (await api(`/admin/tenants/${tenant}/keys`, { scopes: ["chat"] })).body.key as string;
    const rollout = await startRollout(tenant, { min_feedback: 100 });
    const early = userIn(tenant, 0, 5);
    const middle = userIn(tenant, 5, 25);
    const late = userIn(tenant, 60, 100);
    expect(await servedVersion(tenant, key, early)).toBe("support-v2");
    expect(await servedVersion(tenant, key, middle)).toBe("support-v1");

    const shares: number[] = [];
    for (let i = 0; i < 6; i++) {
      await seedEqual(tenant, 4000);
      const result = await evaluate(tenant, rollout.id);
      expect(result.decision.action, result.decision.reason).not.toBe("rollback");
      shares.push(result.rollout.share);
      if (result.rollout.share === 25) {
        expect(await servedVersion(tenant, key, early)).toBe("support-v2");
        expect(await servedVersion(tenant, key, middle)).toBe("support-v2");
        expect(await servedVersion(tenant, key, late)).toBe("support-v1");
      }
      if (result.rollout.state === "promoted") break;
    }
    expect(shares).toEqual([25, 50, 100]);
    const read = await api(`${rollouts(tenant)}/${rollout.id}`);
    expect(read.body.state).toBe("promoted");
    expect(read.body.history.map((e: Json) => [e.action, e.from_share, e.to_share])).toEqual([
      ["start", null, 5],
      ["advance", 5, 25],
      ["advance", 25, 50],
      ["promote", 50, 100],
    ]);
    expect(await defaultTarget(tenant)).toBe("support-v2");
    expect(await servedVersion(tenant, key, late)).toBe("support-v2");
    const byRollout = (await manifestHistory(tenant)).filter((m) => m.applied_by === `rollout:${rollout.id}`);
    expect(byRollout).toHaveLength(4);
    expect(read.body.history.map((e: Json) => e.manifest_version)).toEqual(byRollout.map((m) => m.version).reverse());
  });

  it("makes one transition however many evaluations run at once", async () => {
    const tenant = await newTenant();
    const rollout = await startRollout(tenant, { min_feedback: 100 });
    await seedEqual(tenant, 4000);
    const results = await Promise.all(Array.from({ length: 6 }, () => evaluate(tenant, rollout.id)));
    expect(results.filter((r) => r.transition !== null)).toHaveLength(1);
    const read = await api(`${rollouts(tenant)}/${rollout.id}`);
    expect(read.body).toMatchObject({ state: "running", step: 1, share: 25 });
    expect(read.body.history.map((e: Json) => e.action)).toEqual(["start", "advance"]);
    expect((await manifestHistory(tenant)).filter((m) => m.applied_by === `rollout:${rollout.id}`)).toHaveLength(2);
  });
});

describe("pause, resume, abort", () => {
  it("records one pause however many pause calls race (the version check, not the manifest key, decides)", async () => {
    const tenant = await newTenant();
    const rollout = await startRollout(tenant);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => api(`${rollouts(tenant)}/${rollout.id}/pause`, {})),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(results.filter((r) => r.body.transition !== null)).toHaveLength(1);
    const read = await api(`${rollouts(tenant)}/${rollout.id}`);
    expect(read.body.history.map((e: Json) => e.action)).toEqual(["start", "pause"]);
  });

  it("pauses (traffic stays), refuses to evaluate while paused, resumes, aborts back to the baseline", async () => {
    const tenant = await newTenant();
    const rollout = await startRollout(tenant);
    const path = `${rollouts(tenant)}/${rollout.id}`;
    const paused = await api(`${path}/pause`, {});
    expect(paused.status).toBe(200);
    expect(paused.body.rollout).toMatchObject({ state: "paused", share: 5 });
    expect(paused.body.transition).toMatchObject({ action: "pause", from_share: 5, to_share: 5 });
    expect((await api(`${path}/evaluate`, {})).body.error.code).toBe("rollout_state");
    expect((await api(`${path}/pause`, {})).status).toBe(409);

    const resumed = await api(`${path}/resume`, {});
    expect(resumed.body.rollout.state).toBe("running");
    expect((await api(`${path}/resume`, {})).status).toBe(409);

    const aborted = await api(`${path}/abort`, {});
    expect(aborted.body.rollout).toMatchObject({ state: "aborted", share: 0 });
    expect(await defaultTarget(tenant)).toBe("support-v1");
    expect((await api(`${path}/abort`, {})).status).toBe(409);
    expect(aborted.body.rollout.history.map((e: Json) => e.action)).toEqual(["start", "pause", "resume", "abort"]);
  });

  it("answers 404 for an unknown rollout id", async () => {
    const tenant = await newTenant();
    for (const suffix of ["", "/evaluate", "/pause", "/resume", "/abort"]) {
      const res = await api(`${rollouts(tenant)}/ro_0000000000000000${suffix}`, suffix ? {} : undefined);
      expect(res.status).toBe(404);
    }
  });
});
