// npm run bench [-- flags]: starts the dev upstream (zero delay) and, in one
// workerd, the gateway, a bare pass-through Worker and the gateway with
// logging off; runs the selected sections (sections.ts), writes
// bench/results.json (keeping other sections' keys) and bench/RESULTS.md
// (generated from it) and prints this run's tables. Everything it starts is
// stopped at the end, on error and on Ctrl-C. Loopback only; no account or
// network needed. How to read the figures: docs/performance.md.
import { applyOfflineEnv } from "../lib/offline-env";
import { describeEnvironment } from "./environment";
import { parseFlags, USAGE } from "./flags";
import { mergeResults, RESULTS_PATH } from "./results-file";
import { readResults, renderReport, REPORT_PATH, writeReport } from "./results-report";
import { SECTIONS, selectSections, type BenchContext } from "./sections";
import { startStack, type Stack } from "./start-stack";
import { workerdPids } from "./workerd-cpu";

const startedAt = performance.now();
const log = (message: string) =>
  console.error(`[bench ${((performance.now() - startedAt) / 1000).toFixed(1)}s] ${message}`);

let stack: Promise<Stack> | null = null;

async function closeStack(): Promise<void> {
  if (!stack) return;
  const pending = stack;
  stack = null;
  await (await pending.catch(() => null))?.close();
}

// Last resort if the process ends without closeStack() (a crash): workerd is
// our child, so stop exactly those processes by pid.
process.on("exit", () => {
  for (const pid of workerdPids()) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    void closeStack().finally(() => process.exit(130));
  });
}

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2));
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  if (flags.report) {
    writeReport(readResults(RESULTS_PATH), SECTIONS);
    log(`wrote ${REPORT_PATH} from ${RESULTS_PATH}`);
    return 0;
  }
  applyOfflineEnv();
  process.env.WRANGLER_LOG ??= "error"; // keep wrangler's config notices out of the report
  const sections = selectSections(flags);
  const environment = describeEnvironment(flags);
  const ctx: BenchContext = {
    flags,
    log,
    stack() {
      if (!stack) {
        log("starting dev upstream, gateway, pass-through and logging-off gateway (one workerd) …");
        const extra = Object.assign({}, ...sections.map((s) => (s.usesStack ? s.stackOptions : undefined)));
        stack = startStack({ ...extra, upstream: flags.upstream, baselineDir: flags.baseline ?? undefined });
        void stack.then((s) =>
          log(`gateway ${s.gatewayUrl}, pass-through ${s.passthroughUrl}, upstream ${s.upstream.url}`),
        );
      }
      return stack;
    },
  };

  const outputs: Record<string, unknown> = {};
  const failures: string[] = [];
  for (const [i, section] of sections.entries()) {
    // Stack sections come first; close the stack before the first one that does not use it.
    if (!section.usesStack && sections[i - 1]?.usesStack) await closeStack();
    try {
      outputs[section.name] = { ...((await section.run(ctx)) as object), environment };
    } catch (error) {
      log(`section ${section.name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      failures.push(`## ${section.title}\n\nFailed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  await closeStack();

  const wall = (performance.now() - startedAt) / 1000;
  if (flags.write && Object.keys(outputs).length > 0) {
    writeReport(mergeResults(outputs), SECTIONS);
    log(`wrote ${RESULTS_PATH} (${Object.keys(outputs).join(", ")}) and ${REPORT_PATH}`);
  }
  console.log([renderReport(outputs, sections), ...failures, `Full run: ${wall.toFixed(0)} s wall.`].join("\n"));
  return failures.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (error) => {
    console.error(error instanceof Error ? error.message : error);
    await closeStack();
    process.exit(1);
  },
);
