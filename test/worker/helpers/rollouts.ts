// Rollout tests: a fresh tenant (the acme demo manifest under another name)
// per test, so rollouts of one test never meet another's; counts seeded as
// rollup rows, which is what the evaluator reads (the log consumer and the
// feedback writes maintain them in production; rollups.test.ts covers that).
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import acme from "../../../adapters/acme.json";
import { latencyBucket } from "../../../src/stats/latency-histogram";
import { call } from "./gateway";
import { applyTestManifest, withDevUpstream } from "./seed";

export const ADMIN = { key: "admin-dev" };
export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * A new tenant with acme's manifest: task `support`, rule `default` splitting
 * support-v1 90 / support-v2 10. With `ownServedNames` its adapters get served
 * names of their own, so the admin API's apply accepts the manifest (a served
 * name may not be claimed by two tenants on one upstream); such a tenant's
 * chat requests would reach LoRAs the dev upstream does not hold.
 */
export async function newTenant(options: { ownServedNames?: boolean } = {}): Promise<string> {
  const tenant = `ro-${crypto.randomUUID().slice(0, 8)}`;
  const manifest = { ...withDevUpstream(acme), tenant };
  if (options.ownServedNames) {
    manifest.adapters = manifest.adapters.map((a) => ({ ...a, served_name: `${tenant}-${a.served_name}` }));
  }
  await applyTestManifest(manifest);
  return tenant;
}

export async function manageKey(tenant: string): Promise<string> {
  const { response } = await call(`/admin/tenants/${tenant}/keys`, { scopes: ["manage", "chat"] }, ADMIN);
  expect(response.status).toBe(201);
  return (await response.json<{ key: string }>()).key;
}

export async function api(path: string, body?: unknown, options: { key?: string; method?: string } = {}) {
  const { response } = await call(path, body, { key: options.key ?? ADMIN.key, method: options.method });
  return { status: response.status, body: await response.json<Json>() };
}

/** Starts a rollout of support-v2 against support-v1; fails the test unless 201. */
export async function startRollout(tenant: string, extra: Json = {}): Promise<Json> {
  const res = await api(`/admin/tenants/${tenant}/rollouts`, {
    task: "support",
    candidate: "support-v2",
    min_step_seconds: 0,
    ...extra,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

export interface ArmSeed {
  version: string;
  audience?: string;
  rated: number;
  positive: number;
  /** Requests (default: rated); errors are counted among them. */
  requests?: number;
  errors?: number;
  latencyMs?: number;
}

/** Adds counts to the current hour's rollup row, as served and rated traffic would. */
export async function seedArm(tenant: string, seed: ArmSeed, task = "support"): Promise<void> {
  const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
  const audience = seed.audience ?? "customer";
  const requests = seed.requests ?? seed.rated;
  const errors = seed.errors ?? 0;
  const key = [tenant, task, hour, seed.version, audience];
  const old = await env.DB.prepare(
    "SELECT latency_hist FROM version_rollups WHERE tenant_id = ? AND task = ? AND hour = ? AND adapter_version = ? AND audience = ?",
  )
    .bind(...key)
    .first<{ latency_hist: string }>();
  const hist: Record<string, number> = old ? JSON.parse(old.latency_hist) : {};
  const bucket = latencyBucket(seed.latencyMs ?? 120);
  hist[bucket] = (hist[bucket] ?? 0) + requests;
  await env.DB.prepare(
    `INSERT INTO version_rollups (tenant_id, task, hour, adapter_version, audience, requests, ok, upstream_errors, rated, positive, negative, latency_ms_sum, latency_hist)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (tenant_id, task, hour, adapter_version, audience) DO UPDATE SET
       requests = requests + excluded.requests, ok = ok + excluded.ok, upstream_errors = upstream_errors + excluded.upstream_errors,
       rated = rated + excluded.rated, positive = positive + excluded.positive, negative = negative + excluded.negative,
       latency_ms_sum = latency_ms_sum + excluded.latency_ms_sum, latency_hist = excluded.latency_hist`,
  )
    .bind(
      ...key,
      requests,
      requests - errors,
      errors,
      seed.rated,
      seed.positive,
      seed.rated - seed.positive,
      requests * (seed.latencyMs ?? 120),
      JSON.stringify(hist),
    )
    .run();
}

/** Both arms with the same good figures: a step the candidate should pass. */
export async function seedEqual(tenant: string, rated: number, rate = 0.8): Promise<void> {
  for (const version of ["support-v1", "support-v2"]) {
    await seedArm(tenant, { version, rated, positive: Math.round(rated * rate) });
  }
}

export async function manifestOf(tenant: string): Promise<Json> {
  const res = await api(`/admin/tenants/${tenant}/manifest`);
  expect(res.status).toBe(200);
  return res.body;
}

/** The target of the support task's default rule now. */
export async function defaultTarget(tenant: string): Promise<unknown> {
  const { manifest } = await manifestOf(tenant);
  return manifest.tasks.find((t: Json) => t.name === "support").rules.find((r: Json) => r.id === "default").target;
}

export async function manifestHistory(tenant: string): Promise<Json[]> {
  return (await api(`/admin/tenants/${tenant}/manifests`)).body.data;
}
