// Command-line flags of `npm run bench`. Durations are bounded so a full run
// fits in a few minutes on 2 cores; unknown flags are an error, not ignored.
export interface BenchFlags {
  connections: number;
  /** Seconds of load per target and mode (split over `rounds`). */
  duration: number;
  rounds: number;
  warmup: number;
  /** Sequential requests per target and mode for TTFT and unloaded latency. */
  probe: number;
  /** logging section: records pushed through LOG_QUEUE to time the consumer. */
  consumerRecords: number;
  /** export section: rated interactions seeded; the small export covers a tenth of them. */
  exportRows: number;
  /** export section: formats exported (each twice per size: timed, then paused for memory checkpoints). */
  exportFormats: string[];
  only: string[] | null;
  skip: string[];
  upstream: "thread" | "main";
  /** A checkout of another commit whose gateway the paced section measures side by side. */
  baseline: string | null;
  write: boolean;
  /** Rebuild bench/RESULTS.md from bench/results.json, measure nothing. */
  report: boolean;
  help: boolean;
}

export const USAGE = `npm run bench [-- flags]
  --connections N     concurrent connections per load run (default 16)
  --duration S        seconds of load per target (pass-through, gateway, logging off) and mode, 1..60 (default 10)
  --rounds N          split --duration into N rounds, order reversed every other round (default 2)
  --warmup N          warm-up requests per target and mode (default 200)
  --probe N           sequential requests per target and mode for TTFT/latency (default 100)
  --consumer-records N  logging section: records sent through LOG_QUEUE to time the consumer (default 10000)
  --export-rows N     export section: rated interactions seeded (default 200000; small export = N/10)
  --export-formats a,b  export section: formats to export (default openai-sft; e.g. openai-sft,trl-kto)
  --only a,b          run only these sections (gateway, paced, limits, logging, export, routing)
  --skip-<name>       skip a section, e.g. --skip-routing
  --upstream W        where the dev upstream runs: thread (default) or main
  --baseline DIR      gateway and paced sections: also load the gateway of another checkout (git worktree add DIR <commit>)
                      in the same workerd, side by side: a change's before/after without run-to-run drift
  --no-write          print the tables, leave bench/results.json and bench/RESULTS.md alone
  --report            rebuild bench/RESULTS.md from bench/results.json, measure nothing`;

function int(name: string, raw: string | undefined, min: number, max: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`--${name} must be an integer in ${min}..${max}, got ${raw}`);
  return n;
}

function list(raw: string): string[] {
  return raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

export function parseFlags(argv: readonly string[]): BenchFlags {
  const flags: BenchFlags = {
    connections: 16,
    duration: 10,
    rounds: 2,
    warmup: 200,
    probe: 100,
    consumerRecords: 10_000,
    exportRows: 200_000,
    exportFormats: ["openai-sft"],
    only: null,
    skip: [],
    upstream: "thread",
    baseline: null,
    write: true,
    report: false,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].replace(/^--/, "").split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i];
    if (!argv[i].startsWith("--")) throw new Error(`unexpected argument ${argv[i]}`);
    if (name.startsWith("skip-")) flags.skip.push(name.slice(5));
    else if (name === "connections") flags.connections = int(name, value(), 1, 1024);
    else if (name === "duration") flags.duration = int(name, value(), 1, 60);
    else if (name === "rounds") flags.rounds = int(name, value(), 1, 10);
    else if (name === "warmup") flags.warmup = int(name, value(), 0, 10_000);
    else if (name === "probe") flags.probe = int(name, value(), 1, 2_000);
    else if (name === "consumer-records") flags.consumerRecords = int(name, value(), 100, 100_000);
    else if (name === "export-rows") flags.exportRows = int(name, value(), 1_000, 1_000_000);
    else if (name === "export-formats") flags.exportFormats = list(value());
    else if (name === "only") flags.only = list(value());
    else if (name === "upstream") {
      const where = value();
      if (where !== "thread" && where !== "main") throw new Error(`--upstream must be thread or main, got ${where}`);
      flags.upstream = where;
    } else if (name === "baseline") flags.baseline = value();
    else if (name === "no-write") flags.write = false;
    else if (name === "report") flags.report = true;
    else if (name === "help" || name === "h") flags.help = true;
    else throw new Error(`unknown flag --${name}\n${USAGE}`);
  }
  return flags;
}
