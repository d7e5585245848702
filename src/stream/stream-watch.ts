// What both stream modes (the rewrite mode, logging/capture-stream.ts, and
// the native mode, stream/native-stream.ts) keep the same way: the stream
// ends once, and its record is built in a task of its own after the end (so
// the client's last bytes go out first); one watchdog per stream rather than
// a timer per read (a timer and a Promise.race per chunk would cost more
// than the chunk's own work) counts time spent waiting on the upstream (a
// timeout) and, apart, time the client leaves output untaken (a client that
// is gone: a runtime or proxy that loses the client without cancelling the
// body just stops pulling); a failed read ends as a timeout when the
// watchdog caused it; a cancel ends as client_aborted. Each mode reads,
// writes and fails in its own way around it.
import type { Clock } from "../clock";

/** How a stream ended, for its record. */
export type StreamEnd = { status: "ok" } | { status: "upstream_error" | "timeout" | "client_aborted"; error: string };

export class IdleTimeout extends Error {}

/** Longest the client may leave output untaken unless the caller says otherwise. */
const CLIENT_IDLE_MS = 20_000;

export interface StreamWatchOptions {
  clock: Clock;
  /** Longest wait for the next upstream read before the stream counts as timed out. */
  idleTimeoutMs: number;
  /** Longest the client may leave output untaken before it counts as gone (default 20 s). */
  clientIdleTimeoutMs?: number;
  abortUpstream: (reason: string) => void;
  /** Cancels the upstream read (a timeout, a client gone). */
  cancelSource: (reason: unknown) => Promise<void>;
  /** Called once, in a task of its own after the end; endedAt is clock.monotonicMs() at the end. */
  onEnded: (result: StreamEnd, endedAt: number) => void;
}

export class StreamWatch {
  ended = false;
  /** An upstream read is pending (its wait counts against the idle timeout). */
  reading = false;
  readStartedAt = 0;
  /** The watchdog cancelled the upstream read. */
  timedOut = false;
  /** When the client was last handed output it has not pulled past; null while a pull runs. */
  clientTurnSince: number | null = null;
  /** The client's stream, errored when the client counts as gone. */
  downstream: ReadableStreamDefaultController<Uint8Array> | null = null;
  private watchdog: ReturnType<typeof setTimeout> | null;
  private readonly idleMs: number;
  private readonly clientIdleMs: number;
  private readonly clientCheckMs: number;

  constructor(private readonly options: StreamWatchOptions) {
    this.idleMs = options.idleTimeoutMs;
    this.clientIdleMs = options.clientIdleTimeoutMs ?? CLIENT_IDLE_MS;
    // Writes do not touch the timer (one per write would cost more than the
    // write), so it also wakes every quarter of the client limit: a client
    // gone after a write is noticed within 1.25 times the limit.
    this.clientCheckMs = this.clientIdleMs / 4;
    this.watchdog = setTimeout(this.check, Math.min(this.idleMs, this.clientCheckMs));
  }

  idleError(): IdleTimeout {
    return new IdleTimeout(`no data from upstream for ${this.idleMs} ms`);
  }

  startRead(): void {
    this.reading = true;
    this.readStartedAt = this.options.clock.monotonicMs();
  }

  end(result: StreamEnd): void {
    if (this.ended) return;
    this.ended = true;
    const endedAt = this.options.clock.monotonicMs();
    if (this.watchdog !== null) clearTimeout(this.watchdog);
    setTimeout(() => this.options.onEnded(result, endedAt), 0);
  }

  /**
   * What a failed pull ends as (null when the stream has ended already): a
   * timeout when the watchdog cancelled the read, else the error. The
   * upstream request is aborted either way.
   */
  failure(error: unknown): { status: "timeout" | "upstream_error"; message: string } | null {
    if (this.ended) return null;
    if (this.timedOut && !(error instanceof IdleTimeout)) error = this.idleError();
    const isTimeout = error instanceof IdleTimeout;
    this.options.abortUpstream(isTimeout ? "timeout" : "upstream failed");
    return {
      status: isTimeout ? "timeout" : "upstream_error",
      message: error instanceof Error ? error.message : String(error),
    };
  }

  /** The client cancelled its stream; `detail` says why as the mode words it (null: no reason given). */
  async cancelled(reason: unknown, detail: string | null): Promise<void> {
    this.end({ status: "client_aborted", error: `client disconnected${detail === null ? "" : `: ${detail}`}` });
    this.options.abortUpstream("client disconnected");
    await this.options.cancelSource(reason).catch(() => {});
  }

  private readonly check = (): void => {
    this.watchdog = null;
    if (this.ended) return;
    const now = this.options.clock.monotonicMs();
    const waited = this.reading ? now - this.readStartedAt : 0;
    if (waited >= this.idleMs) {
      this.timedOut = true;
      this.options.abortUpstream("timeout");
      this.options.cancelSource(this.idleError()).catch(() => {});
      return;
    }
    const untaken = this.clientTurnSince === null ? 0 : now - this.clientTurnSince;
    if (untaken >= this.clientIdleMs) {
      const error = `client stopped reading for ${this.clientIdleMs} ms`;
      this.end({ status: "client_aborted", error });
      this.options.abortUpstream("client gone");
      this.options.cancelSource(error).catch(() => {});
      this.downstream?.error(new Error(error));
      return;
    }
    const untilClient =
      this.clientTurnSince === null ? this.clientCheckMs : Math.min(this.clientCheckMs, this.clientIdleMs - untaken);
    this.watchdog = setTimeout(this.check, Math.min(this.idleMs - waited, untilClient));
  };
}
