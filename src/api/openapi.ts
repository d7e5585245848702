// The OpenAPI 3.1 document served at GET /openapi.json, built from the
// RouteDocs each api/ module declares with its handlers (define-route.ts) by
// zod 4's own z.toJSONSchema (JSON Schema 2020-12, the dialect OpenAPI 3.1
// uses). The Worker carries no OpenAPI library: one that passes the whole zod
// namespace around as a value keeps all of zod in the bundle, its
// error-message locales included.
//
// For the same reason, import zod as `import * as z from "zod"`. esbuild
// (wrangler's bundler) drops unused parts of zod only for the namespace
// import; `import { z }` binds zod's re-exported namespace object and keeps
// every locale (docs/performance.md has the bundle sizes).
//
// Each schema a route names is converted on its own; z.toJSONSchema puts the
// schemas given an id with `.meta({ id })` (looked up in z.globalRegistry)
// into `$defs`, and those become components.schemas, referenced by $ref. Only
// the components some route reaches are emitted. Every schema is converted
// as input ("what this accepts"): request defaults then show as optional,
// and response objects leave additionalProperties open, as completions
// passed through from an upstream may carry fields not listed.
import * as z from "zod";
import { openApiPath, type ApiDocs, type RouteDoc, type SecurityScheme } from "./define-route";

export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
}

type Json = Record<string, unknown>;

const COMPONENTS = "#/components/schemas/";
const DEFS = "#/$defs/";
const CONVERT = { target: "draft-2020-12", io: "input", unrepresentable: "any" } as const;

export function openApiDocument(info: OpenApiInfo, apis: ApiDocs[]): Json {
  // Named schemas met while converting, by id; all conversions must agree.
  const named = new Map<string, { json: Json; text: string }>();
  const done = new Map<z.ZodType, Json>();
  // The schema as written in place: a $ref when it has an id, its body otherwise.
  const schemaOf = (schema: z.ZodType): Json => {
    let json = done.get(schema);
    if (json) return json;
    const { $schema: _schema, $defs, ...body } = toComponentRefs(z.toJSONSchema(schema, CONVERT)) as Json;
    for (const [id, def] of Object.entries(($defs ?? {}) as Record<string, Json>)) {
      if (id.startsWith("__schema")) {
        throw new Error(`OpenAPI: a schema under ${COMPONENTS} has no id (a recursive one?); give it .meta({ id })`);
      }
      const text = JSON.stringify(def);
      const seen = named.get(id);
      if (seen && seen.text !== text) throw new Error(`OpenAPI: two different schemas have the id '${id}'`);
      named.set(id, { json: def, text });
    }
    json = body;
    done.set(schema, json);
    return json;
  };
  // The object itself, for parameters: a named one is looked up.
  const bodyOf = (schema: z.ZodType): Json => {
    const json = schemaOf(schema);
    const ref = json.$ref;
    return typeof ref === "string" ? named.get(ref.slice(COMPONENTS.length))!.json : json;
  };
  const parameters = (where: "path" | "query", schema: z.ZodType | undefined) => {
    if (!schema) return [];
    const object = bodyOf(schema);
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
  for (const route of apis.flatMap((api) => api.routes)) {
    (paths[openApiPath(route.path)] ??= {})[route.method] = operation(route, schemaOf, parameters);
  }

  const components: Record<string, Json> = {};
  const pending = refsIn(paths);
  for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
    if (components[id]) continue;
    const found = named.get(id);
    if (!found) throw new Error(`OpenAPI: $ref to '${id}', which is not a named schema`);
    components[id] = found.json;
    pending.push(...refsIn(found.json));
  }

  const securitySchemes: Record<string, SecurityScheme> = { bearer: { type: "http", scheme: "bearer" } };
  for (const api of apis) Object.assign(securitySchemes, api.securitySchemes);
  return { openapi: "3.1.0", info, paths, components: { schemas: components, securitySchemes } };
}

function operation(
  route: RouteDoc,
  schemaOf: (schema: z.ZodType) => Json,
  parameters: (where: "path" | "query", schema: z.ZodType | undefined) => Json[],
): Json {
  const { request } = route;
  const params = [...parameters("path", request?.params), ...parameters("query", request?.query)];
  return {
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

/** Rewrites every `#/$defs/X` reference to `#/components/schemas/X`, in place; `#` alone has no component. */
function toComponentRefs(value: unknown): unknown {
  if (Array.isArray(value)) for (const item of value) toComponentRefs(item);
  else if (value && typeof value === "object") {
    const object = value as Json;
    for (const [k, v] of Object.entries(object)) {
      if (k !== "$ref") toComponentRefs(v);
      else if (typeof v === "string" && v.startsWith(DEFS)) object.$ref = COMPONENTS + v.slice(DEFS.length);
      else throw new Error(`OpenAPI: a schema refers to '${String(v)}' (itself?); give it .meta({ id })`);
    }
  }
  return value;
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
