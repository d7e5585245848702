// `export` section: the streaming training-data export at scale. Starts its
// own bench stack (after the load sections, so nothing else competes for the
// 2 cores) with workerd's inspector open, seeds N rated interactions for one
// tenant into its local D1 (seed-rated.ts), then per format (--export-formats,
// default openai-sft) exports the first N/10 rows (until = the (N/10 + 1)-th
// row's created_at) and then all N through GET /v1/exports/training-data
// with the tenant's key, reading the stream as a client would
// (export-client.ts). Each export runs twice: timed at full speed (rows
// scanned and examples written per second), then paused at memory
// checkpoints (memory-probe.ts: the isolate's V8 heap and ArrayBuffers via
// the inspector, and workerd's resident high-water mark). Memory counts as
// flat when the live V8 heap mid-export at 10× the rows is < 1.5× that at
// 1×; the dedup table (ArrayBuffers) grows with the examples by design, up
// to its cap. The isolate's peak must stay under the Workers limit of 128 MB.
import { DEMO_KEY } from "./gateway-targets";
import { runExport, type ExportRun } from "./export-client";
import { freePort, MemoryProbe, type MemoryFigures } from "./memory-probe";
import type { BenchSection } from "./sections";
import { SEED_BASE_MS, seedRated, type SeedResult } from "./seed-rated";
import { GATEWAY, startStack, type Stack } from "./start-stack";
import { round } from "./stats";

const TENANT = "acme"; // DEMO_KEY's tenant
const WORKERS_LIMIT_MB = 128;
const FLAT_FACTOR = 1.5;
/** Memory checkpoints, as fractions of the rows requested (counted in lines written). */
const CHECKPOINTS = [0.4, 0.8];

interface ExportFigures {
  rows_requested: number;
  rows_scanned: number;
  examples: number;
  skipped: Record<string, number>;
  /** Wall time of the timing run (no checkpoints). */
  seconds: number;
  rows_per_s: number;
  examples_per_s: number;
  mb_per_s: number;
  ttfb_ms: number;
  memory: MemoryFigures;
}

interface FormatFigures {
  small: ExportFigures;
  full: ExportFigures;
  /** Live V8 heap mid-export at N ÷ at N/10. */
  live_heap_ratio: number;
  flat: boolean;
  /** ArrayBuffers live mid-export at N per example written by then (the dedup table). */
  array_buffer_bytes_per_example: number;
  under_limit: boolean;
}

function figures(rows: number, run: ExportRun, memory: MemoryFigures): ExportFigures {
  return {
    rows_requested: rows,
    rows_scanned: run.stats.rows_seen,
    examples: run.lines,
    skipped: run.stats.skipped,
    seconds: round(run.seconds, 2),
    rows_per_s: Math.round(run.stats.rows_seen / run.seconds),
    examples_per_s: Math.round(run.lines / run.seconds),
    mb_per_s: round(run.bytes / 1024 / 1024 / run.seconds, 1),
    ttfb_ms: round(run.ttfb_ms, 1),
    memory,
  };
}

function verdict(small: ExportFigures, full: ExportFigures): FormatFigures {
  const ratio = round(full.memory.live_heap_mb / small.memory.live_heap_mb, 2);
  // The largest live set is at the last checkpoint, after CHECKPOINTS.at(-1) × rows lines (examples).
  const examplesThen = Math.round(CHECKPOINTS.at(-1)! * full.rows_requested);
  return {
    small,
    full,
    live_heap_ratio: ratio,
    flat: ratio < FLAT_FACTOR,
    array_buffer_bytes_per_example: Math.round((full.memory.live_array_buffers_mb * 1024 * 1024) / examplesThen),
    under_limit: Math.max(small.memory.isolate_peak_mb, full.memory.isolate_peak_mb) < WORKERS_LIMIT_MB,
  };
}

function exportUrl(stack: Stack, format: string, untilRow?: number): string {
  const query = new URLSearchParams({ format, include_stats: "true" });
  // created_at of row i is SEED_BASE_MS + i, and until is exclusive.
  if (untilRow !== undefined) query.set("until", String(SEED_BASE_MS + untilRow + 1));
  return `${stack.gatewayUrl}/v1/exports/training-data?${query}`;
}

const n = (x: number) => x.toLocaleString("en");

interface ExportSummary {
  measured_at: string;
  tenant: string;
  seed: SeedResult;
  formats: Record<string, FormatFigures>;
  runtime_errors: string[];
}

function markdown({ seed, formats: results }: ExportSummary): string {
  const lines = [
    `Seeded ${n(seed.interactions)} rated interactions (${n(seed.feedback_rows)} feedback rows) in ${seed.seconds} s: ${seed.method}.`,
    "",
    "| format | rows | examples | s | rows/s | examples/s | MB/s out | live mid-export: V8 heap + ArrayBuffers (MB) | isolate peak: heap reserved + ArrayBuffers (MB) | workerd RSS start → peak (MB) |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const [format, r] of Object.entries(results)) {
    for (const e of [r.small, r.full]) {
      const m = e.memory;
      lines.push(
        `| ${format} | ${n(e.rows_scanned)} | ${n(e.examples)} | ${e.seconds} | **${n(e.rows_per_s)}** | ${n(e.examples_per_s)} | ${e.mb_per_s} | ${m.live_heap_mb} + ${m.live_array_buffers_mb} | **${m.isolate_peak_mb}** | ${m.process_rss_start_mb ?? "–"} → ${m.process_peak_mb ?? "–"} |`,
      );
    }
  }
  lines.push("", "| memory target | measured | met |", "| --- | --- | --- |");
  for (const [format, r] of Object.entries(results)) {
    lines.push(
      `| ${format}: flat (live V8 heap mid-export at 10× rows < ${FLAT_FACTOR}× at 1×) | ${r.live_heap_ratio}× | ${r.flat ? "yes" : "**no**"} |`,
      `| ${format}: ArrayBuffers grow only with the dedup table (16–32 B per example, capped at 1,000,000 lines) | ${r.array_buffer_bytes_per_example} B per example | – |`,
      `| ${format}: isolate peak < ${WORKERS_LIMIT_MB} MB | ${Math.max(r.small.memory.isolate_peak_mb, r.full.memory.isolate_peak_mb)} MB | ${r.under_limit ? "yes" : "**no**"} |`,
    );
  }
  lines.push(
    "",
    `Isolate: the gateway isolate through workerd's inspector (\`Runtime.getHeapUsage\`). workerd answers the inspector only when ` +
      `idle, so the client pauses reading at ${CHECKPOINTS.map((c) => `${c * 100} %`).join(" and ")} of the rows (in lines); ` +
      "the pull-based export then stops and the isolate idles with its state alive. At each pause: usage as it stands, then a " +
      "full GC (heap snapshot) and usage again (live). Peak = largest of those readings and the one at the end, V8 heap " +
      "reserved + ArrayBuffers; a spike between readings would be missed. Timings come from a separate run of the same export " +
      "without pauses. RSS (during the paused run): the whole " +
      "workerd process (every isolate and the local D1's SQLite), exact peak from VmHWM, reset through /proc/<pid>/clear_refs " +
      "before each export. rows = rows scanned (status ok, rated); the client reads the stream as it arrives. One warm-up " +
      "export of N/100 rows per format first, not reported.",
  );
  return lines.join("\n");
}

export const exportSection: BenchSection<ExportSummary> = {
  name: "export",
  title: "Export memory and rate (streamed JSONL from the local D1)",
  usesStack: false,
  render: markdown,
  async run(ctx) {
    const rows = ctx.flags.exportRows;
    const small = Math.round(rows / 10);
    const inspectorPort = await freePort();
    ctx.log("export: starting a stack of its own, with workerd's inspector …");
    const stack = await startStack({ inspectorPort, upstream: ctx.flags.upstream });
    let probe: MemoryProbe | null = null;
    try {
      const db = await stack.mf.getD1Database("DB", GATEWAY);
      ctx.log(`export: seeding ${n(rows)} rated interactions for ${TENANT} …`);
      const seed = await seedRated(db, TENANT, rows);
      ctx.log(`export: seeded in ${seed.seconds} s`);
      probe = await MemoryProbe.open(inspectorPort, GATEWAY);
      const results: Record<string, FormatFigures> = {};
      for (const format of ctx.flags.exportFormats) {
        await runExport(exportUrl(stack, format, Math.round(rows / 100)), DEMO_KEY); // warm-up
        const measured: ExportFigures[] = [];
        for (const size of [small, rows]) {
          ctx.log(`export: ${format}, ${n(size)} rows …`);
          const url = exportUrl(stack, format, size === rows ? undefined : size);
          // Two runs: one timed, read at full speed; one paused at the memory checkpoints.
          const timed = await runExport(url, DEMO_KEY);
          const atLines = CHECKPOINTS.map((c) => Math.round(c * size));
          const { memory } = await probe.measure((pause) => runExport(url, DEMO_KEY, { atLines, pause }));
          measured.push(figures(size, timed, memory));
        }
        results[format] = verdict(measured[0], measured[1]);
      }
      return {
        measured_at: new Date().toISOString(),
        tenant: TENANT,
        seed,
        formats: results,
        runtime_errors: stack.runtimeErrors.slice(0, 5),
      };
    } finally {
      probe?.close();
      await stack.close();
    }
  },
};
