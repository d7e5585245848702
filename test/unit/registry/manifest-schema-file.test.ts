// adapters/schema.json must match the zod schema it is generated from (CI
// also runs `scripts/gen-manifest-schema.ts --check`), and the demo manifests
// must point editors at it.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildManifestJsonSchema, SCHEMA_PATH } from "../../../scripts/gen-manifest-schema";
import { demoManifest } from "../routing/fixture-manifest";

describe("adapters/schema.json", () => {
  it("is up to date with src/schemas/manifest.ts", () => {
    expect(JSON.parse(readFileSync(SCHEMA_PATH, "utf8"))).toEqual(buildManifestJsonSchema());
  });

  it("has a title and description and names every top-level field", () => {
    const schema = buildManifestJsonSchema() as {
      title: string;
      description: string;
      properties: object;
      required: string[];
    };
    expect(schema.title).toMatch(/Switchyard/);
    expect(schema.description).toBeTruthy();
    expect(Object.keys(schema.properties)).toEqual([
      "$schema",
      "tenant",
      "display_name",
      "upstreams",
      "adapters",
      "tasks",
      "tone",
      "limits",
      "retention_days",
    ]);
    expect(schema.required).toEqual(["tenant", "upstreams", "adapters", "tasks"]);
  });

  it.each(["acme", "globex"] as const)("%s.json names it in $schema", (tenant) => {
    expect((demoManifest(tenant) as { $schema: string }).$schema).toBe("./schema.json");
  });
});
