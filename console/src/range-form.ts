// The time-range picker shared by Overview and Versions: the range lives in
// the URL (?range=7d or ?since=&until=), so a view can be bookmarked and shared.
import { field, h, select } from "./dom";
import { fromLocalInput, toLocalInput } from "./format";
import { RANGES, rangeOf } from "./stats";

export function rangeForm(
  params: URLSearchParams,
  apply: (next: URLSearchParams) => void,
  extra: HTMLElement[] = [],
): HTMLFormElement {
  const range = rangeOf(params);
  const preset = select(
    "range",
    [...RANGES.map(([k, label]): [string, string] => [k, label]), ["custom", "Custom range"]],
    range.key,
  );
  const since = h("input", { type: "datetime-local", name: "since", value: toLocalInput(range.since) });
  const until = h("input", { type: "datetime-local", name: "until", value: toLocalInput(range.until) });
  const form = h(
    "form",
    { class: "filters", "aria-label": "Time range" },
    ...extra,
    field("Range", preset),
    field("From (UTC)", since),
    field("Until (UTC)", until),
    h("button", { type: "submit" }, "Show"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const next = new URLSearchParams(params);
    next.delete("range");
    next.delete("since");
    next.delete("until");
    for (const el of extra) {
      const control = el.querySelector<HTMLInputElement | HTMLSelectElement>("input, select");
      if (control?.name) next.set(control.name, control.value);
    }
    if (preset.value === "custom") {
      const s = fromLocalInput(since.value);
      const u = fromLocalInput(until.value);
      if (s !== null) next.set("since", String(s));
      if (u !== null) next.set("until", String(u));
    } else {
      next.set("range", preset.value);
    }
    apply(next);
  });
  return form;
}
