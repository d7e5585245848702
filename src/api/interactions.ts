// GET /v1/interactions and /v1/interactions/{id} — thin: validate, decode the
// cursor, read within the caller's tenant. apiKeyAuth runs in app.ts. An id
// the tenant does not have is a 404 whether or not another tenant has it.
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env";
import { invalidRequest, notFound } from "../errors";
import { decodeCursor } from "../feedback/interaction-cursor";
import { getInteraction, listInteractions } from "../feedback/interaction-queries";
import { ErrorSchema } from "../schemas/chat";
import {
  InteractionIdParamSchema,
  InteractionListSchema,
  InteractionSchema,
  ListInteractionsQuerySchema,
} from "../schemas/interactions";
import { validationHook } from "./validation-hook";

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: ErrorSchema } },
});

const listRoute = createRoute({
  method: "get",
  path: "/v1/interactions",
  summary: "List the caller's logged interactions, newest first, keyset-paginated, with filters",
  security: [{ bearer: [] }],
  request: { query: ListInteractionsQuerySchema },
  responses: {
    200: {
      description: "A page of interaction summaries",
      content: { "application/json": { schema: InteractionListSchema } },
    },
    400: errorResponse("Invalid filter, limit or cursor; `param` names it"),
    401: errorResponse("Missing or unknown API key"),
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/interactions/{id}",
  summary: "One logged interaction with its messages, answer and feedback",
  security: [{ bearer: [] }],
  request: { params: InteractionIdParamSchema },
  responses: {
    200: { description: "The interaction", content: { "application/json": { schema: InteractionSchema } } },
    400: errorResponse("Invalid id"),
    401: errorResponse("Missing or unknown API key"),
    404: errorResponse("No such interaction for this tenant"),
  },
});

export const interactionsApi = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(listRoute, async (c) => {
    const { cursor, ...query } = c.req.valid("query");
    const decoded = cursor === undefined ? null : decodeCursor(cursor);
    if (decoded && !decoded.ok)
      throw invalidRequest("Invalid 'cursor': pass next_cursor from a previous page unchanged.", "cursor");
    const page = await listInteractions(c.env.DB, c.get("tenant").tenant, { query, after: decoded?.position ?? null });
    return c.json(page, 200);
  })
  .openapi(getRoute, async (c) => {
    const { id } = c.req.valid("param");
    const interaction = await getInteraction(c.env.DB, c.get("tenant").tenant, id);
    if (!interaction) throw notFound(`Interaction '${id}'`, "id");
    return c.json(interaction, 200);
  });
