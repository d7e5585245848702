import { describe, expect, it } from "vitest";
import { SlidingWindow } from "../../../src/limits/sliding-window";

describe("SlidingWindow", () => {
  it("counts the times in (now - span, now] and drops the rest", () => {
    const w = new SlidingWindow(60_000, [1_000, 2_000]);
    expect(w.count(2_000)).toBe(2);
    w.add(30_000);
    expect(w.count(61_000)).toBe(2); // 1,000 has left (at or before now - span)
    expect([w.oldest(), w.newest()]).toEqual([2_000, 30_000]);
    expect(w.count(90_000)).toBe(0);
    expect(w.oldest()).toBeUndefined();
  });

  it("keeps its log sorted when a caller's clock lags", () => {
    const w = new SlidingWindow(1_000);
    w.add(500);
    expect(w.add(400)).toBe(500);
    expect(w.count(1_499)).toBe(2);
    expect(w.count(1_500)).toBe(0);
  });

  it("stays exact across compaction", () => {
    const w = new SlidingWindow(10_000);
    for (let t = 0; t < 50_000; t++) w.add(t);
    expect(w.count(49_999)).toBe(10_000);
    expect(w.oldest()).toBe(40_000);
  });
});
