// GET /v1/models — the caller's tasks in OpenAI's list shape, each with the
// adapter versions its rules can reach. Only the caller's tenant is visible.
import { Hono } from "hono";
import * as z from "zod";
import type { AppEnv } from "../env";
import type { TenantSnapshot } from "../routing/compiled";
import { BEARER, defineRoute, type ApiDocs } from "./define-route";

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

export function listModels(tenant: TenantSnapshot) {
  const created = Math.floor(tenant.compiledAt / 1000);
  return {
    object: "list" as const,
    data: [...tenant.tasks.values()].map((task) => ({
      id: task.name,
      object: "model" as const,
      created,
      owned_by: tenant.tenant,
      description: task.description ?? null,
      allow_pinning: task.allowPinning,
      adapters: [...task.versions.values()].map((t) => ({
        name: t.adapter.name,
        version: t.adapter.version,
        base_model: t.adapter.base_model,
        upstream_kind: t.upstream.kind,
      })),
    })),
  };
}

const route = defineRoute({
  method: "get",
  path: "/v1/models",
  summary: "List the caller's tasks (usable as `model`) and the adapter versions behind each",
  security: BEARER,
  responses: { 200: { description: "OpenAI model list", content: { "application/json": ModelListSchema } } },
});

export const modelsDocs: ApiDocs = { routes: [route] };

export const modelsApi = new Hono<AppEnv>().on(route.method, route.path, (c) =>
  c.json(listModels(c.get("tenant")), 200),
);
