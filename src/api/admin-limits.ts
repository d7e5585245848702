// GET /admin/tenants/{tenant}/limits — the operator's view of a tenant's
// limits: what the manifest sets, what is used now (requests in the last
// minute, tokens today, open streams) and how many requests each limit
// refused, for the tenant and per key. Refusals are counted in the tenant's
// limiter, never stored as interaction records. Mounted under admin.ts's
// adminApi, whose guard lets ADMIN_TOKEN reach every tenant and a key with
// `manage` its own.
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { notFound } from "../errors";
import { knownTenant, tenantParam, TenantParam } from "./admin-tenant";
import { BEARER, defineRoute, jsonResponse, type ApiDocs } from "./define-route";

const route = defineRoute({
  method: "get",
  path: "/admin/tenants/:tenant/limits",
  summary: "The tenant's limits, current usage and refusal counts (tenant-wide and per key)",
  security: BEARER,
  request: { params: TenantParam },
  responses: { 200: jsonResponse("Limits, usage and refusals"), 404: jsonResponse("Unknown tenant") },
});

export const adminLimitsApi = new Hono<AppEnv>().on(route.method, route.path, tenantParam, knownTenant, async (c) => {
  const { tenant } = c.req.valid("param");
  const compiled = await c.get("registry").tenant(c.env.DB, tenant);
  if (!compiled) throw notFound(`A manifest for tenant '${tenant}'`, "tenant");
  const limits = compiled.manifestLimits;
  const status = await c.env.TENANT_LIMITER.getByName(tenant).status(c.get("clock").nowMs());
  return c.json({ tenant, limits, ...status }, 200);
});

export const adminLimitsDocs: ApiDocs = { routes: [route] };
