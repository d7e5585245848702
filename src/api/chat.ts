// POST /v1/chat/completions — thin: validate, plan, then preview or run.
import { Hono } from "hono";
import { planChat, describePlan } from "../chat/plan-chat";
import { runChat } from "../chat/run-chat";
import type { AppEnv } from "../env";
import { admitChat, limitsFor } from "../limits/admit-chat";
import { ChatCompletionChunkSchema, ChatCompletionRequestSchema, ChatCompletionSchema } from "../schemas/chat";
import { BEARER, defineRoute, errorResponse, type ApiDocs } from "./define-route";
import { jsonBody } from "./validation-hook";

const route = defineRoute({
  method: "post",
  path: "/v1/chat/completions",
  summary: "Create a chat completion through the tenant's adapter for the task named in `model`",
  security: BEARER,
  request: { body: { schema: ChatCompletionRequestSchema, required: true } },
  responses: {
    200: {
      description: "A chat.completion, or with stream=true an SSE stream of chat.completion.chunk ending in [DONE]",
      content: { "application/json": ChatCompletionSchema, "text/event-stream": ChatCompletionChunkSchema },
    },
    400: errorResponse("Invalid request; `param` names the field"),
    401: errorResponse("Missing or unknown API key"),
    404: errorResponse("Unknown task (model_not_found)"),
    429: errorResponse(
      "A limit of the tenant or key (type requests or tokens; retry-after and x-ratelimit-* headers), or the upstream's",
    ),
    502: errorResponse("Upstream failed on every adapter tried"),
    503: errorResponse("The tenant's limiter could not be asked (limiter_unavailable)"),
    504: errorResponse("Upstream timed out"),
  },
});

export const chatDocs: ApiDocs = { routes: [route] };

export const chatApi = new Hono<AppEnv>().on(
  route.method,
  route.path,
  ...jsonBody(ChatCompletionRequestSchema),
  async (c) => {
    const body = c.req.valid("json");
    const requestId = c.get("requestId");
    const tenant = c.get("tenant");
    const plan = planChat(tenant, body, {
      requestId,
      audienceHeader: c.req.header("x-switchyard-audience"),
      userHeader: c.req.header("x-switchyard-user"),
      // A getter: request.cf is built from JSON on first access, a cost
      // worth skipping (docs/performance.md), and only rules that test region need it.
      get region() {
        return (c.req.raw.cf?.country as string | undefined) ?? undefined;
      },
    });
    if (c.req.header("x-switchyard-dry-run") === "1") {
      return c.json(describePlan(plan), 200);
    }
    // Limits are checked here, after validation and planning, rather than right
    // after auth: a stream limit needs `stream` from the body, and a request
    // that is refused as invalid should not spend the tenant's quota.
    // No limits in the manifest or on the key: no limiter call at all.
    const keyed = limitsFor(tenant.limits, c.get("apiKeyLimits"));
    const limits =
      keyed &&
      (await admitChat({
        limiter: c.env.TENANT_LIMITER,
        tenant: tenant.tenant,
        limits: keyed,
        limitSources: { tenant: tenant.limits, key: c.get("apiKeyLimits") },
        denials: c.get("denials"),
        keyId: c.get("apiKeyId"),
        stream: plan.stream,
        clock: c.get("clock"),
        leaseMs: c.get("config").streamLeaseSeconds * 1000,
        waitUntil: (p) => c.executionCtx.waitUntil(p),
      }));
    return runChat({
      env: c.env,
      waitUntil: (p) => c.executionCtx.waitUntil(p),
      requestId,
      clientRequestId: c.get("clientRequestId") ?? null,
      tenantId: tenant.tenant,
      startedAt: c.get("startedAt"),
      clientSignal: c.req.raw.signal,
      body,
      plan,
      config: c.get("config"),
      clock: c.get("clock"),
      limits: limits ?? undefined,
      upstreams: c.get("upstreams"),
    });
  },
);
