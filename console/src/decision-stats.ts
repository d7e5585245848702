// The numbers behind a rollout decision, as sentences an operator reads at a
// glance: each arm's rate and count and the always-valid interval of the
// difference (candidate − baseline), the latency guard, the step's feedback,
// and the audiences that fired. Unknown shapes fall back to compact JSON.
import { h } from "./dom";

type Raw = Record<string, any>;
const pct = (x: unknown) => (typeof x === "number" ? `${(x * 100).toFixed(1)}%` : "n/a");
const secs = (x: unknown) => (typeof x === "number" ? x.toFixed(0) : "?");
const msText = (x: unknown) => (typeof x === "number" ? `${Math.round(x)} ms` : "n/a");
const pts = (x: unknown) => (typeof x === "number" ? `${x > 0 ? "+" : ""}${(x * 100).toFixed(1)}` : "?");

function rateLine(name: string, c: Raw | null | undefined): string | null {
  if (!c?.baseline || !c?.candidate || !c?.difference) return null;
  const d = c.difference;
  const conf = typeof d.confidence === "number" ? ` (${Math.round(d.confidence * 100)}% always-valid)` : "";
  return (
    `${name}: baseline ${pct(c.baseline.rate)} of ${c.baseline.n}, candidate ${pct(c.candidate.rate)} of ${c.candidate.n}; ` +
    `difference ${pts(d.lower)} to ${pts(d.upper)} points${conf}`
  );
}

export function decisionNumbers(stats: unknown): HTMLElement | string {
  if (!stats || typeof stats !== "object") return "–";
  const s = stats as Raw;
  const lines: string[] = [];
  if (s.step?.feedback) {
    lines.push(
      `step ${s.step.index} at ${s.step.share}% for ${secs(s.step.seconds)} s (min ${s.step.min_seconds} s); ` +
        `ratings baseline ${s.step.feedback.baseline}, candidate ${s.step.feedback.candidate} (min ${s.step.min_feedback})`,
    );
  }
  const positive = rateLine("positive rate", s.positive_rate);
  if (positive) lines.push(positive);
  const errors = rateLine("error rate", s.error_rate);
  if (errors) lines.push(errors);
  const lat = s.p95_latency_ms;
  if (lat?.baseline && lat?.candidate) {
    lines.push(
      `p95 latency: baseline ${msText(lat.baseline.p95)}, candidate ${msText(lat.candidate.p95)} (max ratio ${lat.max_ratio})`,
    );
  }
  for (const a of Array.isArray(s.audiences) ? s.audiences : []) {
    if (a.worse) lines.push(`audience ${a.audience} worse: ${rateLine("positive rate", a) ?? ""}`);
  }
  if (!lines.length) return h("code", { class: "val" }, JSON.stringify(stats));
  return h(
    "ul",
    { class: "numbers" },
    lines.map((l) => h("li", null, l)),
  );
}
