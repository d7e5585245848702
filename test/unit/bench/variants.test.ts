// Ablation variants patch a copy of src/ by exact text. When src changes, a
// variant whose anchor is gone would fail only when someone next runs it;
// this keeps them honest in every test run.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { VARIANTS } from "../../../scripts/bench/variants";

const ROOT = path.resolve(__dirname, "../../..");

describe("bench ablation variants", () => {
  for (const [name, variant] of Object.entries(VARIANTS)) {
    it(`${name}: every patch still finds its anchor in src`, () => {
      for (const patch of variant.patches) {
        const text = readFileSync(path.join(ROOT, patch.file), "utf8");
        expect(text.includes(patch.find), `${patch.file} lacks ${JSON.stringify(patch.find.slice(0, 60))}`).toBe(true);
      }
    });
  }
});
