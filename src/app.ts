// Builds the Hono app: middleware order, route mounting, the OpenAPI document
// and the one onError that renders every failure in OpenAI's error shape.
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { methodNotAllowed as allowHeader } from "hono/method-not-allowed";
import { adminApi, adminDocs } from "./api/admin";
import { chatApi, chatDocs } from "./api/chat";
import { docsHtml } from "./api/docs";
import { exportsApi, exportsDocs } from "./api/exports";
import { feedbackApi, feedbackDocs } from "./api/feedback";
import { erasureApi, erasureDocs } from "./api/erasure";
import { interactionsApi, interactionsDocs } from "./api/interactions";
import { modelsApi, modelsDocs } from "./api/models";
import { statsApi, statsDocs } from "./api/stats";
import { lazyOpenApiDocument } from "./api/openapi";
import { apiKeyAuth } from "./auth/api-key-auth";
import { systemClock, type Clock } from "./clock";
import type { GatewayConfig } from "./config";
import type { AppEnv } from "./env";
import { frameworkRejection, GatewayError, internalError, methodNotAllowed, notFound } from "./errors";
import { DenialCache } from "./limits/denial-cache";
import { floodGuard, knownRefusals } from "./limits/flood-guard";
import { bodySizeLimit } from "./middleware/body-size";
import { gatewayContext } from "./middleware/gateway-context";
import { requestId } from "./middleware/request-id";
import { createRegistryCache, type RegistryCache } from "./registry/registry-cache";
import { createUpstreamPool, type UpstreamPool } from "./upstreams/upstream-pool";

export function renderError(error: unknown, requestIdValue: string | undefined): Response {
  if (error instanceof GatewayError) return error.toResponse();
  if (error instanceof HTTPException && error.status < 500) {
    return frameworkRejection(error.status, error.message).toResponse();
  }
  console.error(
    JSON.stringify({
      msg: "unhandled error",
      request_id: requestIdValue,
      error: String(error),
      stack: (error as Error)?.stack,
    }),
  );
  return internalError(requestIdValue).toResponse();
}

export interface AppOptions {
  clock?: Clock;
}

export interface GatewayApp {
  app: Hono<AppEnv>;
  registry: RegistryCache;
  upstreams: UpstreamPool;
}

export function createApp(options: AppOptions = {}): GatewayApp {
  const clock = options.clock ?? systemClock;
  // The cache reads its settings from the config of the request that uses it
  // (one env per isolate, so in practice one config object, cached by readConfig).
  let config: GatewayConfig | null = null;
  const registry = createRegistryCache({
    clock,
    ttlSeconds: () => config?.snapshotTtlSeconds ?? 5,
    capacity: () => config?.tenantCacheSize ?? 500,
  });

  // Per isolate, like the registry cache: replica health and inventory (src/upstreams).
  const upstreams = createUpstreamPool({ clock });
  const denials = new DenialCache();

  const app = new Hono<AppEnv>();
  app.use("*", requestId({ clock }));
  // A known path called with another method: 405 with `allow` (RFC 9110 §15.5.6), not 404.
  app.use(
    "*",
    allowHeader({
      app,
      onMethodNotAllowed: (c, methods) => methodNotAllowed(c.req.method, c.req.path, methods).toResponse(),
    }),
  );
  app.use(
    "*",
    gatewayContext({
      clock,
      registry,
      upstreams,
      denials,
      onConfig: (current) => {
        config = current;
      },
    }),
  );
  app.use("*", bodySizeLimit());
  app.get("/healthz", (c) => c.json({ ok: true }));

  // Each route family needs one scope of the key (src/auth/scopes.ts).
  const chatKey = apiKeyAuth({ scopes: ["chat"] });
  const modelsKey = apiKeyAuth({ scopes: ["chat", "read"] });
  // Reading the log needs read; erasing from it (DELETE) needs manage.
  const logKey = apiKeyAuth({ scopes: (method) => (method === "DELETE" ? ["manage"] : ["read"]) });
  const manageKey = apiKeyAuth({ scopes: ["manage"] });
  const exportKey = apiKeyAuth({ scopes: ["export"] });
  app.use("/v1/chat/*", chatKey);
  app.use("/v1/chat/completions", floodGuard(), knownRefusals());
  app.use("/v1/models", modelsKey);
  app.use("/v1/models/*", modelsKey);
  app.use("/v1/interactions", logKey);
  app.use("/v1/interactions/*", logKey);
  app.use("/v1/users/*", manageKey);
  app.use("/v1/stats/*", apiKeyAuth({ scopes: ["read"] }));
  app.use("/v1/exports", exportKey);
  app.use("/v1/exports/*", exportKey);
  // /v1/feedback authenticates itself: an API key or a signed feedback token.
  app.route("/", chatApi);
  app.route("/", modelsApi);
  app.route("/", feedbackApi);
  app.route("/", interactionsApi);
  app.route("/", erasureApi);
  app.route("/", statsApi);
  app.route("/", exportsApi);
  app.route("/", adminApi);

  const openApi = lazyOpenApiDocument(
    {
      title: "Switchyard",
      version: "0.1.0",
      description: "OpenAI-compatible gateway that routes each tenant's tasks to LoRA adapters and fine-tunes.",
    },
    [chatDocs, modelsDocs, feedbackDocs, interactionsDocs, erasureDocs, statsDocs, exportsDocs, adminDocs],
  );
  app.get("/openapi.json", (c) => c.json(openApi()));
  app.get("/docs", (c) => c.html(docsHtml()));

  app.notFound((c) => notFound(`Route ${c.req.method} ${c.req.path}`).toResponse());
  app.onError((error, c) => {
    const response = renderError(error, c.get("requestId"));
    const id = c.get("requestId");
    if (id) response.headers.set("x-request-id", id);
    return response;
  });
  return { app, registry, upstreams };
}
