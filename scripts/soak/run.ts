// npm run soak [-- flags]: proves, against a running `npm start`, that every
// chat request leaves exactly one interaction record whatever happens to it.
// It applies the `soak` tenant (failing and slow upstreams) through /admin,
// sends --requests requests (mixed stream and non-stream, upstream faults,
// client aborts, reused client request ids, refused requests, records big
// enough to travel through R2), then counts the records per client request
// id until they are all there or --settle-seconds pass. --flood then times
// acme while globex floods. Prints a summary and exits 1 on any lost,
// duplicated or unexpected record or unexplained 5xx. Loopback only; bounded
// in requests and time. Counters and past runs: docs/reliability.md.
import { DEMO_KEYS } from "../lib/demo-keys";
import { parseFlags, USAGE, type SoakFlags } from "./flags";
import { floodKey, runFlood, type FloodResult } from "./flood";
import { planRequests } from "./mix";
import { runPool } from "./pool";
import { renderReport, reportJson, verdict, type Report } from "./report";
import { sendPlanned } from "./send";
import { setUpSoakTenant, SOAK_TENANT } from "./soak-tenant";
import { countConsumerRetries, logOffset } from "./stack-log";
import { verifyRecords } from "./verify";

const startedAt = performance.now();
const log = (message: string) =>
  console.error(`[soak ${((performance.now() - startedAt) / 1000).toFixed(1)}s] ${message}`);

async function checkGateway(base: string): Promise<void> {
  try {
    const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5000) });
    if (res.ok) return;
    throw new Error(`status ${res.status}`);
  } catch (error) {
    throw new Error(`no gateway at ${base} (${String(error)}): start it with \`npm start\` first`);
  }
}

async function soak(flags: SoakFlags): Promise<number> {
  await checkGateway(flags.url);
  const runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36)}`;
  const prefix = `soak-${runId}-`;
  const logFrom = logOffset(flags.stackLog);
  const tenant = await setUpSoakTenant(flags.url, flags.adminToken, runId);
  const keys: Record<string, string> = { ...DEMO_KEYS, [SOAK_TENANT]: tenant.key };
  try {
    const plan = planRequests(flags, runId);
    const reusedIds = new Set(plan.filter((p) => p.reused).map((p) => p.clientId)).size;
    const reusedRequests = plan.filter((p) => p.reused).length;
    const header =
      `soak      ${plan.length} requests, ${new Set(plan.map((p) => p.clientId)).size} client ids ` +
      `(${reusedIds} of them shared by ${reusedRequests} requests), concurrency ${flags.concurrency}, ` +
      `faults ${flags.faultRate}, aborts ${flags.abortRate}, seed ${flags.seed}, run ${runId}, ${flags.url}`;
    log(header.replace(/^soak\s+/, "sending "));
    // Records are stamped by the gateway's clock when the request starts; allow some skew.
    const since = Date.now() - 60_000;
    const load = await runPool(
      plan,
      flags.concurrency,
      (req) => sendPlanned(flags.url, keys[req.tenant], req, flags.requestTimeout * 1000),
      { deadline: Date.now() + flags.maxSeconds * 1000, label: "soak" },
    );
    log(`sent ${load.results.length} in ${load.seconds.toFixed(1)} s`);

    let flood: FloodResult | null = null;
    if (flags.flood) {
      const flooder = await floodKey(flags.url, flags.adminToken, runId, DEMO_KEYS.globex, flags.floodLimit);
      log(
        flooder.limit === null
          ? "flood: globex floods with its demo key (no limit)"
          : `flood: globex floods with a key of its own limited to ${flooder.limit} requests a minute`,
      );
      try {
        flood = await runFlood({
          base: flags.url,
          keys: { acme: DEMO_KEYS.acme, globex: flooder.key },
          prefix,
          concurrency: flags.floodConcurrency,
          rate: flags.floodRate,
          floodSeconds: flags.floodSeconds,
          probeSeconds: flags.probeSeconds,
          requestTimeoutMs: flags.requestTimeout * 1000,
          log,
        });
      } finally {
        await flooder.close();
      }
    }
    const outcomes = [...load.results, ...(flood?.outcomes ?? [])];
    log(`counting the records of ${outcomes.length} requests`);
    const verify = await verifyRecords(outcomes, {
      base: flags.url,
      keys,
      since,
      prefix,
      settleSeconds: flags.settleSeconds,
      log,
    });
    const report: Report = {
      outcomes,
      soakSent: load.results.length,
      notSent: load.skipped,
      loadSeconds: load.seconds,
      verify,
      stackLog: flags.stackLog ? countConsumerRetries(flags.stackLog, logFrom) : null,
      flood,
    };
    console.log(renderReport(report, header));
    if (flags.json) console.log(JSON.stringify(reportJson(report), null, 2));
    return verdict(report).pass ? 0 : 1;
  } finally {
    await tenant.close();
  }
}

/** Seconds after which the process stops whatever it is doing: the sum of every bound, plus slack. */
function hardCapSeconds(flags: SoakFlags): number {
  const flood = flags.flood ? flags.probeSeconds + flags.floodSeconds + flags.requestTimeout : 0;
  return flags.maxSeconds + flags.requestTimeout + flood + flags.settleSeconds + 300;
}

async function main(): Promise<number> {
  let flags: SoakFlags;
  try {
    flags = parseFlags(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 2;
  }
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  const cap = hardCapSeconds(flags);
  setTimeout(() => {
    console.error(`soak: still running after ${cap} s, giving up`);
    process.exit(1);
  }, cap * 1000).unref();
  return soak(flags);
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`soak: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(1);
  },
);
