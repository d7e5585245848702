// retention_days: the daily sweep deletes a tenant's interactions older than
// the cutoff, the feedback on them and their R2 bodies, nothing newer and
// nothing of a tenant without retention; bounded per run, it resumes where
// an interrupted run stopped.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { writeInteractions } from "../../src/logging/write-interactions";
import { sweepRetention } from "../../src/retention/retention-sweep";
import { gateway } from "./helpers/gateway";
import { interactionRecord } from "./helpers/records";
import { applyTestManifest, testcoManifest } from "./helpers/seed";

const DAY = 86_400_000;

async function tenantWith(retention_days?: number) {
  const tenant = `ret-${crypto.randomUUID().slice(0, 8)}`;
  await applyTestManifest({ ...testcoManifest(), tenant, ...(retention_days ? { retention_days } : {}) });
  return tenant;
}

async function seed(tenant: string, ages: number[]) {
  const now = Date.now();
  const records = ages.map((days, i) =>
    interactionRecord(`${tenant}-r${i}`, { tenant_id: tenant, created_at: now - days * DAY - i }),
  );
  await writeInteractions(env.DB, records);
  for (const r of records) {
    await env.DB.prepare(
      "INSERT INTO feedback (tenant_id, request_id, user_key, choice, rating, tags, source, created_at, updated_at) VALUES (?, ?, '', 0, 1, '[]', 'api_key', ?, ?)",
    )
      .bind(tenant, r.request_id, now, now)
      .run();
    await env.BLOBS.put(`interactions/${tenant}/${r.request_id}.json`, "{}");
  }
  return records.map((r) => r.request_id);
}

const ids = async (tenant: string) =>
  (
    await env.DB.prepare("SELECT request_id FROM interactions WHERE tenant_id = ? ORDER BY request_id")
      .bind(tenant)
      .all<{ request_id: string }>()
  ).results.map((r) => r.request_id);
const feedbackCount = async (tenant: string) =>
  (await env.DB.prepare("SELECT COUNT(*) AS n FROM feedback WHERE tenant_id = ?").bind(tenant).first<{ n: number }>())!
    .n;

describe("retention sweep", () => {
  it("deletes only what is older than retention_days, with its feedback and R2 bodies, and resumes when interrupted", async () => {
    const tenant = await tenantWith(30);
    const kept = await tenantWith();
    const [old1, old2, old3, young1, young2] = await seed(tenant, [45, 40, 31, 29, 1]);
    const keptIds = await seed(kept, [400, 40]);

    // A run whose budget ends after one page of two: interrupted with rows left.
    const first = await sweepRetention(env.DB, env.BLOBS, { nowMs: Date.now(), pageSize: 2, maxPages: 1 });
    expect(first.complete).toBe(false);
    expect((await ids(tenant)).sort()).toEqual([old3, young1, young2].sort());

    const second = await sweepRetention(env.DB, env.BLOBS, { nowMs: Date.now(), pageSize: 2 });
    expect(second.complete).toBe(true);
    expect((await ids(tenant)).sort()).toEqual([young1, young2].sort());
    expect(await feedbackCount(tenant)).toBe(2);
    for (const id of [old1, old2, old3]) expect(await env.BLOBS.head(`interactions/${tenant}/${id}.json`)).toBeNull();
    expect(await env.BLOBS.head(`interactions/${tenant}/${young1}.json`)).not.toBeNull();

    // A tenant without retention_days keeps everything, however old.
    expect((await ids(kept)).sort()).toEqual(keptIds.sort());
    expect(await feedbackCount(kept)).toBe(2);
  });

  it("runs from the Worker's scheduled handler (the cron)", async () => {
    const tenant = await tenantWith(7);
    const [old, young] = await seed(tenant, [8, 6]);
    const ctx = createExecutionContext();
    await gateway().scheduled!(createScheduledController({ cron: "17 3 * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(await ids(tenant)).toEqual([young]);
    expect(await ids(tenant)).not.toContain(old);
  });

  it("a manifest refuses a retention_days out of range", async () => {
    await expect(applyTestManifest({ ...testcoManifest(), tenant: "ret-bad", retention_days: 0 })).rejects.toThrow(
      /retention_days/,
    );
  });
});
