// Measures the memory a Worker needs for an async job (an export), two ways:
//  1. The Worker isolate, through workerd's inspector (Chrome DevTools
//     protocol, Runtime.getHeapUsage). workerd answers the inspector only
//     when its event loop is idle: a request sent 20 ms into an export was
//     answered when the export ended, 2.5 s later. So the job is paused at
//     checkpoints instead: the client stops reading the stream, the pull-based
//     export stops once the socket buffers are full, and the isolate goes
//     idle with everything the export holds (builder, dedup set, a page)
//     still alive. At each checkpoint: heap usage as it stands (the footprint
//     then, garbage included), then a full GC (HeapProfiler.takeHeapSnapshot
//     collects before it walks the heap; workerd never answers
//     HeapProfiler.collectGarbage) and heap usage again (the live set). Also
//     read after a GC before the job and as it ends. ArrayBuffer backing
//     stores (the dedup set's table) are off V8's heap and counted apart.
//  2. The workerd process: VmHWM from /proc/<pid>/status, the kernel's exact
//     resident high-water mark, reset before the job by writing "5" to
//     /proc/<pid>/clear_refs. That is every isolate plus Miniflare's local D1
//     (SQLite), so it bounds the Worker from above.
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { CdpClient } from "./cdp-client";
import { workerdPids } from "./workerd-cpu";

const MB = 1024 * 1024;
const TIMEOUT_MS = 30_000;

export interface MemoryFigures {
  /** Live set (heap used + ArrayBuffers) after a GC, before the job (MB). */
  isolate_start_mb: number;
  /** Largest footprint seen at checkpoints and at the end: V8 heap reserved + ArrayBuffers + embedder objects (MB). */
  isolate_peak_mb: number;
  /** Largest V8 heap used seen, garbage included (MB). */
  heap_used_peak_mb: number;
  /** The largest live set at a checkpoint (after a GC, mid-job): V8 heap used, and ArrayBuffers (MB). */
  live_heap_mb: number;
  live_array_buffers_mb: number;
  checkpoints: number;
  /** workerd resident set at the start, and its exact peak during the job (MB); null without /proc. */
  process_rss_start_mb: number | null;
  process_peak_mb: number | null;
}

interface HeapUsage {
  usedSize: number;
  totalSize: number;
  embedderHeapUsedSize?: number;
  backingStorageSize?: number;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once("error", reject);
  });
}

/** Node 22 has a global WebSocket; Node 20 gets undici's (a dependency of Miniflare). */
async function webSocketImpl(): Promise<typeof WebSocket> {
  if (typeof WebSocket !== "undefined") return WebSocket;
  return (await import("undici")).WebSocket as unknown as typeof WebSocket;
}

/** Sum over the workerd processes, MB; null when /proc is unreadable. */
function processMb(pids: number[], field: "VmRSS" | "VmHWM"): number | null {
  let kb = 0;
  try {
    for (const pid of pids) {
      const match = readFileSync(`/proc/${pid}/status`, "utf8").match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
      if (!match) return null;
      kb += Number(match[1]);
    }
  } catch {
    return null;
  }
  return pids.length ? kb / 1024 : null;
}

function resetHighWaterMark(pids: number[]): boolean {
  try {
    for (const pid of pids) writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return pids.length > 0;
  } catch {
    return false;
  }
}

const mb = (bytes: number) => Number((bytes / MB).toFixed(1));
const fixed = (x: number | null) => (x === null ? null : Number(x.toFixed(1)));

export class MemoryProbe {
  private constructor(
    private readonly cdp: CdpClient,
    private readonly pids: number[],
  ) {}

  /** Attaches to the isolate `core:user:<worker>` on workerd's inspector. */
  static async open(inspectorPort: number, worker: string): Promise<MemoryProbe> {
    const list = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json()) as {
      id: string;
      webSocketDebuggerUrl: string;
    }[];
    const target = list.find((t) => t.id === `core:user:${worker}`);
    if (!target) throw new Error(`no inspector target for ${worker}: ${list.map((t) => t.id).join(", ")}`);
    return new MemoryProbe(await CdpClient.connect(target.webSocketDebuggerUrl, await webSocketImpl()), workerdPids());
  }

  /** One inspector call, bounded: an inspector that stops answering fails the section instead of hanging it. */
  private async call<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`inspector: no answer to ${method} in ${TIMEOUT_MS / 1000} s`)),
        TIMEOUT_MS,
      );
    });
    return Promise.race([this.cdp.send<T>(method, params), timeout]).finally(() => clearTimeout(timer));
  }

  private usage() {
    return this.call<HeapUsage>("Runtime.getHeapUsage");
  }

  private gc() {
    // The snapshot's chunks arrive as events, which CdpClient drops; only the GC matters here.
    return this.call("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
  }

  /** Runs `job`, which calls `checkpoint()` wherever it has paused the Worker. */
  async measure<T>(
    job: (checkpoint: () => Promise<void>) => Promise<T>,
  ): Promise<{ result: T; memory: MemoryFigures }> {
    await this.gc();
    const start = await this.usage();
    const reset = resetHighWaterMark(this.pids);
    const rssStart = processMb(this.pids, "VmRSS");
    const seen: HeapUsage[] = [];
    const live: HeapUsage[] = [];
    const result = await job(async () => {
      seen.push(await this.usage());
      await this.gc();
      live.push(await this.usage());
    });
    seen.push(await this.usage());
    const peak = reset ? processMb(this.pids, "VmHWM") : null;
    const max = (xs: HeapUsage[], f: (h: HeapUsage) => number) => Math.max(0, ...xs.map(f));
    const withBuffers = (h: HeapUsage) => h.usedSize + (h.backingStorageSize ?? 0);
    const livePeak = live.reduce<HeapUsage | null>((a, h) => (!a || withBuffers(h) > withBuffers(a) ? h : a), null);
    return {
      result,
      memory: {
        isolate_start_mb: mb(withBuffers(start)),
        isolate_peak_mb: mb(
          max(seen, (h) => h.totalSize + (h.backingStorageSize ?? 0) + (h.embedderHeapUsedSize ?? 0)),
        ),
        heap_used_peak_mb: mb(max(seen, (h) => h.usedSize)),
        live_heap_mb: livePeak ? mb(livePeak.usedSize) : 0,
        live_array_buffers_mb: livePeak ? mb(livePeak.backingStorageSize ?? 0) : 0,
        checkpoints: live.length,
        process_rss_start_mb: fixed(rssStart),
        process_peak_mb: fixed(peak),
      },
    };
  }

  close(): void {
    this.cdp.close();
  }
}
