// One autocannon run against one target: fixed connections and duration (or
// a fixed amount, for warm-up). autocannon reads every response body, so a
// streamed answer counts only once its last byte is in. Its own latency
// histogram keeps whole milliseconds; the per-response times it emits are
// fractional, so they are kept here and summarized exactly (stats.ts).
import autocannon from "autocannon";

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
