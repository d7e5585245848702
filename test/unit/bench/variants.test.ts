// Ablation variants patch a copy of src/ by exact text. When src changes, a
// variant whose anchor is gone, or whose replacement no longer compiles,
// would fail only when someone next runs the bench; this keeps them honest
// in every test run. Copies go to a temp dir, never to the bench's own.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { LADDER, materializeVariant, VARIANTS } from "../../../scripts/bench/variants";

const ROOT = path.resolve(__dirname, "../../..");
const outRoot = mkdtempSync(path.join(os.tmpdir(), "switchyard-variants-"));
afterAll(() => rmSync(outRoot, { recursive: true, force: true }));

/** Bundles a materialized variant as wrangler would (ESM, workerd's own modules external). */
async function bundle(name: string) {
  const dir = path.dirname(materializeVariant(name, outRoot));
  return build({
    entryPoints: [path.join(dir, "src/index.ts")],
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    external: ["cloudflare:*", "node:*"],
    nodePaths: [path.join(ROOT, "node_modules")],
    logLevel: "silent",
  });
}

describe("bench ablation variants", () => {
  for (const [name, variant] of Object.entries(VARIANTS)) {
    it(`${name}: every patch still finds its anchor in src`, () => {
      for (const patch of variant.patches) {
        const text = readFileSync(path.join(ROOT, patch.file), "utf8");
        expect(text.includes(patch.find), `${patch.file} lacks ${JSON.stringify(patch.find.slice(0, 60))}`).toBe(true);
      }
    });
  }

  it("the ladder names only known variants that get the floor module", () => {
    for (const step of LADDER) expect(VARIANTS[step]?.floor, step).toBe(true);
  });

  for (const name of [...LADDER, "read-at-least"]) {
    it(`${name}: the patched copy of src bundles`, async () => {
      const result = await bundle(name);
      expect(result.errors).toEqual([]);
      const code = result.outputFiles[0].text;
      if (VARIANTS[name].floor) expect(code).toContain("bench floor: upstream answered");
      else expect(code).toContain("readAtLeast(4096");
    }, 30_000);
  }

  it("a ladder step's copy of src gets the floor module with its imports pointed at the copy", () => {
    const dir = path.dirname(materializeVariant("floor-with-planning", outRoot));
    const floor = readFileSync(path.join(dir, "src/bench-floor.ts"), "utf8");
    expect(floor).not.toContain("../../src/");
    expect(floor).toContain('from "./logging/capture-stream"');
  });

  it("variants without the floor do not get it", () => {
    const dir = path.dirname(materializeVariant("no-log-send", outRoot));
    expect(existsSync(path.join(dir, "src/bench-floor.ts"))).toBe(false);
  });

  it("an unknown variant is refused with the known names", () => {
    expect(() => materializeVariant("no-such-variant", outRoot)).toThrow(/known: .*floor/);
  });
});
