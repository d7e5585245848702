// Time-series charts with uPlot (about 50 KB, bundled with the console; no
// CDN). Each chart gets a visible title and an aria-label; the same numbers
// are in the tables beside it for anyone who cannot see the chart.
import uPlot from "uplot";
import { h } from "./dom";

const COLORS = ["#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#0891b2", "#be185d"];

export interface Series {
  label: string;
  values: Array<number | null>;
}

export function lineChart(
  title: string,
  times: number[],
  series: Series[],
  format: (v: number) => string,
  onLeave: (fn: () => void) => void,
  /** "rate": the y axis spans 0–100 % at least; "amount": from 0 to a little over the top value. */
  kind: "rate" | "amount" = "amount",
): HTMLElement {
  const box = h("figure", { class: "chart", "aria-label": title }, h("figcaption", null, title));
  const plotHolder = h("div", { class: "plot" });
  box.append(plotHolder);
  if (times.length === 0 || series.length === 0) {
    plotHolder.append(h("p", { class: "empty" }, "No data in this range."));
    return box;
  }
  const opts: uPlot.Options = {
    width: 600,
    height: 200,
    series: [
      {},
      ...series.map((s, i) => ({
        label: s.label,
        stroke: COLORS[i % COLORS.length],
        width: 2,
        spanGaps: false,
        // Always drawn: an hour with data between empty ones has no line to show it.
        points: { show: true, size: 5 },
        value: (_u: uPlot, v: number | null) => (v === null ? "–" : format(v)),
      })),
    ],
    axes: [{}, { values: (_u, ticks) => ticks.map(format), size: 60 }],
    scales: {
      x: { time: true },
      // From zero, so a flat line of zeros does not zoom into rounding noise.
      y: { range: (_u, _min, max) => [0, kind === "rate" ? Math.max(1, max ?? 1) : Math.max(1, (max ?? 0) * 1.1)] },
    },
    // The console shows every time in UTC; so do the axes.
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
    legend: { live: true },
  };
  const data: uPlot.AlignedData = [times.map((t) => t / 1000), ...series.map((s) => s.values)];
  // Sized to its container once it is in the page, and again when the window changes.
  requestAnimationFrame(() => {
    if (!box.isConnected) return;
    const plot = new uPlot({ ...opts, width: Math.max(plotHolder.clientWidth, 280) }, data, plotHolder);
    const resize = () => plot.setSize({ width: Math.max(plotHolder.clientWidth, 280), height: 200 });
    window.addEventListener("resize", resize);
    onLeave(() => {
      window.removeEventListener("resize", resize);
      plot.destroy();
    });
  });
  return box;
}
