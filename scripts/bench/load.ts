// One autocannon run against one target: fixed connections and duration (or
// a fixed amount, for warm-up). autocannon reads every response body, so a
// streamed answer counts only once its last byte is in. Its own latency
// histogram keeps whole milliseconds; the per-response times it emits are
// fractional, so they are kept here and summarized exactly (stats.ts).
import autocannon from "autocannon";
import { round, summarize, type Summary } from "./stats";

export interface LoadRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface LoadOptions {
  connections: number;
  /** Seconds; ignored when `amount` is set. */
  duration?: number;
  amount?: number;
}

export interface LoadRun {
  /** 2xx responses. */
  ok: number;
  duration_s: number;
  /** Latency of each 2xx response, ms, in arrival order. */
  times: number[];
  non2xx: number;
  errors: number;
  timeouts: number;
}

export async function runLoad(target: LoadRequest, options: LoadOptions): Promise<LoadRun> {
  const times: number[] = [];
  const instance = autocannon({
    url: target.url,
    method: "POST",
    headers: target.headers,
    body: target.body,
    connections: options.connections,
    timeout: 10,
    ...(options.amount ? { amount: options.amount } : { duration: options.duration ?? 10 }),
  });
  instance.on("response", (_client: unknown, status: number, _bytes: number, responseTime: number) => {
    if (status >= 200 && status < 300) times.push(responseTime);
  });
  const result = await instance;
  return {
    ok: times.length,
    duration_s: result.duration,
    times,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

/** What a set of load runs against one target adds up to. */
export interface LoadFigures {
  rps: number;
  requests_2xx: number;
  non2xx: number;
  errors: number;
  loaded: Summary;
  workerd_cpu_us_per_request: number | null;
}

/** `cpu`: workerd CPU seconds over the runs, or null when not measured. */
export function loadFigures(runs: LoadRun[], cpu: number | null): LoadFigures {
  const ok = runs.reduce((n, r) => n + r.ok, 0);
  const seconds = runs.reduce((n, r) => n + r.duration_s, 0);
  return {
    rps: round(ok / seconds, 1),
    requests_2xx: ok,
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    loaded: summarize(runs.flatMap((r) => r.times)),
    workerd_cpu_us_per_request: cpu === null || ok === 0 ? null : Math.round((cpu * 1e6) / ok),
  };
}
