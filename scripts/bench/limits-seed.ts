// Tenants of the limits section, added to the bench's own D1 next to the
// demo tenants: `acme-limited` is acme's manifest with every limit set far
// above what the bench can reach (so nothing is refused and each request
// pays the full limiter path: admit, and settle for the token budget and the
// stream lease), `acme-rpm` with only requests_per_minute (admit alone: one
// round trip, no settle), `flood-limited`, whose 60 requests per minute a flood
// exceeds at once (so its requests are refused by its own limiter), and
// `flood-unlimited` (acme's manifest, no limits) for a flood that is served. The
// gateway sees new keys once its registry snapshot is older than
// SNAPSHOT_TTL_SECONDS; waitUntilServed polls for that.
import { readFileSync } from "node:fs";
import path from "node:path";
import { storeApiKey } from "../../src/auth/api-keys";
import { applyManifest } from "../../src/registry/manifest-store";
import { formatIssues, validateManifest } from "../../src/registry/validate-manifest";
import { ROOT } from "../lib/offline-env";
import { pointAt } from "./seed-d1";
import type { LoadRequest } from "./load";
import { GATEWAY, type Stack } from "./start-stack";

type Db = Parameters<typeof applyManifest>[0];

export const HIGH_LIMITS = {
  requests_per_minute: 100_000,
  tokens_per_day: 1_000_000_000_000,
  max_concurrent_streams: 10_000,
};
export const FLOOD_LIMITS = { requests_per_minute: 60 };

export const RPM_ONLY_LIMITS = { requests_per_minute: 100_000 };

export const LIMITED = { tenant: "acme-limited", key: "sk-acme-limited-bench" } as const;
export const RPM_ONLY = { tenant: "acme-rpm", key: "sk-acme-rpm-bench" } as const;
export const FLOOD = { tenant: "flood-limited", key: "sk-flood-limited-bench" } as const;
export const FLOOD_UNLIMITED = { tenant: "flood-unlimited", key: "sk-flood-unlimited-bench" } as const;

async function seedTenant(db: Db, upstreamUrl: string, tenant: string, key: string, limits?: object): Promise<void> {
  const acme = JSON.parse(readFileSync(path.join(ROOT, "adapters/acme.json"), "utf8"));
  const result = validateManifest(pointAt({ ...acme, tenant, ...(limits ? { limits } : {}) }, upstreamUrl));
  if (!result.ok) throw new Error(`${tenant}: invalid\n${formatIssues(result.issues)}`);
  await applyManifest(db, result.manifest, "npm run bench", Date.now());
  await storeApiKey(db, tenant, key, "bench limits key", Date.now());
}

export async function seedLimitTenants(stack: Stack): Promise<void> {
  const db = (await stack.mf.getD1Database("DB", GATEWAY)) as unknown as Db;
  await seedTenant(db, stack.upstream.url, LIMITED.tenant, LIMITED.key, HIGH_LIMITS);
  await seedTenant(db, stack.upstream.url, RPM_ONLY.tenant, RPM_ONLY.key, RPM_ONLY_LIMITS);
  await seedTenant(db, stack.upstream.url, FLOOD.tenant, FLOOD.key, FLOOD_LIMITS);
  await seedTenant(db, stack.upstream.url, FLOOD_UNLIMITED.tenant, FLOOD_UNLIMITED.key);
}

/** Polls until the gateway answers `request` with `status` (it must first reload its registry snapshot). */
export async function waitUntilServed(request: LoadRequest, status: number, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const response = await fetch(request.url, { method: "POST", headers: request.headers, body: request.body });
    const text = await response.text();
    if (response.status === status) return;
    if (performance.now() > deadline)
      throw new Error(`${request.url} still answers ${response.status}: ${text.slice(0, 200)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
