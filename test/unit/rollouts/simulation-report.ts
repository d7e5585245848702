// Prints the table of docs/rollouts.md ("What the simulations show"):
//   npx tsx test/unit/rollouts/simulation-report.ts [runs] [peeking]
// ("peeking" prints only the last line, the one-look bound against the always-valid one).
// Not a test; the assertions are in simulation-aa.test.ts and simulation.test.ts.
import { rateDifference } from "../../../src/rollouts/decision/rate-difference";
import {
  DEFAULT_CONFIG as defaults,
  PER_AUDIENCE_CONFIG as perAudience,
  prng,
  rate,
  scenario,
  simulateMany,
  type Outcome,
  type Scenario,
} from "./simulate";

const runs = Number(process.argv[2] ?? 600);
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

const pct = (outcomes: Outcome[], pass: (o: Outcome) => boolean) => `${(100 * rate(outcomes, pass)).toFixed(1)} %`;
for (const [name, s] of process.argv[3] === "peeking" ? [] : rows) {
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

/**
 * Why a confidence sequence: A/A at a fixed 5 % share for 20,000 ratings, looked at every
 * minute, rolled back when the upper bound of the difference is below 0 — by a one-look
 * 95 % bound (z = 1.645) and by the rule's always-valid one (alpha 0.02, tau 0.06).
 */
function peeking() {
  let naive = 0;
  let valid = 0;
  for (let r = 0; r < runs; r++) {
    const random = prng(200_000 + r);
    const arms = [
      { trials: 0, successes: 0 },
      { trials: 0, successes: 0 },
    ];
    let naiveFired = false;
    let validFired = false;
    for (let minute = 0; minute < 400; minute++) {
      for (let i = 0; i < 50; i++) {
        const arm = random() < 0.05 ? 1 : 0;
        arms[arm].trials++;
        if (random() < 0.7) arms[arm].successes++;
      }
      if (arms[1].trials < 30) continue;
      const d = rateDifference([{ baseline: arms[0], candidate: arms[1] }], 0.02, 0.06);
      if (d.estimate! + 1.645 * Math.sqrt(d.variance!) < 0) naiveFired = true;
      if (d.upper < 0) validFired = true;
    }
    naive += naiveFired ? 1 : 0;
    valid += validFired ? 1 : 0;
  }
  console.log(
    `A/A at 5 % looked at every minute: a one-look 95 % bound rolls back ${((100 * naive) / runs).toFixed(1)} %, the always-valid one ${((100 * valid) / runs).toFixed(1)} %`,
  );
}
peeking();
