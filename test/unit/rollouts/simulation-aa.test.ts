// Seeded A/A simulations of the decision rule with the default settings (issue
// 16, "Done when"): a candidate equal to its baseline on every guard, baseline
// positive rate 0.70, 50 rated answers per simulated minute split by the
// candidate's share, an evaluation every minute, at most 20,000 ratings per
// run. The traffic model is in ./simulate.ts; the other scenarios are in
// simulation.test.ts (two files, so the test runner can run them side by side).
import { describe, expect, it } from "vitest";
import { PER_AUDIENCE_CONFIG as perAudience, rate, rolledBack, scenario, simulateMany } from "./simulate";

const RUNS = 200;

// Pure CPU work of a second or two per scenario; the timeout only has to survive a busy machine.
const SLOW = { timeout: 120_000 };

describe("decision rule, 200 seeded A/A runs", () => {
  it("A/A (candidate equal to baseline on every guard): at most 5 % roll back", SLOW, () => {
    const outcomes = simulateMany(scenario({}), RUNS, 1_000);
    expect(rate(outcomes, rolledBack)).toBeLessThanOrEqual(0.05);
    // The rule is not merely stuck: equal candidates do get promoted within the budget.
    expect(rate(outcomes, (o) => o.action === "promote")).toBeGreaterThan(0.3);
  });

  it("A/A with per_segment: still at most 5 % roll back", SLOW, () => {
    const outcomes = simulateMany(scenario({}, perAudience), RUNS, 2_000);
    expect(rate(outcomes, rolledBack)).toBeLessThanOrEqual(0.05);
  });
});
