// /admin/tenants/{tenant}/keys — a tenant's API keys: create (the key is in
// that response only; stored hashed), list (never the key), revoke, rotate.
// Rotation issues a new key with the same name, scopes and limits (no expiry) and lets the old
// one work for a grace period (default one day, at most 30), so clients can
// move over without an outage. Reached with ADMIN_TOKEN, or with a key of the
// tenant that holds the manage scope (auth/admin-auth.ts).
import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import * as z from "zod";
import { generateApiKey, getLiveKey, listApiKeys, revokeApiKey, rotateApiKey, storeApiKey } from "../auth/api-keys";
import { SCOPES } from "../auth/scopes";
import type { AppEnv } from "../env";
import { invalidValue, notFound } from "../errors";
import { LimitValuesSchema } from "../schemas/manifest";
import { TimeParam } from "../schemas/query-params";
import { knownTenant, TenantParam, tenantParam } from "./admin-tenant";
import { BEARER, defineRoute, jsonResponse, type ApiDocs } from "./define-route";
import { jsonBody, validationHook } from "./validation-hook";

const DAY_SECONDS = 86_400;
const KeyParam = TenantParam.extend({ id: z.string().min(1).max(64) });
const keyParam = zValidator("param", KeyParam, validationHook);
const CreateKeyBody = z.strictObject({
  name: z.string().min(1).max(100).optional(),
  scopes: z
    .array(z.enum(SCOPES))
    .min(1)
    .max(SCOPES.length)
    .optional()
    .describe(`any of ${SCOPES.join(", ")}; default all`),
  expires_at: z
    .union([z.number().int().min(0), TimeParam])
    .optional()
    .describe("epoch ms or ISO 8601; default never"),
  limits: LimitValuesSchema.optional().describe(
    "this key's own limits, replacing the manifest's limits.per_key for it (the tenant's limits still apply)",
  ),
});
const RotateKeyBody = z.strictObject({
  grace_seconds: z
    .number()
    .int()
    .min(0)
    .max(30 * DAY_SECONDS)
    .optional()
    .describe("how long the old key keeps working; default 86400 (one day)"),
});
const security = BEARER;

const createKeyRoute = defineRoute({
  method: "post",
  path: "/admin/tenants/:tenant/keys",
  summary: "Create an API key with scopes and an optional expiry; the key is in this response only",
  security,
  request: {
    params: TenantParam,
    // Optional: without a content type and body the key is named "api key" and holds every scope.
    body: { schema: CreateKeyBody, required: false },
  },
  responses: { 201: jsonResponse("The new key"), 404: jsonResponse("Unknown tenant") },
});

const listKeysRoute = defineRoute({
  method: "get",
  path: "/admin/tenants/:tenant/keys",
  summary: "The tenant's API keys (prefix, name, scopes, expiry; never the key)",
  security,
  request: { params: TenantParam },
  responses: { 200: jsonResponse("Keys"), 404: jsonResponse("Unknown tenant") },
});

const revokeKeyRoute = defineRoute({
  method: "delete",
  path: "/admin/tenants/:tenant/keys/:id",
  summary: "Revoke an API key",
  security,
  request: { params: KeyParam },
  responses: { 200: jsonResponse("Revoked"), 404: jsonResponse("No such live key") },
});

const rotateKeyRoute = defineRoute({
  method: "post",
  path: "/admin/tenants/:tenant/keys/:id/rotate",
  summary: "Issue a new key with the same name and scopes; the old one works for grace_seconds more",
  security,
  request: { params: KeyParam, body: { schema: RotateKeyBody, required: false } },
  responses: { 201: jsonResponse("The new key, and when the old one stops"), 404: jsonResponse("No such live key") },
});

export const adminKeysDocs: ApiDocs = { routes: [createKeyRoute, listKeysRoute, revokeKeyRoute, rotateKeyRoute] };

export const adminKeysApi = new Hono<AppEnv>()
  .on(createKeyRoute.method, createKeyRoute.path, tenantParam, knownTenant, ...jsonBody(CreateKeyBody), async (c) => {
    const { tenant } = c.req.valid("param");
    const body = c.req.valid("json");
    const now = c.get("clock").nowMs();
    if (body.expires_at !== undefined && body.expires_at <= now) {
      throw invalidValue("Invalid 'expires_at': it must be in the future.", "expires_at");
    }
    const key = generateApiKey(tenant);
    const name = body.name ?? "api key";
    const limits = body.limits && Object.keys(body.limits).length > 0 ? body.limits : null;
    const grant = { scopes: body.scopes, expiresAt: body.expires_at ?? null, limits };
    const stored = await storeApiKey(c.env.DB, tenant, key, name, now, grant);
    await c.get("registry").reload(c.env.DB);
    const scopes = body.scopes ?? [...SCOPES];
    return c.json(
      { id: stored.id, tenant, name, prefix: stored.prefix, scopes, expires_at: grant.expiresAt, limits, key },
      201,
    );
  })
  .on(listKeysRoute.method, listKeysRoute.path, tenantParam, knownTenant, async (c) => {
    const { tenant } = c.req.valid("param");
    return c.json({ object: "list", data: await listApiKeys(c.env.DB, tenant) }, 200);
  })
  .on(revokeKeyRoute.method, revokeKeyRoute.path, keyParam, knownTenant, async (c) => {
    const { tenant, id } = c.req.valid("param");
    if (!(await revokeApiKey(c.env.DB, tenant, id, c.get("clock").nowMs()))) {
      throw notFound(`Live key '${id}' of tenant '${tenant}'`, "id");
    }
    await c.get("registry").reload(c.env.DB);
    return c.json({ id, revoked: true }, 200);
  })
  .on(rotateKeyRoute.method, rotateKeyRoute.path, keyParam, knownTenant, ...jsonBody(RotateKeyBody), async (c) => {
    const { tenant, id } = c.req.valid("param");
    const now = c.get("clock").nowMs();
    const old = await getLiveKey(c.env.DB, tenant, id, now);
    if (!old) throw notFound(`Live key '${id}' of tenant '${tenant}'`, "id");
    const graceEndsAt = now + (c.req.valid("json").grace_seconds ?? DAY_SECONDS) * 1000;
    const key = generateApiKey(tenant);
    // The new key gets no expiry: the old key's is, after an earlier
    // rotation, only its grace. (A key that must expire is created with expires_at.)
    const stored = await rotateApiKey(c.env.DB, tenant, old, key, graceEndsAt, now);
    await c.get("registry").reload(c.env.DB);
    return c.json(
      {
        id: stored.id,
        tenant,
        name: old.name,
        prefix: stored.prefix,
        scopes: old.scopes,
        expires_at: null,
        limits: old.limits,
        key,
        rotated_from: { id, expires_at: stored.oldExpiresAt },
      },
      201,
    );
  });
