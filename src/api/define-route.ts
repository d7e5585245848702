// One route as the OpenAPI document describes it, declared once next to its
// handler: `defineRoute({ method, path, … })` gives the value the api/ module
// registers with `api.on(route.method, route.path, …handlers)` and lists in
// its ApiDocs, so method and path are written in one place. The path is
// Hono's pattern (`/v1/interactions/:id`); openapi.ts writes it as the
// OpenAPI template (`/v1/interactions/{id}`).
//
// A path parameter the request schema does not declare (or the reverse)
// throws when the module loads, not when someone reads the document.
import * as z from "zod";
import { ErrorSchema } from "../schemas/chat";

export type HttpMethod = "get" | "post" | "put" | "delete";

export interface ResponseDoc {
  description: string;
  /** media type -> schema */
  content?: Record<string, z.ZodType>;
}

export interface RouteDoc<M extends HttpMethod = HttpMethod, P extends string = string> {
  method: M;
  /** Hono's pattern: /v1/interactions/:id. */
  path: P;
  summary: string;
  description?: string;
  /** Alternatives: any one entry suffices. */
  security?: Record<string, string[]>[];
  request?: {
    /** Object schemas; each property becomes a path or query parameter. */
    params?: z.ZodType;
    query?: z.ZodType;
    /** A JSON body. */
    body?: { schema: z.ZodType; required: boolean };
  };
  responses: Record<number, ResponseDoc>;
}

export type SecurityScheme =
  { type: "http"; scheme: string } | { type: "apiKey"; in: "header" | "query" | "cookie"; name: string };

/** What one api/ module contributes to the document. */
export interface ApiDocs {
  routes: RouteDoc[];
  securitySchemes?: Record<string, SecurityScheme>;
}

/** The API key (or, on /admin, ADMIN_TOKEN) as `Authorization: Bearer …`; the scheme is always in the document. */
export const BEARER: RouteDoc["security"] = [{ bearer: [] }];

/** A response in OpenAI's error shape. */
export const errorResponse = (description: string): ResponseDoc => ({
  description,
  content: { "application/json": ErrorSchema },
});

/** A JSON response whose shape is described in words only. */
export const jsonResponse = (description: string): ResponseDoc => ({
  description,
  content: { "application/json": z.any() },
});

const PATH_PARAM = /:(\w+)/g;

/** Hono's `/a/:id` as the OpenAPI template `/a/{id}`. */
export const openApiPath = (path: string): string => path.replace(PATH_PARAM, "{$1}");

export function defineRoute<const M extends HttpMethod, const P extends string>(route: RouteDoc<M, P>): RouteDoc<M, P> {
  const inPath = [...route.path.matchAll(PATH_PARAM)].map((m) => m[1]).sort();
  const params = route.request?.params;
  const declared = params instanceof z.ZodObject ? Object.keys(params.shape).sort() : params ? inPath : [];
  if (inPath.join() !== declared.join()) {
    throw new Error(
      `defineRoute(${route.method} ${route.path}): path parameters [${inPath}] but request.params declares [${declared}]`,
    );
  }
  return route;
}
