import { describe, expect, it } from "vitest";
import { Breaker } from "../../../src/upstreams/breaker";

const S = { failures: 3, cooldownMs: 1000 };

describe("Breaker", () => {
  it("opens after `failures` consecutive failures, not before", () => {
    const b = new Breaker();
    b.failure(0, "503", S);
    b.failure(1, "503", S);
    expect(b.state).toBe("closed");
    expect(b.admit(2, S)).toBe(true);
    b.failure(2, "timeout", S);
    expect(b.state).toBe("open");
    expect(b.lastError).toBe("timeout");
    expect(b.available(500, S)).toBe(false);
    expect(b.admit(500, S)).toBe(false);
  });

  it("a success in between resets the count", () => {
    const b = new Breaker();
    b.failure(0, "x", S);
    b.failure(0, "x", S);
    b.success();
    b.failure(0, "x", S);
    b.failure(0, "x", S);
    expect(b.state).toBe("closed");
    expect(b.consecutiveFailures).toBe(2);
  });

  it("lets one probe through after the cool-down; its success closes the circuit", () => {
    const b = new Breaker();
    for (let i = 0; i < 3; i++) b.failure(100, "x", S);
    expect(b.available(1099, S)).toBe(false);
    expect(b.available(1100, S)).toBe(true);
    expect(b.admit(1100, S)).toBe(true);
    expect(b.state).toBe("half_open");
    // A second request while the probe is out is refused.
    expect(b.admit(1101, S)).toBe(false);
    b.success();
    expect(b.state).toBe("closed");
    expect(b.admit(1102, S)).toBe(true);
  });

  it("a failed probe re-opens it for a whole cool-down", () => {
    const b = new Breaker();
    for (let i = 0; i < 3; i++) b.failure(0, "x", S);
    expect(b.admit(1000, S)).toBe(true);
    b.failure(1000, "still down", S);
    expect(b.state).toBe("open");
    expect(b.admit(1999, S)).toBe(false);
    expect(b.admit(2000, S)).toBe(true);
  });

  it("a probe that never reports is given up after a cool-down, and a released one at once", () => {
    const b = new Breaker();
    for (let i = 0; i < 3; i++) b.failure(0, "x", S);
    expect(b.admit(1000, S)).toBe(true);
    expect(b.admit(1500, S)).toBe(false);
    expect(b.admit(2000, S)).toBe(true);
    b.release();
    expect(b.state).toBe("open");
    expect(b.admit(2001, S)).toBe(true);
  });
});
