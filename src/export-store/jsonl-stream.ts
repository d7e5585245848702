// Streams an export as JSONL: pull-based, one keyset page per pull, so the
// Worker holds one page (plus the builder's bounded state) at a time however
// large the export is — the Workers limit is 128 MB. ndjsonResponse is the
// HTTP answer every JSONL export is sent as.
import { ExampleBuilder, statsLine } from "../export/example-builder";
import type { ExportOptionsInput } from "../export/options";
import type { LineageEntry } from "../export/lineage";
import type { ExportFilters } from "../export/types";
import { fetchExportPage, type PageCursor } from "./export-source";

export const EXPORT_PAGE_SIZE = 200;

const NDJSON_HEADERS = { "content-type": "application/x-ndjson; charset=utf-8", "cache-control": "no-store" };

/** A JSONL body as an HTTP response: NDJSON, never cached. */
export function ndjsonResponse(body: ReadableStream<Uint8Array>, headers: Record<string, string> = {}): Response {
  return new Response(body, { headers: { ...NDJSON_HEADERS, ...headers } });
}

export interface JsonlStreamOptions {
  db: D1Database;
  tenant: string;
  filters: ExportFilters;
  options: ExportOptionsInput;
  /** Append the stats object as a last line (the CLI strips it to stderr). */
  statsTrailer?: boolean;
  pageSize?: number;
  onDone?: (stats: ReturnType<ExampleBuilder["stats"]>) => void;
  /** Called with each page's lineage before its lines are sent, so lineage is never behind what a client read. */
  onLineage?: (entries: LineageEntry[]) => Promise<void>;
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
          if (o.onLineage && lines.length) await o.onLineage(builder.takeLineage());
          if (lines.length) {
            controller.enqueue(toBytes(lines));
            return;
          }
        }
        const tail = builder.finish();
        if (o.onLineage && tail.length) await o.onLineage(builder.takeLineage());
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
