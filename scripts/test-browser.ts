// npm run test:browser: the console's operator flow in Debian's Chromium
// (/usr/bin/chromium; never a downloaded browser) driven by playwright-core,
// against the real app started here on free ports with its own local state
// (test/browser/stack.ts). Screenshots go to test-results/. Exits 1 on the
// first failed step, after saving a screenshot of where it failed.
import { existsSync } from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";
import { seedTraffic, STEPS } from "../test/browser/operator-flow";
import { RESULTS } from "../test/browser/shoot";
import { startStack } from "../test/browser/stack";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const HARD_CAP_MS = 8 * 60_000;
const started = performance.now();
const log = (line: string) => console.log(`[browser ${((performance.now() - started) / 1000).toFixed(1)}s] ${line}`);

async function main(): Promise<number> {
  if (!existsSync(CHROMIUM)) {
    console.error(`No Chromium at ${CHROMIUM}: install it with 'apt-get install -y chromium' (.ci/run does).`);
    return 1;
  }
  const stack = await startStack(log);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  let failed = 0;
  let ran = 0;
  try {
    const seeded = await seedTraffic(stack);
    log("seeded traffic and feedback");
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on("pageerror", (error) => consoleErrors.push(String(error)));
    // ONLY=word,word runs the steps whose names contain one of the words (while developing a step).
    const only = process.env.ONLY?.split(",").filter(Boolean);
    for (const [name, step] of STEPS) {
      if (only && !only.some((w) => name.includes(w))) continue;
      ran++;
      const t0 = performance.now();
      try {
        await step({ stack, browser, page, globexIds: seeded.globexIds });
        log(`ok    ${name} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
      } catch (error) {
        failed++;
        log(`FAIL  ${name}: ${error instanceof Error ? error.stack : String(error)}`);
        await page
          .screenshot({ path: path.join(RESULTS, `failed-${STEPS.findIndex(([n]) => n === name)}.png`) })
          .catch(() => {});
        break;
      }
    }
    if (consoleErrors.length) {
      failed++;
      log(`FAIL  uncaught errors in the page:\n${consoleErrors.join("\n")}`);
    }
  } finally {
    await browser.close().catch(() => {});
    await stack.close();
  }
  log(failed ? `${failed} failed` : `${ran} steps passed; screenshots in test-results/`);
  return failed ? 1 : 0;
}

setTimeout(() => {
  console.error(`test:browser: still running after ${HARD_CAP_MS / 1000} s, giving up`);
  process.exit(1);
}, HARD_CAP_MS).unref();

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof Error ? error.stack : String(error));
    process.exit(1);
  },
);
