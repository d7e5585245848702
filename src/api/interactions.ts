// GET /v1/interactions and /v1/interactions/{id} — thin: validate, decode the
// cursor, read within the caller's tenant. apiKeyAuth runs in app.ts. An id
// the tenant does not have is a 404 whether or not another tenant has it.
import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { invalidValue, notFound } from "../errors";
import { decodeCursor } from "../interactions/interaction-cursor";
import { getInteraction, listInteractions } from "../interactions/interaction-queries";
import {
  InteractionIdParamSchema,
  InteractionListSchema,
  InteractionSchema,
  ListInteractionsQuerySchema,
} from "../schemas/interactions";
import { BEARER, defineRoute, errorResponse, type ApiDocs } from "./define-route";
import { validationHook, queryParams } from "./validation-hook";

const listRoute = defineRoute({
  method: "get",
  path: "/v1/interactions",
  summary: "List the caller's logged interactions, newest first, keyset-paginated, with filters",
  security: BEARER,
  request: { query: ListInteractionsQuerySchema },
  responses: {
    200: {
      description: "A page of interaction summaries",
      content: { "application/json": InteractionListSchema },
    },
    400: errorResponse("Invalid filter, limit or cursor; `param` names it"),
    401: errorResponse("Missing or unknown API key"),
  },
});

const getRoute = defineRoute({
  method: "get",
  path: "/v1/interactions/:id",
  summary: "One logged interaction with its messages, answer and feedback",
  security: BEARER,
  request: { params: InteractionIdParamSchema },
  responses: {
    200: { description: "The interaction", content: { "application/json": InteractionSchema } },
    400: errorResponse("Invalid id"),
    401: errorResponse("Missing or unknown API key"),
    404: errorResponse("No such interaction for this tenant"),
  },
});

export const interactionsDocs: ApiDocs = { routes: [listRoute, getRoute] };

export const interactionsApi = new Hono<AppEnv>()
  .on(listRoute.method, listRoute.path, ...queryParams(ListInteractionsQuerySchema), async (c) => {
    const { cursor, ...query } = c.req.valid("query");
    const decoded = cursor === undefined ? null : decodeCursor(cursor);
    if (decoded && !decoded.ok)
      throw invalidValue("Invalid 'cursor': pass next_cursor from a previous page unchanged.", "cursor");
    const page = await listInteractions(c.env.DB, c.get("tenant").tenant, { query, after: decoded?.position ?? null });
    return c.json(page, 200);
  })
  .on(getRoute.method, getRoute.path, zValidator("param", InteractionIdParamSchema, validationHook), async (c) => {
    const { id } = c.req.valid("param");
    const interaction = await getInteraction(c.env.DB, c.env.BLOBS, c.get("tenant").tenant, id);
    if (!interaction) throw notFound(`Interaction '${id}'`, "id");
    return c.json(interaction, 200);
  });
