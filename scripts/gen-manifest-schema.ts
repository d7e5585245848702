// Writes adapters/schema.json, the JSON Schema that tenant manifests name in
// "$schema" so editors complete and check them, from the zod ManifestSchema
// (the single source of truth, src/schemas/manifest.ts).
//
//   npx tsx scripts/gen-manifest-schema.ts           write the file
//   npx tsx scripts/gen-manifest-schema.ts --check   exit 1 if it is stale (CI)
//
// The file is formatted with the project's Prettier settings so a repo-wide
// `prettier --write` leaves it alone, and --check compares parsed JSON rather
// than text, so formatting alone never fails CI; only content does.
// Cross-document rules (references, cycles) cannot be expressed in JSON
// Schema; they are in src/registry/validate-manifest.ts.
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isDeepStrictEqual } from "node:util";
import * as prettier from "prettier";
import { z } from "zod";
import { ManifestSchema } from "../src/schemas/manifest";

// Paths as strings: scripts are type-checked with both Node's and the Workers'
// URL types in scope, which fileURLToPath(URL) does not accept.
export const SCHEMA_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../adapters/schema.json");

export function buildManifestJsonSchema(): Record<string, unknown> {
  // io "input": fields with defaults (timeout_ms, allow_pinning, placement)
  // are optional for the author, though always present after parsing.
  const { $schema, title, description, ...rest } = z.toJSONSchema(ManifestSchema, {
    target: "draft-2020-12",
    io: "input",
    // Schemas used twice (tone presets) stay inlined: zod's `reused: "ref"`
    // names them __schemaN, which reads worse in an editor's hover than a
    // few duplicated lines.
  }) as Record<string, unknown>;
  return { $schema, title, description, ...rest };
}

export async function renderManifestJsonSchema(): Promise<string> {
  const text = JSON.stringify(buildManifestJsonSchema(), null, 2) + "\n";
  const options = (await prettier.resolveConfig(SCHEMA_PATH)) ?? {};
  return prettier.format(text, { ...options, filepath: SCHEMA_PATH });
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes("--check")) {
    let onDisk: unknown;
    try {
      onDisk = JSON.parse(await readFile(SCHEMA_PATH, "utf8"));
    } catch (err) {
      console.error(`adapters/schema.json is missing or unreadable (${(err as Error).message}).`);
      console.error("Run: npx tsx scripts/gen-manifest-schema.ts");
      return 1;
    }
    if (!isDeepStrictEqual(onDisk, buildManifestJsonSchema())) {
      console.error("adapters/schema.json is stale: it no longer matches src/schemas/manifest.ts.");
      console.error("Run: npx tsx scripts/gen-manifest-schema.ts, and commit the result.");
      return 1;
    }
    console.log("adapters/schema.json is up to date.");
    return 0;
  }
  await writeFile(SCHEMA_PATH, await renderManifestJsonSchema());
  console.log(`wrote ${SCHEMA_PATH}`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
