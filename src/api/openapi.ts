// The OpenAPI 3.1 document served at GET /openapi.json. Each api/ module
// lists a RouteDoc per route next to its handlers; this file turns them into
// one document with zod 4's own z.toJSONSchema (JSON Schema 2020-12, the
// dialect OpenAPI 3.1 uses). The Worker carries no OpenAPI library: the one it
// used before passed the whole zod namespace around as a value, so the bundle
// kept all of zod, 260 KB of error-message locales included.
//
// For the same reason, import zod as `import * as z from "zod"`. esbuild
// (wrangler's bundler) drops unused parts of zod only for the namespace
// import; `import { z }` binds zod's re-exported namespace object and keeps
// every locale (measured, minified: 454 KB vs 75 KB for a one-line schema).
//
// Schemas given an id with `.meta({ id })` become components.schemas and are
// referenced by $ref; only those some route reaches are emitted. Every schema
// is converted as input ("what this accepts"): request defaults then show as
// optional, and response objects leave additionalProperties open, as
// completions passed through from an upstream may carry fields not listed.
import * as z from "zod";
import { ErrorSchema } from "../schemas/chat";

export type HttpMethod = "get" | "post" | "put" | "delete";

export interface ResponseDoc {
  description: string;
  /** media type -> schema */
  content?: Record<string, z.ZodType>;
}

export interface RouteDoc {
  method: HttpMethod;
  /** OpenAPI template: /v1/interactions/{id} (Hono's route is /v1/interactions/:id). */
  path: string;
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

export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
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

type Json = Record<string, unknown>;

const COMPONENTS = "#/components/schemas/";
// Route-level schemas without an id are converted under a temporary key that
// cannot collide with a component name.
const INLINE = "~route-";

export function openApiDocument(info: OpenApiInfo, apis: ApiDocs[]): Json {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of z.globalRegistry._idmap) registry.add(schema, { id });
  const keyOf = new Map<z.ZodType, string>();
  const key = (schema: z.ZodType): string => {
    let k = keyOf.get(schema) ?? z.globalRegistry.get(schema)?.id;
    if (!k) {
      k = `${INLINE}${keyOf.size}`;
      registry.add(schema, { id: k });
    }
    keyOf.set(schema, k);
    return k;
  };
  const routes = apis.flatMap((api) => api.routes);
  for (const route of routes) {
    for (const schema of routeSchemas(route)) key(schema);
  }

  const { schemas } = z.toJSONSchema(registry, {
    target: "draft-2020-12",
    io: "input",
    unrepresentable: "any",
    uri: (id) => `${COMPONENTS}${id}`,
  });
  const converted = (k: string): Json => {
    const { $id: _id, $schema: _schema, ...body } = schemas[k] as Json;
    return body;
  };
  // A component is a $ref; anything else is written in place.
  const schemaOf = (schema: z.ZodType): Json => {
    const k = key(schema);
    return k.startsWith(INLINE) ? converted(k) : { $ref: `${COMPONENTS}${k}` };
  };
  const parameters = (where: "path" | "query", schema: z.ZodType | undefined) => {
    if (!schema) return [];
    const object = converted(key(schema));
    const required = new Set((object.required as string[] | undefined) ?? []);
    return Object.entries((object.properties ?? {}) as Record<string, Json>).map(([name, property]) => ({
      name,
      in: where,
      required: where === "path" || required.has(name),
      ...(typeof property.description === "string" ? { description: property.description } : {}),
      schema: property,
    }));
  };

  const paths: Record<string, Record<string, Json>> = {};
  for (const route of routes) {
    const { request } = route;
    const params = [...parameters("path", request?.params), ...parameters("query", request?.query)];
    (paths[route.path] ??= {})[route.method] = {
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      ...(route.security ? { security: route.security } : {}),
      ...(params.length ? { parameters: params } : {}),
      ...(request?.body
        ? {
            requestBody: {
              required: request.body.required,
              content: { "application/json": { schema: schemaOf(request.body.schema) } },
            },
          }
        : {}),
      responses: Object.fromEntries(
        Object.entries(route.responses).map(([status, response]) => [
          status,
          {
            description: response.description,
            ...(response.content
              ? {
                  content: Object.fromEntries(
                    Object.entries(response.content).map(([type, schema]) => [type, { schema: schemaOf(schema) }]),
                  ),
                }
              : {}),
          },
        ]),
      ),
    };
  }

  const components: Record<string, Json> = {};
  const pending = refsIn(paths);
  for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
    if (components[id]) continue;
    if (id.startsWith(INLINE) || !schemas[id]) {
      // An id-less route schema nested inside another schema: give it an id.
      throw new Error(`OpenAPI: $ref to '${id}', which is not a named schema; give it .meta({ id })`);
    }
    components[id] = converted(id);
    pending.push(...refsIn(components[id]));
  }

  const securitySchemes: Record<string, SecurityScheme> = { bearer: { type: "http", scheme: "bearer" } };
  for (const api of apis) Object.assign(securitySchemes, api.securitySchemes);
  return { openapi: "3.1.0", info, paths, components: { schemas: components, securitySchemes } };
}

function routeSchemas(route: RouteDoc): z.ZodType[] {
  const { params, query, body } = route.request ?? {};
  const responses = Object.values(route.responses).flatMap((r) => Object.values(r.content ?? {}));
  return [params, query, body?.schema, ...responses].filter((s): s is z.ZodType => s !== undefined);
}

/** The component ids a JSON value refers to. */
function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) refsIn(item, found);
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k === "$ref" && typeof v === "string" && v.startsWith(COMPONENTS)) found.push(v.slice(COMPONENTS.length));
      else refsIn(v, found);
    }
  }
  return found;
}

/** Builds the document on first use and keeps it: it only changes with a deploy. */
export function lazyOpenApiDocument(info: OpenApiInfo, apis: ApiDocs[]): () => Json {
  let document: Json | undefined;
  return () => (document ??= openApiDocument(info, apis));
}
