// Command-line flags of `npm run soak`. Every count and duration is bounded,
// so a run always stops by itself; the target must be a loopback address,
// because the soak floods it and uses the demo admin token. Unknown flags are
// an error, not ignored.
export interface SoakFlags {
  url: string;
  /** HTTP requests sent (logical requests plus the repeats of reused client ids). */
  requests: number;
  concurrency: number;
  /** Share of requests sent to a task whose upstream fails (soak tenant). */
  faultRate: number;
  /** Share of requests the client abandons: before the first token, or mid-stream. */
  abortRate: number;
  /** Share of requests that carry a client id shared with 1–3 other requests. */
  reuseRate: number;
  /** Share of requests refused before any upstream call (unknown task): they must leave no record. */
  invalidRate: number;
  /** Share of requests with a ~140 KB prompt, whose record travels through R2. */
  bigRate: number;
  streamRate: number;
  /** A request still unanswered after this many seconds is aborted and counted as a client timeout. */
  requestTimeout: number;
  /** After the load: how long to wait for every record before counting what is missing. */
  settleSeconds: number;
  /** Hard cap on the load phase; requests not sent by then are not sent (and reported). */
  maxSeconds: number;
  seed: number;
  adminToken: string;
  /** npm start's output, to count the log consumer's retries during the run. */
  stackLog: string | null;
  flood: boolean;
  floodConcurrency: number;
  floodSeconds: number;
  /** requests_per_minute of the key globex floods with (its own limit); 0 = the demo key, unlimited. */
  floodLimit: number;
  /** Flood requests per second, open loop; 0 = closed loop on --flood-concurrency connections. */
  floodRate: number;
  /** Sequential acme requests timed before and during the flood. */
  probeSeconds: number;
  json: boolean;
  help: boolean;
}

export const USAGE = `npm run soak [-- flags]     (against a running \`npm start\`)
  --url U               gateway base URL, loopback only (default http://127.0.0.1:$PORT or :8787)
  --requests N          HTTP requests to send, 1..200000 (default 10000)
  --concurrency N       requests in flight, 1..512 (default 32)
  --fault-rate R        share sent to a failing upstream (default 0.1)
  --abort-rate R        share the client abandons before the first token or mid-stream (default 0.05)
  --reuse-rate R        share that reuse one client request id across 2-4 requests (default 0.05)
  --invalid-rate R      share refused before any upstream call, which must leave no record (default 0.01)
  --big-rate R          share with a ~140 KB prompt, logged through R2 (default 0.005)
  --stream-rate R       share sent with stream: true (default 0.5)
  --request-timeout S   abort a request still unanswered after S seconds (default 30)
  --settle-seconds S    after the load, wait up to S seconds for the records (default 90)
  --max-seconds S       stop sending after S seconds whatever is left (default 900)
  --seed N              seed of the request mix (default: random, printed)
  --admin-token T       ADMIN_TOKEN of the gateway (default admin-dev, from .dev.vars)
  --stack-log FILE      npm start's output: count the log consumer's retries during the run
  --flood               then: globex floods while acme's latency is timed before and during
  --flood-concurrency N globex requests in flight during the flood, 1..1024 (default 128)
  --flood-seconds S     length of the flood and of each acme probe window, 1..300 (default 20)
  --flood-rate R        globex starts R requests a second whatever the answers (open loop),
                        0..10000 (default 20: 20x a 60/min limit); 0 = as fast as its
                        connections get answers (closed loop), which saturates a local stack
  --flood-limit N       globex floods with a key of its own limited to N requests a minute,
                        0..100000 (default 60; 0 = the unlimited demo key)
  --probe-seconds S     acme probe window before the flood, 1..300 (default = --flood-seconds)
  --json                print the summary as JSON too
Exit status: 0 when no record is lost or duplicated, none is written for a refused
request and the gateway sent no unexplained 5xx; 1 otherwise; 2 on bad flags.`;

function num(name: string, raw: string | undefined, min: number, max: number, integer = false): number {
  const n = Number(raw);
  if (raw === undefined || raw === "" || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n)))
    throw new Error(`--${name} must be ${integer ? "an integer" : "a number"} in ${min}..${max}, got ${raw}`);
  return n;
}

export function checkLoopback(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`--url is not a URL: ${url}`);
  }
  if (!["127.0.0.1", "localhost", "[::1]"].includes(parsed.hostname) || parsed.protocol !== "http:")
    throw new Error(`--url must be http on a loopback address (127.0.0.1, localhost, [::1]), got ${url}`);
  return parsed.origin;
}

export function parseFlags(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): SoakFlags {
  const flags: SoakFlags = {
    url: `http://127.0.0.1:${env.PORT ?? "8787"}`,
    requests: 10_000,
    concurrency: 32,
    faultRate: 0.1,
    abortRate: 0.05,
    reuseRate: 0.05,
    invalidRate: 0.01,
    bigRate: 0.005,
    streamRate: 0.5,
    requestTimeout: 30,
    settleSeconds: 90,
    maxSeconds: 900,
    seed: Math.floor(Math.random() * 2 ** 31),
    adminToken: "admin-dev",
    stackLog: null,
    flood: false,
    floodConcurrency: 128,
    floodSeconds: 20,
    floodLimit: 60,
    floodRate: 20,
    probeSeconds: 0,
    json: false,
    help: false,
  };
  const rate = (name: string, raw: string | undefined) => num(name, raw, 0, 1);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => argv[++i];
    switch (arg) {
      case "--url":
        flags.url = value() ?? "";
        break;
      case "--requests":
        flags.requests = num("requests", value(), 1, 200_000, true);
        break;
      case "--concurrency":
        flags.concurrency = num("concurrency", value(), 1, 512, true);
        break;
      case "--fault-rate":
        flags.faultRate = rate("fault-rate", value());
        break;
      case "--abort-rate":
        flags.abortRate = rate("abort-rate", value());
        break;
      case "--reuse-rate":
        flags.reuseRate = rate("reuse-rate", value());
        break;
      case "--invalid-rate":
        flags.invalidRate = rate("invalid-rate", value());
        break;
      case "--big-rate":
        flags.bigRate = rate("big-rate", value());
        break;
      case "--stream-rate":
        flags.streamRate = rate("stream-rate", value());
        break;
      case "--request-timeout":
        flags.requestTimeout = num("request-timeout", value(), 1, 300);
        break;
      case "--settle-seconds":
        flags.settleSeconds = num("settle-seconds", value(), 5, 1800);
        break;
      case "--max-seconds":
        flags.maxSeconds = num("max-seconds", value(), 5, 7200);
        break;
      case "--seed":
        flags.seed = num("seed", value(), 0, 2 ** 31 - 1, true);
        break;
      case "--admin-token":
        flags.adminToken = value() ?? "";
        break;
      case "--stack-log":
        flags.stackLog = value() ?? null;
        break;
      case "--flood":
        flags.flood = true;
        break;
      case "--flood-concurrency":
        flags.floodConcurrency = num("flood-concurrency", value(), 1, 1024, true);
        break;
      case "--flood-seconds":
        flags.floodSeconds = num("flood-seconds", value(), 1, 300);
        break;
      case "--flood-rate":
        flags.floodRate = num("flood-rate", value(), 0, 10_000);
        break;
      case "--flood-limit":
        flags.floodLimit = num("flood-limit", value(), 0, 100_000, true);
        break;
      case "--probe-seconds":
        flags.probeSeconds = num("probe-seconds", value(), 1, 300);
        break;
      case "--json":
        flags.json = true;
        break;
      case "--help":
      case "-h":
        flags.help = true;
        break;
      default:
        throw new Error(`unknown flag ${arg}\n\n${USAGE}`);
    }
  }
  flags.url = checkLoopback(flags.url);
  if (!flags.adminToken) throw new Error("--admin-token must not be empty");
  const shares = flags.faultRate + flags.abortRate + flags.invalidRate + flags.bigRate;
  if (shares > 1) throw new Error(`--fault-rate + --abort-rate + --invalid-rate + --big-rate is ${shares}, over 1`);
  if (!flags.probeSeconds) flags.probeSeconds = flags.floodSeconds;
  return flags;
}
