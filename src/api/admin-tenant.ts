// What every /admin/tenants/{tenant}/… route shares: the path parameter and
// the check that the tenant exists.
import { zValidator } from "@hono/zod-validator";
import { createMiddleware } from "hono/factory";
import * as z from "zod";
import type { AppEnv } from "../env";
import { notFound } from "../errors";
import { tenantExists } from "../registry/tenant-store";
import { SLUG_PATTERN } from "../schemas/manifest";
import { validationHook } from "./validation-hook";

export const TenantParam = z.object({ tenant: z.string().regex(SLUG_PATTERN, "must be a tenant slug") });

export const tenantParam = zValidator("param", TenantParam, validationHook);

/**
 * Every route under /admin/tenants/{tenant}/ except the manifest apply (which
 * creates a tenant) and validate (a dry check) answers 404 for a tenant that
 * does not exist, rather than an empty list that looks like a real tenant's.
 */
export const knownTenant = createMiddleware<AppEnv>(async function knownTenant(c, next) {
  const tenant = c.req.param("tenant");
  if (!tenant || !(await tenantExists(c.env.DB, tenant))) throw notFound(`Tenant '${tenant}'`, "tenant");
  await next();
});
