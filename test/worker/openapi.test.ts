// GET /openapi.json and GET /docs through the real app: the document is
// OpenAPI 3.1, documents exactly the /v1 and /admin routes the app serves,
// and every $ref in it resolves to a named schema.
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { call } from "./helpers/gateway";

type Doc = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, { summary?: string; responses: Record<string, unknown> }>>;
  components: {
    schemas: Record<string, { type?: string; properties?: Record<string, unknown>; required?: string[] }>;
    securitySchemes: Record<string, unknown>;
  };
};

async function getDoc(): Promise<Doc> {
  const { response } = await call("/openapi.json", undefined, { key: null });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("application/json");
  return response.json<Doc>();
}

function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsIn(v, found));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k === "$ref") found.push(String(v));
      else refsIn(v, found);
    }
  }
  return found;
}

describe("GET /openapi.json", () => {
  it("is an OpenAPI 3.1 document", async () => {
    const doc = await getDoc();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info).toMatchObject({ title: "Switchyard", version: expect.any(String) });
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        expect(op.summary, `${method} ${path}`).toBeTruthy();
        expect(Object.keys(op.responses).length, `${method} ${path}`).toBeGreaterThan(0);
      }
    }
  });

  it("documents every /v1 and /admin route the app serves, and no other", async () => {
    const served = new Set(
      createApp()
        .app.routes.filter((r) => r.method !== "ALL" && /^\/(v1|admin)\//.test(r.path))
        .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, "{$1}")}`),
    );
    const doc = await getDoc();
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`)),
    );
    expect(served.size).toBeGreaterThanOrEqual(19);
    expect([...documented].sort()).toEqual([...served].sort());
  });

  it("puts the chat request in components.schemas, with messages required, and refers to it", async () => {
    const doc = await getDoc();
    const request = doc.components.schemas.ChatCompletionRequest;
    expect(request.type).toBe("object");
    expect(request.required).toEqual(expect.arrayContaining(["model", "messages"]));
    expect(request.properties).toHaveProperty("messages");
    const body = (doc.paths["/v1/chat/completions"].post as Record<string, any>).requestBody;
    expect(body).toEqual({
      required: true,
      content: { "application/json": { schema: { $ref: "#/components/schemas/ChatCompletionRequest" } } },
    });
  });

  it("resolves every $ref to a named schema", async () => {
    const doc = await getDoc();
    const refs = new Set(refsIn(doc));
    expect(refs.size).toBeGreaterThan(5);
    for (const ref of refs) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas, ref).toHaveProperty([ref.slice("#/components/schemas/".length)]);
    }
  });

  it("lists path and query parameters", async () => {
    const doc = await getDoc();
    const op = (path: string) => doc.paths[path].get as Record<string, any>;
    expect(op("/v1/interactions/{id}").parameters).toEqual([
      expect.objectContaining({ name: "id", in: "path", required: true }),
    ]);
    const limit = op("/v1/interactions").parameters.find((p: { name: string }) => p.name === "limit");
    expect(limit).toMatchObject({ in: "query", required: false, schema: { type: "integer", default: 20 } });
    const format = op("/v1/exports/training-data").parameters.find((p: { name: string }) => p.name === "format");
    expect(format).toMatchObject({ in: "query", required: true });
  });

  it("declares the bearer and feedback token schemes", async () => {
    const doc = await getDoc();
    expect(doc.components.securitySchemes).toEqual({
      bearer: { type: "http", scheme: "bearer" },
      feedbackToken: { type: "apiKey", in: "header", name: "x-switchyard-feedback-token" },
    });
  });
});

describe("GET /docs", () => {
  it("is an HTML page that renders /openapi.json", async () => {
    const { response } = await call("/docs", undefined, { key: null });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    const html = await response.text();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('fetch("/openapi.json")');
  });
});
