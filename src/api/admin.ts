// /admin — platform administration behind ADMIN_TOKEN: tenants, API keys
// (shown once, stored hashed), manifests (validate, dry-run diff, apply, read
// back, history) and per-adapter-version stats. Applies reload this isolate's
// registry snapshot at once; other isolates follow within SNAPSHOT_TTL_SECONDS.
import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import * as z from "zod";
import { adminAuth } from "../auth/admin-auth";
import type { AppEnv } from "../env";
import { invalidManifest, invalidValue, notFound } from "../errors";
import { adminAdaptersApi, adminAdaptersDocs } from "./admin-adapters";
import { adminKeysApi, adminKeysDocs } from "./admin-keys";
import { adminLimitsApi, adminLimitsDocs } from "./admin-limits";
import { adminUpstreamsApi, adminUpstreamsDocs } from "./admin-upstreams";
import { assertPublishable } from "./publish-guard";
import { adminRolloutsApi, adminRolloutsDocs } from "./admin-rollouts";
import { knownTenant, tenantParam, TenantParam } from "./admin-tenant";
import { adapterStats } from "../interactions/adapter-stats";
import { applyManifest, listManifestVersions, planApply, readCurrentManifest } from "../registry/manifest-store";
import { listTenants } from "../registry/tenant-store";
import { rolloutDeps } from "../rollouts/rollout-deps";
import { pauseOnManualApply } from "../rollouts/rollout-service";
import { validateManifest } from "../registry/validate-manifest";
import { TimeParam } from "../schemas/query-params";
import { BEARER, defineRoute, jsonResponse, type ApiDocs } from "./define-route";
import { jsonBody, validationHook, queryParams } from "./validation-hook";

const DryRunQuery = z.object({ dry_run: z.enum(["true", "false", "1", "0"]).optional() });
const StatsQuery = z.object({ since: TimeParam.optional().describe("epoch ms or ISO 8601") });
// Checked by validateManifest, which reports every issue, not zod's first.
const ManifestBody = z.record(z.string(), z.unknown());
const security = BEARER;

function checkedManifest(tenant: string, body: unknown) {
  const result = validateManifest(body);
  if (!result.ok) throw invalidManifest(result.issues);
  if (result.manifest.tenant !== tenant) {
    throw invalidValue(`The manifest is for tenant '${result.manifest.tenant}', not '${tenant}'.`, "/tenant");
  }
  return result.manifest;
}

const manifestBody = jsonBody(ManifestBody);

export const adminApi = new Hono<AppEnv>();
adminApi.use("/admin/*", adminAuth());
adminApi.route("/", adminKeysApi);
adminApi.route("/", adminLimitsApi);
adminApi.route("/", adminAdaptersApi);
adminApi.route("/", adminUpstreamsApi);
adminApi.route("/", adminRolloutsApi);

const tenantsRoute = defineRoute({
  method: "get",
  path: "/admin/tenants",
  summary: "All tenants with their current manifest version",
  security,
  responses: { 200: jsonResponse("Tenants") },
});
adminApi.on(tenantsRoute.method, tenantsRoute.path, async (c) => {
  return c.json({ object: "list", data: await listTenants(c.env.DB) }, 200);
});

const validateRoute = defineRoute({
  method: "post",
  path: "/admin/tenants/:tenant/manifest/validate",
  summary: "Validate a manifest without applying it",
  security,
  request: { params: TenantParam, body: { schema: ManifestBody, required: true } },
  responses: { 200: jsonResponse("{valid, issues}") },
});
adminApi.on(validateRoute.method, validateRoute.path, tenantParam, ...manifestBody, async (c) => {
  const result = validateManifest(c.req.valid("json"));
  return c.json(result.ok ? { valid: true, issues: [] } : { valid: false, issues: result.issues }, 200);
});

const applyRoute = defineRoute({
  method: "put",
  path: "/admin/tenants/:tenant/manifest",
  summary: "Validate and apply a tenant manifest (?dry_run=true: only show the diff)",
  security,
  request: {
    params: TenantParam,
    query: DryRunQuery,
    body: { schema: ManifestBody, required: true },
  },
  responses: {
    200: jsonResponse("The diff, and the new version when applied"),
    400: jsonResponse("Invalid manifest; error.issues lists every problem with its JSON pointer"),
    409: jsonResponse("version_immutable (a published version changed), or served_name_taken by another tenant"),
  },
});
adminApi.on(
  applyRoute.method,
  applyRoute.path,
  ...queryParams(DryRunQuery),
  tenantParam,
  ...manifestBody,
  async (c) => {
    const { tenant } = c.req.valid("param");
    const manifest = checkedManifest(tenant, c.req.valid("json"));
    // Immutable versions and served names no other tenant holds: a dry run says so too.
    await assertPublishable(c, manifest);
    const dryRun = ["true", "1"].includes(c.req.valid("query").dry_run ?? "");
    if (dryRun) {
      const { current, changes } = await planApply(c.env.DB, manifest);
      return c.json({ tenant, dry_run: true, current_version: current?.version ?? null, changes }, 200);
    }
    const actor = c.req.header("x-switchyard-actor") ?? "admin-api";
    const result = await applyManifest(c.env.DB, manifest, actor, c.get("clock").nowMs());
    if (result.applied) {
      await c.get("registry").reload(c.env.DB);
      // A hand-written change of a task's rules pauses that task's rollout.
      await pauseOnManualApply(rolloutDeps(c.env.DB, c.get("clock"), c.get("registry")), tenant, actor);
    }
    return c.json(
      { tenant, dry_run: false, applied: result.applied, version: result.version, changes: result.changes },
      200,
    );
  },
);

const readRoute = defineRoute({
  method: "get",
  path: "/admin/tenants/:tenant/manifest",
  summary: "The tenant's current manifest and its version",
  security,
  request: { params: TenantParam },
  responses: { 200: jsonResponse("Current manifest"), 404: jsonResponse("No manifest for this tenant") },
});
adminApi.on(readRoute.method, readRoute.path, tenantParam, knownTenant, async (c) => {
  const { tenant } = c.req.valid("param");
  const current = await readCurrentManifest(c.env.DB, tenant);
  if (!current) throw notFound(`A manifest for tenant '${tenant}'`, "tenant");
  return c.json(
    {
      tenant,
      version: current.version,
      applied_by: current.appliedBy,
      applied_at: current.appliedAt,
      manifest: current.manifest,
    },
    200,
  );
});

const historyRoute = defineRoute({
  method: "get",
  path: "/admin/tenants/:tenant/manifests",
  summary: "Every applied version: who, when, what changed",
  security,
  request: { params: TenantParam },
  responses: { 200: jsonResponse("Manifest history, newest first"), 404: jsonResponse("Unknown tenant") },
});
adminApi.on(historyRoute.method, historyRoute.path, tenantParam, knownTenant, async (c) => {
  const { tenant } = c.req.valid("param");
  return c.json({ object: "list", data: await listManifestVersions(c.env.DB, tenant) }, 200);
});

const statsRoute = defineRoute({
  method: "get",
  path: "/admin/tenants/:tenant/stats",
  summary: "Requests, errors, latency and ratings per adapter version",
  security,
  request: { params: TenantParam, query: StatsQuery },
  responses: { 200: jsonResponse("Stats per task and adapter version"), 404: jsonResponse("Unknown tenant") },
});
adminApi.on(statsRoute.method, statsRoute.path, ...queryParams(StatsQuery), tenantParam, knownTenant, async (c) => {
  const { tenant } = c.req.valid("param");
  const since = c.req.valid("query").since ?? 0;
  return c.json({ tenant, since, data: await adapterStats(c.env.DB, tenant, since) }, 200);
});

export const adminDocs: ApiDocs = {
  routes: [
    tenantsRoute,
    validateRoute,
    applyRoute,
    readRoute,
    historyRoute,
    ...adminKeysDocs.routes,
    statsRoute,
    ...adminLimitsDocs.routes,
    ...adminAdaptersDocs.routes,
    ...adminUpstreamsDocs.routes,
    ...adminRolloutsDocs.routes,
  ],
};
