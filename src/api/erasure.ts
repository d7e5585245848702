// DELETE /v1/users/{user} and DELETE /v1/interactions/{id} — erase an end
// user's data, or one interaction, in the caller's tenant (scope manage,
// checked with the other route families' scopes in app.ts).
// Thin: validate, then interactions/erasure-store.ts.
import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import * as z from "zod";
import type { AppEnv } from "../env";
import { notFound } from "../errors";
import { eraseInteraction, eraseUser } from "../interactions/erasure-store";
import { InteractionIdParamSchema } from "../schemas/interactions";
import { BEARER, defineRoute, jsonResponse, type ApiDocs } from "./define-route";
import { validationHook } from "./validation-hook";

const UserParam = z.object({ user: z.string().min(1).max(256).meta({ example: "end-user-42" }) });

const eraseUserRoute = defineRoute({
  method: "delete",
  path: "/v1/users/:user",
  summary: "Erase every interaction, feedback row and stored body of one end user (the chat request's user)",
  description:
    "Also drops the user's records still on the log queue when they land. Answers the counts erased; 0 everywhere is not an error.",
  security: BEARER,
  request: { params: UserParam },
  responses: { 200: jsonResponse("{user, erased: {interactions, feedback, blobs}}") },
});

const eraseInteractionRoute = defineRoute({
  method: "delete",
  path: "/v1/interactions/:id",
  summary: "Erase one interaction, the feedback on it and its stored body",
  security: BEARER,
  request: { params: InteractionIdParamSchema },
  responses: { 200: jsonResponse("{id, erased: {interactions, feedback, blobs}}"), 404: jsonResponse("Not found") },
});

export const erasureDocs: ApiDocs = { routes: [eraseUserRoute, eraseInteractionRoute] };

export const erasureApi = new Hono<AppEnv>()
  .on(eraseUserRoute.method, eraseUserRoute.path, zValidator("param", UserParam, validationHook), async (c) => {
    const { user } = c.req.valid("param");
    const tenant = c.get("tenant").tenant;
    const erased = await eraseUser(c.env.DB, c.env.BLOBS, tenant, user, c.get("clock").nowMs());
    return c.json({ object: "erasure", user, erased }, 200);
  })
  .on(
    eraseInteractionRoute.method,
    eraseInteractionRoute.path,
    zValidator("param", InteractionIdParamSchema, validationHook),
    async (c) => {
      const { id } = c.req.valid("param");
      const tenant = c.get("tenant").tenant;
      const erased = await eraseInteraction(c.env.DB, c.env.BLOBS, tenant, id, c.get("clock").nowMs());
      // Recorded even when absent: a record of this id still on the queue is dropped when it lands.
      if (!erased) throw notFound(`Interaction '${id}'`, "id");
      return c.json({ object: "erasure", id, erased }, 200);
    },
  );
