// Builds the Hono app: middleware order, route mounting, the OpenAPI document
// and the one onError that renders every failure in OpenAI's error shape.
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { adminApi, adminDocs } from "./api/admin";
import { chatApi, chatDocs } from "./api/chat";
import { docsHtml } from "./api/docs";
import { exportsApi, exportsDocs } from "./api/exports";
import { feedbackApi, feedbackDocs } from "./api/feedback";
import { interactionsApi, interactionsDocs } from "./api/interactions";
import { modelsApi, modelsDocs } from "./api/models";
import { lazyOpenApiDocument } from "./api/openapi";
import { apiKeyAuth } from "./auth/api-key-auth";
import type { AppEnv } from "./env";
import { GatewayError, invalidRequest, notFound } from "./errors";
import { requestId } from "./middleware/request-id";

export function renderError(error: unknown, requestIdValue: string | undefined): Response {
  if (error instanceof GatewayError) return error.toResponse();
  if (error instanceof HTTPException && error.status < 500) {
    // Hono's own 4xx, e.g. a body that is not valid JSON.
    return invalidRequest(`Could not parse the request: ${error.message}`, null, "invalid_body").toResponse();
  }
  console.error(
    JSON.stringify({
      msg: "unhandled error",
      request_id: requestIdValue,
      error: String(error),
      stack: (error as Error)?.stack,
    }),
  );
  return new GatewayError(500, "server_error", "internal_error", {
    message: `The gateway failed on this request. Quote request id ${requestIdValue ?? "(none)"} when reporting it.`,
  }).toResponse();
}

export function createApp() {
  const app = new Hono<AppEnv>();
  app.use("*", requestId());
  app.get("/healthz", (c) => c.json({ ok: true }));

  app.use("/v1/chat/*", apiKeyAuth());
  app.use("/v1/models", apiKeyAuth());
  app.use("/v1/interactions", apiKeyAuth());
  app.use("/v1/interactions/*", apiKeyAuth());
  app.use("/v1/exports", apiKeyAuth());
  app.use("/v1/exports/*", apiKeyAuth());
  // /v1/feedback authenticates itself: an API key or a signed feedback token.
  app.route("/", chatApi);
  app.route("/", modelsApi);
  app.route("/", feedbackApi);
  app.route("/", interactionsApi);
  app.route("/", exportsApi);
  app.route("/", adminApi);

  const openApi = lazyOpenApiDocument(
    {
      title: "Switchyard",
      version: "0.1.0",
      description: "OpenAI-compatible gateway that routes each tenant's tasks to LoRA adapters and fine-tunes.",
    },
    [chatDocs, modelsDocs, feedbackDocs, interactionsDocs, exportsDocs, adminDocs],
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
  return app;
}
