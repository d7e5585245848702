// Prints the table of docs/rollouts.md ("What the simulations show"):
//   npx tsx test/unit/rollouts/simulation-report.ts [runs]
// Not a test; the assertions are in simulation.test.ts.
import { RolloutConfigSchema } from "../../../src/rollouts/decision/config-schema";
import { simulateMany, type ArmModel, type Outcome, type Scenario } from "./simulate";

const runs = Number(process.argv[2] ?? 600);
const baseline: ArmModel = { positive: 0.7, errorRate: 0.01, latencyMedianMs: 800, latencySigma: 0.5 };
const defaults = RolloutConfigSchema.parse({});
const perAudience = RolloutConfigSchema.parse({ guards: { per_segment: "audience" } });
const scenario = (candidate: Partial<ArmModel>, config = defaults, maxFeedback?: number): Scenario => ({
  baseline,
  candidate: { ...baseline, ...candidate },
  audiences: 3,
  config,
  maxFeedback,
});
const oneAudience = { positive: [0.6, 0.7, 0.7] };

const rows: [string, Scenario][] = [
  ["equal (A/A)", scenario({})],
  ["equal, per_segment", scenario({}, perAudience)],
  ["0.60 everywhere", scenario({ positive: 0.6 })],
  ["0.60 in one audience, per_segment", scenario(oneAudience, perAudience)],
  ["0.60 in one audience, without per_segment", scenario(oneAudience)],
  ["errors 5 % (baseline 1 %)", scenario({ errorRate: 0.05 })],
  ["p95 2x the baseline's", scenario({ latencyMedianMs: 1_600 })],
  ["0.60 in one audience, per_segment, 60,000 ratings", scenario(oneAudience, perAudience, 60_000)],
  ["0.60 in one audience, without, 60,000 ratings", scenario(oneAudience, defaults, 60_000)],
];

const pct = (outcomes: Outcome[], pass: (o: Outcome) => boolean) =>
  `${((100 * outcomes.filter(pass).length) / outcomes.length).toFixed(1)} %`;
for (const [name, s] of rows) {
  const outcomes = simulateMany(s, runs, 100_000);
  const back = outcomes.filter((o) => o.action === "rollback");
  const minutes = back.map((o) => o.minute).sort((a, b) => a - b);
  const shares = [...new Set(back.map((o) => o.share))].sort((a, b) => a - b).join("/");
  console.log(
    [
      name,
      `rolled back ${pct(outcomes, (o) => o.action === "rollback")}`,
      `promoted ${pct(outcomes, (o) => o.action === "promote")}`,
      `median minute of rollback ${minutes[Math.floor(minutes.length / 2)] ?? "-"}`,
      `at shares ${shares || "-"}`,
    ].join(" | "),
  );
}
