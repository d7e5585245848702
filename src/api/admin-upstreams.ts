// GET /admin/upstreams — the operator's view of every tenant's upstreams and
// replicas (ADMIN_TOKEN only: it spans tenants): circuit state, consecutive
// failures, last error, loaded versions, when each inventory was read. This
// isolate's view; see upstreams/upstream-view.ts.
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { listTenants } from "../registry/tenant-store";
import { describeUpstreams } from "../upstreams/upstream-view";
import { BEARER, defineRoute, jsonResponse, type ApiDocs } from "./define-route";

const route = defineRoute({
  method: "get",
  path: "/admin/upstreams",
  summary: "Every tenant's upstreams and replicas: health, consecutive failures, last error, loaded versions",
  security: BEARER,
  responses: { 200: jsonResponse("Per tenant, its upstreams with their replicas") },
});

export const adminUpstreamsApi = new Hono<AppEnv>().on(route.method, route.path, async (c) => {
  const data = [];
  for (const { id } of await listTenants(c.env.DB)) {
    const compiled = await c.get("registry").tenant(c.env.DB, id);
    if (compiled)
      data.push({
        tenant: id,
        upstreams: await describeUpstreams(c.get("upstreams"), compiled, c.env, (p) => c.executionCtx.waitUntil(p)),
      });
  }
  return c.json({ object: "list", data }, 200);
});

export const adminUpstreamsDocs: ApiDocs = { routes: [route] };
