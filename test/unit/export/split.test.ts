// Train/validation split: stable across reruns and options, close to
// val_ratio, and a partition (train ∪ validation = everything, disjoint).
import { describe, expect, it } from "vitest";
import { ExampleBuilder } from "../../../src/export/example-builder";
import type { ExportOptionsInput } from "../../../src/export/options";
import { splitOf, splitPoint } from "../../../src/export/split";
import type { ExportRow } from "../../../src/export/types";
import { makeRow } from "./make-row";

const rows: ExportRow[] = Array.from({ length: 10_000 }, (_, i) =>
  makeRow({ user: `How do I do thing #${i}?`, response: `Like this (${i}).` }),
);

function lines(options: ExportOptionsInput, input = rows): string[] {
  const b = new ExampleBuilder(options);
  return [...b.pushAll(input), ...b.finish()];
}

describe("split", () => {
  it("the same input twice gives the same split", () => {
    const opts = { format: "trl-sft", split: "validation", valRatio: 0.1 } as const;
    expect(lines(opts)).toEqual(lines(opts));
  });

  it("validation is about val_ratio of the prompts", () => {
    for (const valRatio of [0.1, 0.25]) {
      const n = lines({ format: "trl-sft", split: "validation", valRatio }).length;
      expect(Math.abs(n / rows.length - valRatio)).toBeLessThan(0.015);
    }
  });

  it("train ∪ validation = all, and they are disjoint", () => {
    const all = lines({ format: "trl-sft" });
    const train = lines({ format: "trl-sft", split: "train" });
    const validation = lines({ format: "trl-sft", split: "validation" });
    expect(train.length + validation.length).toBe(all.length);
    expect(new Set([...train, ...validation])).toEqual(new Set(all));
    const inTrain = new Set(train);
    expect(validation.filter((l) => inTrain.has(l))).toEqual([]);
  });

  it("counts the rows it leaves to the other side", () => {
    const b = new ExampleBuilder({ format: "trl-sft", split: "train" });
    const out = b.pushAll(rows);
    expect(b.stats().split_excluded).toBe(rows.length - out.length);
  });

  it("valRatio 0 puts everything in train, 1 everything in validation", () => {
    const few = rows.slice(0, 200);
    expect(lines({ format: "trl-sft", split: "validation", valRatio: 0 }, few)).toEqual([]);
    expect(lines({ format: "trl-sft", split: "train", valRatio: 1 }, few)).toEqual([]);
  });

  it("a prompt lands on the same side whatever the system and redact options", () => {
    const user = { role: "user" as const, content: "Reach me at jane@example.com" };
    for (let i = 0; i < 50; i++) {
      const turn = { ...user, content: `${user.content} (${i})` };
      const side = splitOf([turn], 0.5);
      expect(splitOf([{ role: "system", content: "Be warm." }, turn], 0.5)).toBe(side);
      const row = makeRow({
        messages: [{ role: "system", content: "Client." }, turn],
        upstream: [{ role: "system", content: "Tone.\n\nClient." }, turn],
      });
      for (const system of ["as_sent", "client", "none"] as const) {
        for (const redact of [true, false]) {
          const got = lines({ format: "trl-sft", system, redact, split: side, valRatio: 0.5 }, [row]);
          expect(got).toHaveLength(1);
        }
      }
    }
  });

  it("every example of one prompt goes to the same side (KTO answer + correction)", () => {
    const sides = new Set<string>();
    const row = makeRow({ user: "Refund window?", response: "90 days.", rating: -1, correction: "30 days." });
    for (const split of ["train", "validation"] as const) {
      const got = lines({ format: "trl-kto", split, valRatio: 0.5 }, [row]);
      if (got.length > 0) {
        expect(got).toHaveLength(2);
        sides.add(split);
      }
    }
    expect(sides.size).toBe(1);
  });

  it("splitPoint is a stable number in [0, 1)", () => {
    const p = splitPoint([{ role: "user", content: "hello" }]);
    expect(p).toBeGreaterThanOrEqual(0);
    expect(p).toBeLessThan(1);
    expect(splitPoint([{ role: "user", content: "hello" }])).toBe(p);
  });
});
