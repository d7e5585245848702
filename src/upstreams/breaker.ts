// A passive circuit breaker for one replica, as seen by one isolate: no
// health checks of its own, it learns from the requests that go through.
// `failures` consecutive failures (network error, 5xx, timeout) open it;
// while open the replica is skipped; after `cooldownMs` one request may probe
// it (half-open) and its outcome closes or re-opens the circuit. Time comes
// in as an argument (the injected clock), so the state machine is pure.
//
// A probe that never reports (its client went away) must not keep the
// replica out forever: a probe older than the cool-down is given up and the
// next request may probe again.

import type { Upstream } from "../schemas/manifest";

export interface BreakerSettings {
  failures: number;
  cooldownMs: number;
}

export const DEFAULT_BREAKER: BreakerSettings = Object.freeze({ failures: 3, cooldownMs: 30_000 });

/** The upstream's breaker settings, or the defaults (one shared object) when it states none. */
export function breakerSettings(upstream: Readonly<Upstream>): BreakerSettings {
  const b = upstream.breaker;
  return b ? Object.freeze({ failures: b.failures, cooldownMs: b.cooldown_ms }) : DEFAULT_BREAKER;
}

export type BreakerState = "closed" | "open" | "half_open";

/** What the last failure was, so a request that finds the circuit open can fail the same way (a timeout stays a 504). */
export type FailureKind = { kind: "timeout" } | { kind: "network" } | { kind: "http"; status: number };

export class Breaker {
  state: BreakerState = "closed";
  consecutiveFailures = 0;
  /** epoch ms the circuit opened (or a probe started); 0 when closed. */
  since = 0;
  lastError: string | null = null;
  lastErrorAt: number | null = null;
  lastFailure: FailureKind = { kind: "network" };

  /** Whether a request may be sent to the replica now, without taking the probe. */
  available(now: number, s: BreakerSettings): boolean {
    return this.state === "closed" || now - this.since >= s.cooldownMs;
  }

  /** Takes the replica for one request: true when it may be called (a half-open probe included). */
  admit(now: number, s: BreakerSettings): boolean {
    if (this.state === "closed") return true;
    if (now - this.since < s.cooldownMs) return false;
    // Open past its cool-down, or a probe that never came back: probe now.
    this.state = "half_open";
    this.since = now;
    return true;
  }

  success(): void {
    this.state = "closed";
    this.consecutiveFailures = 0;
    this.since = 0;
  }

  failure(now: number, message: string, s: BreakerSettings, kind: FailureKind = { kind: "network" }): void {
    this.consecutiveFailures++;
    this.lastFailure = kind;
    this.lastError = message;
    this.lastErrorAt = now;
    if (this.state === "half_open" || this.consecutiveFailures >= s.failures) {
      this.state = "open";
      this.since = now;
    }
  }

  /** The admitted request ended without telling anything about the replica (client gone, request's own fault). */
  release(): void {
    if (this.state === "half_open") {
      // Back to open with the cool-down already served: the next request probes.
      this.state = "open";
      this.since = Number.NEGATIVE_INFINITY;
    }
  }
}
