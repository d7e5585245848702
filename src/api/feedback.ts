// POST /v1/feedback — thin: CORS, credential, validate, then one upsert.
// Authenticated here rather than in app.ts because it is the one /v1 route a
// browser may call with a signed feedback token instead of an API key.
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { feedbackAuth, feedbackCaller, FEEDBACK_TOKEN_HEADER } from "../feedback/feedback-auth";
import { feedbackCors } from "../feedback/feedback-cors";
import { upsertFeedback } from "../feedback/feedback-store";
import { FeedbackRequestSchema, FeedbackResultSchema } from "../schemas/feedback";
import { defineRoute, errorResponse, type ApiDocs } from "./define-route";
import { jsonBody } from "./validation-hook";

const route = defineRoute({
  method: "post",
  path: "/v1/feedback",
  summary:
    "Rate a chat completion (thumbs, score, comment, corrected answer); a repeat post by the same user replaces it",
  description:
    "Authenticate with the tenant's API key, or with the `x-switchyard-feedback-token` of the chat response being rated " +
    "(as `Authorization: Bearer v1.…` or in that header); the token is valid for that one request id only and cannot name a `user`. " +
    "Feedback is accepted before the interaction itself is logged and joined to it when it is. " +
    "With an API key, `request_id` may also be the upstream's id that a native-mode stream's chunks carry, once its interaction is logged.",
  // Either scheme suffices (OpenAPI ORs the entries).
  security: [{ bearer: [] }, { feedbackToken: [] }],
  request: { body: { schema: FeedbackRequestSchema, required: true } },
  responses: {
    200: { description: "The stored feedback", content: { "application/json": FeedbackResultSchema } },
    400: errorResponse("Invalid request; `param` names the field"),
    401: errorResponse("Missing or unknown API key, or a forged, expired or other request's feedback token"),
  },
});

export const feedbackDocs: ApiDocs = {
  routes: [route],
  securitySchemes: { feedbackToken: { type: "apiKey", in: "header", name: FEEDBACK_TOKEN_HEADER } },
};

export function createFeedbackApi() {
  const api = new Hono<AppEnv>();
  api.use(route.path, feedbackCors());
  // The credential is decided before the body is validated (see feedback-auth.ts).
  return api.on(route.method, route.path, feedbackAuth(), ...jsonBody(FeedbackRequestSchema), async (c) => {
    const body = c.req.valid("json");
    const caller = await feedbackCaller(c, body);
    const result = await upsertFeedback(c.env.DB, { ...caller, body, at: c.get("clock").nowMs() });
    return c.json(result, 200);
  });
}

export const feedbackApi = createFeedbackApi();
