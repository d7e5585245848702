// Reads one streamed export from the gateway the way a client would: GET
// /v1/exports/training-data with the tenant's key, the body consumed as it
// arrives (never held whole), counting lines and bytes. include_stats=true
// makes the Worker append its stats line; that line is parsed (rows scanned,
// examples written) and not counted as an example. At the given line counts
// the client stops reading and awaits `pause` (a memory checkpoint). A run
// with pauses is not a timing run: the Worker keeps filling the socket
// buffers while the client waits.
export interface ExportStatsLine {
  format: string;
  rows_seen: number;
  examples: number;
  skipped: Record<string, number>;
  deduped: number;
}

export interface ExportRun {
  seconds: number;
  ttfb_ms: number;
  bytes: number;
  /** JSONL lines before the stats line. */
  lines: number;
  stats: ExportStatsLine;
}

export interface Pauses {
  atLines: number[];
  pause: () => Promise<void>;
}

export async function runExport(url: string, key: string, pauses?: Pauses): Promise<ExportRun> {
  const started = performance.now();
  const response = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  if (response.status !== 200) {
    throw new Error(`export: ${url} answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  }
  const ttfb = performance.now() - started;
  const decoder = new TextDecoder();
  let bytes = 0;
  let newlines = 0;
  let tail = ""; // the text after the last newline but one: enough to hold the stats line
  const at = [...(pauses?.atLines ?? [])].sort((a, b) => a - b);
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.byteLength;
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) newlines++;
    tail = (tail + decoder.decode(chunk, { stream: true })).slice(-64 * 1024);
    if (at.length && newlines >= at[0]) {
      while (at.length && newlines >= at[0]) at.shift();
      await pauses!.pause();
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const last = tail.trimEnd().split("\n").at(-1) ?? "";
  const parsed = JSON.parse(last) as { switchyard_export?: ExportStatsLine };
  if (!parsed.switchyard_export) throw new Error(`export: no stats line at the end of ${url}`);
  return { seconds, ttfb_ms: ttfb, bytes, lines: newlines - 1, stats: parsed.switchyard_export };
}
