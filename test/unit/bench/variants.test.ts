// Ablation variants patch a copy of src/ by exact text. When src changes, a
// variant whose anchor is gone would fail only when someone next runs it;
// this keeps them honest in every test run.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { LADDER, materializeVariant, VARIANTS } from "../../../scripts/bench/variants";

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

  it("the ladder names only known variants", () => {
    for (const step of LADDER) expect(VARIANTS[step], step).toBeDefined();
  });

  it("a ladder step's copy of src gets the floor module with its imports pointed at the copy", () => {
    const dir = path.dirname(materializeVariant("floor-with-planning"));
    const floor = readFileSync(path.join(dir, "src/bench-floor.ts"), "utf8");
    expect(floor).not.toContain("../../src/");
    expect(floor).toContain('from "./logging/capture-stream"');
    for (const match of floor.matchAll(/from "\.\/([^"]+)"/g)) {
      expect(existsSync(path.join(dir, "src", `${match[1]}.ts`)), match[1]).toBe(true);
    }
    const chat = readFileSync(path.join(dir, "src/api/chat.ts"), "utf8");
    expect(chat).toContain('import { plannedFloorAnswer } from "../bench-floor";');
    expect(chat).toContain("if (plan) return plannedFloorAnswer(plan);");
  });

  it("variants without the floor do not get it", () => {
    const dir = path.dirname(materializeVariant("no-log-send"));
    expect(existsSync(path.join(dir, "src/bench-floor.ts"))).toBe(false);
  });

  it("an unknown variant is refused with the known names", () => {
    expect(() => materializeVariant("no-such-variant")).toThrow(/known: .*floor/);
  });
});
