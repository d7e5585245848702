// Markdown for the paced section's entry in bench/results.json. Reads only
// the JSON, so bench/RESULTS.md can be rebuilt from results.json.
import type { PacedSummary } from "./paced-section";

const cell = (x: number | null | undefined) => (x === null || x === undefined || Number.isNaN(x) ? "–" : String(x));

export function pacedMarkdown(s: PacedSummary): string {
  const rows = [
    "| target | answer | requests/s | SSE events (p50) | reads at the client (p50) | TTFT p50 (ms) | answer p50 (ms) | **workerd CPU per request (µs)** | **CPU per event (µs)** |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...s.targets.map(
      (t) =>
        `| ${t.side} | ${t.length} | ${t.rps} | ${cell(t.events_p50)} | ${cell(t.reads_p50)} | ${cell(t.ttft_p50_ms)} | ${cell(t.total_p50_ms)} | ${cell(t.workerd_cpu_us_per_request)} | ${cell(t.workerd_cpu_us_per_event)} |`,
    ),
  ];
  const tax = s.tax_us_per_event;
  const ratio = s.stream_cpu_ratio;
  const targets = [
    "| target | measured | met |",
    "| --- | --- | --- |",
    `| gateway tax < 25 µs of CPU per streamed event (slope over the two lengths) | ${cell(tax)} µs | ${tax === null ? "–" : tax < 25 ? "yes" : "**no**"} |`,
    `| gateway CPU per request ≤ 2.8× the pass-through's, streamed (long answers) | ${cell(ratio)}× | ${ratio === null ? "–" : ratio <= 2.8 ? "yes" : "**no**"} |`,
  ];
  if (s.native) {
    const nt = s.native.tax_us_per_event;
    const nr = s.native.stream_cpu_ratio;
    targets.push(
      `| native stream mode: tax < 25 µs per event | ${cell(nt)} µs | ${nt === null ? "–" : nt < 25 ? "yes" : "**no**"} |`,
      `| native stream mode: CPU per request ≤ 2.8× the pass-through's (long answers) | ${cell(nr)}× | ${nr === null ? "–" : nr <= 2.8 ? "yes" : "**no**"} |`,
    );
  }
  if (s.baseline) {
    targets.push(
      `| baseline (\`${s.baseline.dir}\`, side by side): tax per event | ${cell(s.baseline.tax_us_per_event)} µs | – |`,
      `| baseline: CPU per request ÷ pass-through, streamed (long answers) | ${cell(s.baseline.stream_cpu_ratio)}× | – |`,
    );
  }
  return [
    ...rows,
    "",
    ...targets,
    "",
    `Tokens ${s.token_ms} ms apart (dev upstream x-dev-token-ms). Load: ${s.connections} connections, ${s.rounds} rounds of ${s.seconds_per_run} s per target, order reversed every other round. ` +
      "Per-event tax = ((gateway − pass-through) CPU per request, long − short) ÷ (events long − short). Errors under load: " +
      `${s.targets.reduce((n, t) => n + t.errors, 0)}.`,
  ].join("\n");
}
