// The hash must never change between releases: a changed hash moves prompts
// between train and validation across reruns. These values are pinned.
import { describe, expect, it } from "vitest";
import { DedupSet } from "../../../src/export/dedup-set";
import { canonicalJson, hash53, unitInterval } from "../../../src/export/stable-hash";

describe("hash53 (cyrb53)", () => {
  it.each([
    ["", 0, 3338908027751811],
    ["a", 0, 7929297801672961], // the reference value published with cyrb53
    ["hello world", 0, 3259054761512980],
    ["hello world", 1, 6759793827125],
    ["héllo ☃ 😀", 0, 3312696893892077],
  ] as const)("hash53(%j, %d)", (text, seed, want) => {
    expect(hash53(text, seed)).toBe(want);
  });

  it("stays within 53 bits and spreads evenly", () => {
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < 20_000; i++) {
      const h = hash53(`key-${i}`);
      expect(Number.isSafeInteger(h) && h >= 0).toBe(true);
      buckets[Math.floor(unitInterval(`key-${i}`) * 10)]++;
    }
    for (const b of buckets) expect(Math.abs(b - 2_000)).toBeLessThan(200);
  });
});

describe("canonicalJson", () => {
  it("sorts object keys at every depth and keeps array order", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { y: 1, x: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"x":2,"y":1}]},"b":1}',
    );
  });
  it("drops undefined members as JSON.stringify does", () => {
    expect(canonicalJson({ a: undefined, b: "x" })).toBe('{"b":"x"}');
  });
});

describe("DedupSet", () => {
  it("remembers what it saw, across growth", () => {
    const set = new DedupSet();
    for (let i = 0; i < 5_000; i++) expect(set.add(hash53(`line ${i}`))).toBe("added");
    for (let i = 0; i < 5_000; i++) expect(set.add(hash53(`line ${i}`))).toBe("duplicate");
    expect(set.size).toBe(5_000);
    expect(set.has(hash53("line 42"))).toBe(true);
    expect(set.has(hash53("never"))).toBe(false);
  });

  it("handles 0 and the largest 53-bit value", () => {
    const set = new DedupSet();
    expect(set.add(0)).toBe("added");
    expect(set.add(2 ** 53 - 1)).toBe("added");
    expect(set.add(0)).toBe("duplicate");
    expect(set.add(2 ** 53 - 1)).toBe("duplicate");
  });

  it("stops remembering at its cap instead of growing", () => {
    const set = new DedupSet(3);
    expect([1, 2, 3].map((h) => set.add(h))).toEqual(["added", "added", "added"]);
    expect(set.add(4)).toBe("untracked");
    expect(set.add(4)).toBe("untracked");
    expect(set.add(2)).toBe("duplicate");
    expect(set.size).toBe(3);
  });
});
