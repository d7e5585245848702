// Hono's `c.var` is a getter that builds a new object from every variable of
// the request (Object.fromEntries) on each access; the chat path read it
// about fifteen times per request. `c.get("name")` is one Map lookup.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const SRC = path.join(import.meta.dirname, "../../../src");
const files = readdirSync(SRC, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
const VAR_ACCESS = /\.var\b(?!\s*:)/;

describe("request variables in src/", () => {
  it("are read with c.get(), not c.var", () => {
    expect(files.length).toBeGreaterThan(50);
    const offenders = files.flatMap((file) =>
      readFileSync(path.join(SRC, file), "utf8")
        .split("\n")
        .filter((line) => !/^\s*(\/\/|\*)/.test(line) && VAR_ACCESS.test(line))
        .map((line) => `${file}: ${line.trim()}`),
    );
    expect(offenders).toEqual([]);
  });
});
