// GET /v1/models — the caller's tasks in OpenAI's list shape, each with the
// adapter versions its rules can reach — and GET /v1/models/{id}, one of them
// (the SDKs' models.retrieve). Only the caller's tenant is visible: an id of
// another tenant's task is the same 404 as one that exists nowhere.
import { Hono } from "hono";
import * as z from "zod";
import type { AppEnv } from "../env";
import { modelNotFound } from "../errors";
import type { CompiledTask, TenantSnapshot } from "../routing/compiled";
import { pinnedTarget } from "../routing/resolve";
import { zValidator } from "@hono/zod-validator";
import { BEARER, defineRoute, errorResponse, type ApiDocs } from "./define-route";
import { validationHook } from "./validation-hook";

const ModelSchema = z
  .object({
    id: z.string(),
    object: z.literal("model"),
    created: z.number().int(),
    owned_by: z.string(),
    description: z.string().nullable(),
    allow_pinning: z.boolean(),
    adapters: z.array(
      z.object({ name: z.string(), version: z.string(), base_model: z.string(), upstream_kind: z.string() }),
    ),
  })
  .meta({ id: "Model" });

const ModelListSchema = z.object({ object: z.literal("list"), data: z.array(ModelSchema) }).meta({ id: "ModelList" });

function modelOf(tenant: TenantSnapshot, task: CompiledTask, id = task.name, version?: string) {
  return {
    id,
    object: "model" as const,
    created: Math.floor(tenant.compiledAt / 1000),
    owned_by: tenant.tenant,
    description: task.description ?? null,
    allow_pinning: task.allowPinning,
    adapters: [...task.versions.values()]
      .filter((t) => version === undefined || t.adapter.version === version)
      .map((t) => ({
        name: t.adapter.name,
        version: t.adapter.version,
        base_model: t.adapter.base_model,
        upstream_kind: t.upstream.kind,
      })),
  };
}

export function listModels(tenant: TenantSnapshot) {
  return { object: "list" as const, data: [...tenant.tasks.values()].map((task) => modelOf(tenant, task)) };
}

/** A task by name, or `task@version` where the task allows pinning that version; null otherwise. */
export function findModel(tenant: TenantSnapshot, id: string) {
  const at = id.indexOf("@");
  const task = tenant.tasks.get(at === -1 ? id : id.slice(0, at));
  if (!task) return null;
  if (at === -1) return modelOf(tenant, task);
  const version = id.slice(at + 1);
  return pinnedTarget(task, version) ? modelOf(tenant, task, id, version) : null;
}

const ModelIdParam = z.object({ id: z.string().min(1).max(256).meta({ example: "support" }) });

const route = defineRoute({
  method: "get",
  path: "/v1/models",
  summary: "List the caller's tasks (usable as `model`) and the adapter versions behind each",
  security: BEARER,
  responses: { 200: { description: "OpenAI model list", content: { "application/json": ModelListSchema } } },
});

const retrieveRoute = defineRoute({
  method: "get",
  path: "/v1/models/:id",
  summary: "One of the caller's tasks (or task@version where pinning is allowed), as listed by GET /v1/models",
  security: BEARER,
  request: { params: ModelIdParam },
  responses: {
    200: { description: "OpenAI model object", content: { "application/json": ModelSchema } },
    404: errorResponse("No such task for this tenant (model_not_found)"),
  },
});

export const modelsDocs: ApiDocs = { routes: [route, retrieveRoute] };

export const modelsApi = new Hono<AppEnv>()
  .on(route.method, route.path, (c) => c.json(listModels(c.get("tenant")), 200))
  .on(retrieveRoute.method, retrieveRoute.path, zValidator("param", ModelIdParam, validationHook), (c) => {
    const { id } = c.req.valid("param");
    const model = findModel(c.get("tenant"), id);
    if (!model) throw modelNotFound(id);
    return c.json(model, 200);
  });
