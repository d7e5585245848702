// Streams an export as JSONL: pull-based, one keyset page per pull, so the
// Worker holds one page (plus the builder's bounded state) at a time however
// large the export is — the Workers limit is 128 MB.
import { ExampleBuilder, statsLine } from "./example-builder";
import { fetchExportPage, type ExportFilters, type PageCursor } from "./export-source";
import type { ExportOptionsInput } from "./options";

export const EXPORT_PAGE_SIZE = 200;

export interface JsonlStreamOptions {
  db: D1Database;
  tenant: string;
  filters: ExportFilters;
  options: ExportOptionsInput;
  /** Append the stats object as a last line (the CLI strips it to stderr). */
  statsTrailer?: boolean;
  pageSize?: number;
  onDone?: (stats: ReturnType<ExampleBuilder["stats"]>) => void;
}

export function jsonlStream(o: JsonlStreamOptions): ReadableStream<Uint8Array> {
  const builder = new ExampleBuilder(o.options);
  const encoder = new TextEncoder();
  const pageSize = o.pageSize ?? EXPORT_PAGE_SIZE;
  let cursor: PageCursor | null = null;
  let exhausted = false;
  const toBytes = (lines: string[]) => encoder.encode(lines.map((l) => `${l}\n`).join(""));

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // Keep reading pages until one yields output or the rows run out, so
        // a run of filtered-out rows does not end the stream early.
        while (!exhausted) {
          const page = await fetchExportPage(o.db, o.tenant, o.filters, cursor, pageSize);
          cursor = page.next;
          exhausted = page.next === null;
          const lines = builder.pushAll(page.rows);
          if (lines.length) {
            controller.enqueue(toBytes(lines));
            return;
          }
        }
        const tail = builder.finish();
        const stats = builder.stats();
        if (o.statsTrailer) tail.push(statsLine(stats));
        if (tail.length) controller.enqueue(toBytes(tail));
        o.onDone?.(stats);
        controller.close();
      },
    },
    { highWaterMark: 0 },
  );
}
