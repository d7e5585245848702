// Cross-row DPO pairing and its bounded memory.
import { describe, expect, it } from "vitest";
import { PairMatcher } from "../../../src/export/pair-matcher";
import type { AssistantMsg, Msg } from "../../../src/export/types";

const prompt = (q: string): Msg[] => [{ role: "user", content: q }];
const a = (text: string): AssistantMsg => ({ role: "assistant", content: text });

describe("PairMatcher", () => {
  it("pairs opposite answers to the same prompt, positive as chosen, whatever the order", () => {
    const m = new PairMatcher();
    expect(m.offer("k", prompt("q"), null, a("bad"), false).pair).toBeNull();
    expect(m.offer("k", prompt("q"), null, a("good"), true).pair).toEqual({
      prompt: prompt("q"),
      tools: null,
      chosen: a("good"),
      rejected: a("bad"),
    });
    expect(m.waiting).toBe(0);
  });

  it("never pairs answers to different prompts", () => {
    const m = new PairMatcher();
    m.offer("k1", prompt("q1"), null, a("good"), true);
    expect(m.offer("k2", prompt("q2"), null, a("bad"), false).pair).toBeNull();
    expect(m.drain()).toBe(2);
  });

  it("uses each answer once, oldest waiting first", () => {
    const m = new PairMatcher();
    m.offer("k", prompt("q"), null, a("good 1"), true);
    m.offer("k", prompt("q"), null, a("good 2"), true);
    expect(m.offer("k", prompt("q"), null, a("bad 1"), false).pair?.chosen).toEqual(a("good 1"));
    expect(m.offer("k", prompt("q"), null, a("bad 2"), false).pair?.chosen).toEqual(a("good 2"));
    expect(m.offer("k", prompt("q"), null, a("bad 3"), false).pair).toBeNull();
    expect(m.waiting).toBe(1);
  });

  it("refuses a pair whose answers say the same thing", () => {
    const m = new PairMatcher();
    m.offer("k", prompt("q"), null, a("Same."), true);
    expect(m.offer("k", prompt("q"), null, a(" Same. "), false)).toEqual({ pair: null, identical: true, evicted: 0 });
  });

  it("evicts the least recently used prompt past maxPrompts", () => {
    const m = new PairMatcher({ maxPrompts: 2 });
    m.offer("k1", prompt("1"), null, a("x"), true);
    m.offer("k2", prompt("2"), null, a("x"), true);
    m.offer("k1", prompt("1"), null, a("y"), true); // k1 is now the most recent
    expect(m.offer("k3", prompt("3"), null, a("x"), true).evicted).toBe(1); // k2 (1 answer) goes
    expect(m.offer("k2", prompt("2"), null, a("bad"), false).pair).toBeNull(); // k2's "x" is gone
    // LRU order is now k1, k3, k2 (limit exceeded by k2: k1 went with its 2 answers).
    expect(m.waiting).toBe(2);
    expect(m.offer("k3", prompt("3"), null, a("bad"), false).pair?.chosen).toEqual(a("x"));
  });

  it("keeps at most maxAnswersPerPrompt answers per prompt", () => {
    const m = new PairMatcher({ maxAnswersPerPrompt: 2 });
    m.offer("k", prompt("q"), null, a("1"), true);
    m.offer("k", prompt("q"), null, a("2"), true);
    expect(m.offer("k", prompt("q"), null, a("3"), true).evicted).toBe(1);
    expect(m.offer("k", prompt("q"), null, a("bad"), false).pair?.chosen).toEqual(a("2"));
  });

  it("stays under its byte budget", () => {
    const m = new PairMatcher({ maxBytes: 10_000 });
    let evicted = 0;
    for (let i = 0; i < 1_000; i++)
      evicted += m.offer(`key ${i}`, prompt(`q ${i}`), null, a("x".repeat(200)), true).evicted;
    expect(evicted).toBeGreaterThan(950);
    expect(m.waiting + evicted).toBe(1_000);
  });
});
