// An interval bar: a rate's point estimate and its 95 % interval drawn on a
// 0–100 % track, with the numbers also in text for screen readers.
import { h } from "./dom";
import { pct } from "./format";

export function intervalBar(rate: number | null, ci: [number, number] | null): HTMLElement {
  if (rate === null) return h("span", { class: "muted" }, "no ratings");
  const text = ci ? `${pct(rate)} (95% CI ${pct(ci[0])}–${pct(ci[1])})` : pct(rate);
  const bar = h("span", { class: "ci-track", "aria-hidden": "true" });
  if (ci) {
    bar.append(
      h("span", { class: "ci-range", style: `left:${ci[0] * 100}%;width:${Math.max((ci[1] - ci[0]) * 100, 0.5)}%` }),
    );
  }
  bar.append(h("span", { class: "ci-point", style: `left:${rate * 100}%` }));
  return h("span", { class: "ci" }, bar, h("span", { class: "ci-text" }, text));
}
