// Adapter lifecycle under /admin/tenants/{tenant}/: publish a version, retire
// one, preload one on every replica, and the tenant's replica health and
// inventory. Publishing and retiring write a new manifest version (who, when,
// the diff), like a manifest apply; preload and unload talk to the replicas
// (vLLM's runtime LoRA API). Mounted under admin.ts's adminApi, whose guard
// lets ADMIN_TOKEN reach every tenant and a key with `manage` its own.
import { zValidator } from "@hono/zod-validator";
import { Hono, type Context } from "hono";
import * as z from "zod";
import type { AppEnv } from "../env";
import { invalidManifest, invalidValue, notFound, versionInUse } from "../errors";
import { referencesTo, withPublished, withoutVersion } from "../registry/adapter-lifecycle";
import { applyManifest, readCurrentManifest } from "../registry/manifest-store";
import { validateManifest } from "../registry/validate-manifest";
import { activeRollouts } from "../rollouts/rollout-store";
import { VERSION_PATTERN } from "../schemas/manifest";
import { PublishAdapterSchema } from "../schemas/publish-adapter";
import { loadsAtRuntime, preloadEverywhere, unloadEverywhere } from "../upstreams/replica-ops";
import { describeUpstreams } from "../upstreams/upstream-view";
import { knownTenant, tenantParam, TenantParam } from "./admin-tenant";
import { BEARER, defineRoute, jsonResponse, type ApiDocs } from "./define-route";
import { assertPublishable } from "./publish-guard";
import { jsonBody, validationHook } from "./validation-hook";

const security = BEARER;
const VersionParam = TenantParam.extend({
  version: z.string().regex(VERSION_PATTERN, "must be an adapter version"),
});
const versionParam = zValidator("param", VersionParam, validationHook);

const actorOf = (c: Context<AppEnv>) =>
  c.req.header("x-switchyard-actor") ?? (c.get("apiKeyId") ? `key:${c.get("apiKeyId")}` : "admin-api");

async function currentManifest(c: Context<AppEnv>, tenant: string) {
  const current = await readCurrentManifest(c.env.DB, tenant);
  if (!current) throw notFound(`A manifest for tenant '${tenant}'`, "tenant");
  return current;
}

/** The compiled target of one of the tenant's versions (its upstream and replica order). */
async function targetOf(c: Context<AppEnv>, tenant: string, version: string) {
  const compiled = await c.get("registry").tenant(c.env.DB, tenant);
  const target = compiled?.adapters.get(version);
  if (!compiled || !target) throw notFound(`Adapter version '${version}'`, "version");
  return target;
}

const publishRoute = defineRoute({
  method: "post",
  path: "/admin/tenants/:tenant/adapters",
  summary: "Publish a new adapter version (a new manifest version; versions are immutable)",
  security,
  request: { params: TenantParam, body: { schema: PublishAdapterSchema, required: true } },
  responses: {
    201: jsonResponse("The version as published and the new manifest version"),
    200: jsonResponse("The same version was already published: nothing changed"),
    400: jsonResponse("Invalid version (error.issues names the field)"),
    409: jsonResponse("version_immutable, or served_name_taken on a replica"),
  },
});

const retireRoute = defineRoute({
  method: "delete",
  path: "/admin/tenants/:tenant/adapters/:version",
  summary: "Retire an adapter version: a new manifest version without it, unloaded from every replica",
  security,
  request: { params: VersionParam },
  responses: {
    200: jsonResponse("The new manifest version and each replica's unload result"),
    404: jsonResponse("Unknown tenant or version"),
    409: jsonResponse("version_in_use: a rule, a fallback or an active rollout still targets it (error.references)"),
  },
});

const loadRoute = defineRoute({
  method: "post",
  path: "/admin/tenants/:tenant/adapters/:version/load",
  summary: "Preload an adapter version on every replica of its upstream (vLLM runtime LoRA loading)",
  security,
  request: { params: VersionParam },
  responses: {
    200: jsonResponse("Each replica's load result"),
    400: jsonResponse("The version's upstream does not load at runtime (LoRAX, Workers AI)"),
    404: jsonResponse("Unknown tenant or version"),
  },
});

const upstreamsRoute = defineRoute({
  method: "get",
  path: "/admin/tenants/:tenant/upstreams",
  summary:
    "The tenant's upstreams and replicas: circuit state, failures, last error, loaded versions (this isolate's view)",
  security,
  request: { params: TenantParam },
  responses: { 200: jsonResponse("Upstreams with their replicas"), 404: jsonResponse("Unknown tenant") },
});

export const adminAdaptersApi = new Hono<AppEnv>();

adminAdaptersApi.on(
  publishRoute.method,
  publishRoute.path,
  tenantParam,
  knownTenant,
  ...jsonBody(PublishAdapterSchema),
  async (c) => {
    const { tenant } = c.req.valid("param");
    const current = await currentManifest(c, tenant);
    const { manifest: next, adapter, same } = withPublished(current.manifest, c.req.valid("json"));
    if (same) return c.json({ tenant, applied: false, version: current.version, adapter }, 200);
    const checked = validateManifest(next);
    if (!checked.ok) throw invalidManifest(checked.issues);
    await assertPublishable(c, checked.manifest);
    const result = await applyManifest(c.env.DB, checked.manifest, actorOf(c), c.get("clock").nowMs());
    if (result.applied) await c.get("registry").reload(c.env.DB);
    return c.json({ tenant, applied: result.applied, version: result.version, adapter, changes: result.changes }, 201);
  },
);

adminAdaptersApi.on(retireRoute.method, retireRoute.path, versionParam, knownTenant, async (c) => {
  const { tenant, version } = c.req.valid("param");
  const current = await currentManifest(c, tenant);
  if (!current.manifest.adapters.some((a) => a.version === version)) {
    throw notFound(`Adapter version '${version}'`, "version");
  }
  const references = referencesTo(current.manifest, version);
  for (const r of await activeRollouts(c.env.DB, tenant)) {
    if (r.candidate === version || r.baseline === version) {
      references.push(`rollout '${r.id}' (${r.candidate === version ? "candidate" : "baseline"}, ${r.state})`);
    }
  }
  if (references.length > 0) throw versionInUse(version, references);
  const target = await targetOf(c, tenant, version);
  const next = withoutVersion(current.manifest, version);
  const checked = validateManifest(next);
  // The last adapter of a manifest cannot go (a manifest needs one): the issue says so.
  if (!checked.ok) throw invalidManifest(checked.issues);
  const result = await applyManifest(c.env.DB, checked.manifest, actorOf(c), c.get("clock").nowMs());
  await c.get("registry").reload(c.env.DB);
  const unloaded = loadsAtRuntime(target) ? await unloadEverywhere(c.get("upstreams"), target, c.env) : [];
  return c.json({ tenant, retired: version, version: result.version, changes: result.changes, unloaded }, 200);
});

adminAdaptersApi.on(loadRoute.method, loadRoute.path, versionParam, knownTenant, async (c) => {
  const { tenant, version } = c.req.valid("param");
  const target = await targetOf(c, tenant, version);
  if (!loadsAtRuntime(target)) {
    throw invalidValue(
      `Adapter version '${version}' is served by upstream '${target.upstream.id}' (${target.upstream.dialect ?? target.upstream.kind}), which loads adapters by itself; only vllm upstreams take load calls.`,
      "version",
    );
  }
  const replicas = await preloadEverywhere(c.get("upstreams"), target, c.env, tenant);
  return c.json({ tenant, version, served_name: target.adapter.served_name, replicas }, 200);
});

adminAdaptersApi.on(upstreamsRoute.method, upstreamsRoute.path, tenantParam, knownTenant, async (c) => {
  const { tenant } = c.req.valid("param");
  const compiled = await c.get("registry").tenant(c.env.DB, tenant);
  if (!compiled) throw notFound(`A manifest for tenant '${tenant}'`, "tenant");
  return c.json({ tenant, upstreams: await describeUpstreams(c.get("upstreams"), compiled, c.env) }, 200);
});

/**
 * A rollout's candidate is about to get traffic: load it on every replica of
 * its upstream now (in the background, after the rollout's answer), so the
 * first requests of the first step do not each wait for a load. Only vLLM
 * upstreams take load calls; a failure is logged, and requests would load it
 * on demand anyway.
 */
export async function preloadRolloutCandidate(c: Context<AppEnv>, tenant: string, version: string): Promise<void> {
  const compiled = await c.get("registry").tenant(c.env.DB, tenant);
  const target = compiled?.adapters.get(version);
  if (!target || !loadsAtRuntime(target)) return;
  c.executionCtx.waitUntil(preloadEverywhere(c.get("upstreams"), target, c.env, tenant));
}

export const adminAdaptersDocs: ApiDocs = { routes: [publishRoute, retireRoute, loadRoute, upstreamsRoute] };
