// Keeps the Worker bundle lean: esbuild drops the unused parts of zod (its
// 260 KB of error-message locales among them) only when zod is imported as a
// namespace and used by property access. `import { z } from "zod"` binds the
// namespace object zod re-exports, and keeps all of it. See src/api/openapi.ts.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const SRC = path.join(import.meta.dirname, "../../../src");
// Value imports from zod or a zod subpath; `import type` is erased and harmless.
const IMPORT_FROM_ZOD = /^import\s+(?!type\b)([^;]+?)\s+from\s+"zod(?:\/[^"]*)?"/gm;
const files = readdirSync(SRC, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));

describe("zod imports in src/", () => {
  it('are `import * as z from "zod"` or type-only', () => {
    expect(files.length).toBeGreaterThan(50);
    const offenders = files.flatMap((file) =>
      [...readFileSync(path.join(SRC, file), "utf8").matchAll(IMPORT_FROM_ZOD)]
        .filter(([, what]) => what !== "* as z")
        .map(([line]) => `${file}: ${line}`),
    );
    expect(offenders).toEqual([]);
  });
});
