// Who else moves a rollout: a hand-written manifest apply that changes the
// task's rules pauses it (an unchanged re-apply, as npm start makes, does
// not); the every-minute cron evaluates running rollouts; and tenant keys
// with the manage scope reach their own tenant's rollouts only.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CRONS } from "../../src/crons";
import { gateway } from "./helpers/gateway";
import {
  api,
  defaultTarget,
  manageKey,
  manifestOf,
  newTenant,
  seedArm,
  seedEqual,
  startRollout,
  type Json,
} from "./helpers/rollouts";
import { KEYS } from "./helpers/seed";

const rollouts = (tenant: string) => `/admin/tenants/${tenant}/rollouts`;
const read = async (tenant: string, id: string) => (await api(`${rollouts(tenant)}/${id}`)).body;

async function apply(tenant: string, manifest: Json) {
  const res = await api(`/admin/tenants/${tenant}/manifest`, manifest, { method: "PUT" });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

async function tick(cron: string) {
  const ctx = createExecutionContext();
  await gateway().scheduled!(createScheduledController({ cron }), env, ctx);
  await waitOnExecutionContext(ctx);
}

describe("a hand-written apply", () => {
  it("that changes the task's rules pauses the rollout, with that reason", async () => {
    const tenant = await newTenant({ ownServedNames: true });
    const rollout = await startRollout(tenant);
    const { manifest } = await manifestOf(tenant);
    manifest.tasks.find((t: Json) => t.name === "support").rules.find((r: Json) => r.id === "default").target =
      "support-v1";
    const applied = await apply(tenant, manifest);
    expect(applied.applied).toBe(true);

    const after = await read(tenant, rollout.id);
    expect(after.state).toBe("paused");
    expect(after.state_reason).toContain(`manifest version ${applied.version}`);
    expect(after.state_reason).toContain("changed the rules of task 'support'");
    expect(after.history.at(-1)).toMatchObject({ action: "pause", from_share: 5, to_share: 5 });
    // The human's rule stays; the rollout wrote nothing.
    expect(await defaultTarget(tenant)).toBe("support-v1");

    // Resuming takes the rule back at the rollout's share.
    const resumed = await api(`${rollouts(tenant)}/${rollout.id}/resume`, {});
    expect(resumed.body.rollout.state).toBe("running");
    expect(await defaultTarget(tenant)).toEqual({
      split: [
        { version: "support-v2", weight: 5 },
        { version: "support-v1", weight: 95 },
      ],
    });
  });

  it("that is unchanged (npm start re-applies at boot), or changes something else, does not", async () => {
    const tenant = await newTenant({ ownServedNames: true });
    const rollout = await startRollout(tenant);
    const { manifest } = await manifestOf(tenant);
    expect((await apply(tenant, manifest)).applied).toBe(false);
    expect((await read(tenant, rollout.id)).state).toBe("running");

    const renamed = { ...manifest, display_name: "Renamed" };
    expect((await apply(tenant, renamed)).applied).toBe(true);
    const after = await read(tenant, rollout.id);
    expect(after.state).toBe("running");
    expect(after.history).toHaveLength(1);
  });

  it("made behind the API's back (adapters:sync) is noticed at the next evaluation", async () => {
    const tenant = await newTenant({ ownServedNames: true });
    const rollout = await startRollout(tenant, { min_feedback: 100 });
    const { manifest, version } = await manifestOf(tenant);
    manifest.tasks.find((t: Json) => t.name === "support").rules.find((r: Json) => r.id === "default").target =
      "support-v1";
    await env.DB.prepare(
      "INSERT INTO manifests (tenant_id, version, body, changes, applied_by, applied_at) VALUES (?, ?, ?, '[]', 'sync', ?)",
    )
      .bind(tenant, version + 1, JSON.stringify(manifest), Date.now())
      .run();
    await seedEqual(tenant, 4000);
    const result = await api(`${rollouts(tenant)}/${rollout.id}/evaluate`, {});
    expect(result.body.transition).toMatchObject({ action: "pause" });
    expect(result.body.rollout.state_reason).toContain("applied by sync");
    expect(await defaultTarget(tenant)).toBe("support-v1");
  });
});

describe("the every-minute cron", () => {
  it("evaluates running rollouts, and the daily cron does not", async () => {
    const tenant = await newTenant();
    const rollout = await startRollout(tenant, { min_feedback: 100 });
    await seedArm(tenant, { version: "support-v1", rated: 3000, positive: 2550 });
    await seedArm(tenant, { version: "support-v2", rated: 3000, positive: 1200 });

    await tick(CRONS.retention);
    expect((await read(tenant, rollout.id)).state).toBe("running");
    await tick(CRONS.rollouts);
    const after = await read(tenant, rollout.id);
    expect(after.state).toBe("rolled_back");
    expect(after.history.at(-1)).toMatchObject({ action: "rollback", actor: "cron" });
    expect(await defaultTarget(tenant)).toBe("support-v1");
  });

  it("leaves paused rollouts alone", async () => {
    const tenant = await newTenant();
    const rollout = await startRollout(tenant, { min_feedback: 100 });
    await api(`${rollouts(tenant)}/${rollout.id}/pause`, {});
    await seedArm(tenant, { version: "support-v1", rated: 3000, positive: 2550 });
    await seedArm(tenant, { version: "support-v2", rated: 3000, positive: 1200 });
    await tick(CRONS.rollouts);
    const after = await read(tenant, rollout.id);
    expect(after.state).toBe("paused");
    expect(after.decision).toBeNull();
  });
});

describe("tenant keys with the manage scope", () => {
  it("reach their own tenant's rollouts and no other's (404, as if it did not exist)", async () => {
    const tenant = await newTenant();
    const own = await manageKey(tenant);
    const globex = await manageKey("globex");
    const made = await api(rollouts(tenant), { task: "support", candidate: "support-v2" }, { key: own });
    expect(made.status).toBe(201);
    expect(made.body.history[0].actor).toMatch(/^key:key_/);
    const id = made.body.id;

    const calls: [string, string, unknown?][] = [
      ["GET", rollouts(tenant)],
      ["GET", `${rollouts(tenant)}/${id}`],
      ["POST", rollouts(tenant), { task: "support", candidate: "support-v2" }],
      ["POST", `${rollouts(tenant)}/${id}/evaluate`, {}],
      ["POST", `${rollouts(tenant)}/${id}/pause`, {}],
      ["POST", `${rollouts(tenant)}/${id}/abort`, {}],
    ];
    for (const [method, path, body] of calls) {
      const res = await api(path, body, { key: globex, method });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(JSON.stringify(res.body)).not.toContain("support-v2");
      // A plain chat key of the tenant is not a manage key.
      expect((await api(path, body, { key: KEYS.acme, method })).status).not.toBe(200);
    }
    expect((await read(tenant, id)).state).toBe("running");

    // A's rollout id under B's own path is unknown there.
    expect((await api(`${rollouts("globex")}/${id}`, undefined, { key: globex })).status).toBe(404);
    expect((await api(rollouts("globex"), undefined, { key: globex })).body.data).toEqual([]);

    const listed = await api(rollouts(tenant), undefined, { key: own });
    expect(listed.body.data.map((r: Json) => r.id)).toEqual([id]);
    expect((await api(`${rollouts(tenant)}/${id}/pause`, {}, { key: own })).body.rollout.state).toBe("paused");
  });
});
