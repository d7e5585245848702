// npx tsx scripts/bench/ablate.ts [--variants a,b] [--seconds 3] [--rounds 2]
//                                 [--connections 16] [--token-ms N]
// Prices the parts of the gateway's hot path by ablation: the shipped
// gateway, the pass-through and ablation variants (variants.ts: one part
// switched off or replaced) run as Workers in ONE workerd, and are loaded in
// rotating order, round after round, so background load on the machine hits
// all alike. The figure is workerd's process CPU per request (from /proc,
// each window including a settle for the log consumer's D1 writes);
// "gateway − variant" is what the switched-off part costs. --token-ms paces
// the upstream's tokens for every target (no chunk coalescing anywhere).
// `--variants ladder` runs the floor ladder (variants.ts) and prints what each
// layer of the gateway adds on top of the one before.
import { buildTargets, DEMO_KEY, type Mode } from "./gateway-targets";
import { runLoad, type LoadRequest } from "./load";
import { startStack } from "./start-stack";
import { LADDER, VARIANTS } from "./variants";
import { cpuSeconds, workerdPids } from "./workerd-cpu";

const argv = process.argv.slice(2);
const opt = (name: string) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : undefined);
const seconds = Number(opt("seconds") ?? 3);
const rounds = Number(opt("rounds") ?? 2);
const connections = Number(opt("connections") ?? 16);
const tokenMs = Number(opt("token-ms") ?? 0);
const requested = opt("variants");
const ladder = requested === "ladder";
const variants = ladder ? [...LADDER, "no-log-send"] : (requested?.split(",") ?? Object.keys(VARIANTS));
const pacing: Record<string, string> = tokenMs > 0 ? { "x-dev-token-ms": String(tokenMs) } : {};
const SETTLE_MS = 1500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Table = Record<string, Partial<Record<Mode, { us: number | null; rps: number }>>>;

/** What each ladder step adds to the one before it (the first: to the pass-through). */
function ladderTable(steps: string[], table: Table): string {
  const us = (name: string, mode: Mode) => table[name][mode]?.us ?? null;
  const adds = (i: number, mode: Mode) => {
    const here = us(steps[i], mode);
    const before = us(i === 0 ? "pass-through" : steps[i - 1], mode);
    return here == null || before == null ? "" : `${here - before >= 0 ? "+" : ""}${here - before}`;
  };
  const ratio = (name: string, mode: Mode) => (table[name][mode]!.rps / table["pass-through"][mode]!.rps).toFixed(2);
  return [
    "| step | non-stream µs/req | adds | stream µs/req | adds | req/s vs pass-through (non-stream / stream) |",
    "| --- | --- | --- | --- | --- | --- |",
    ...steps.map(
      (name, i) =>
        `| ${name} | ${us(name, "non_stream")} | ${adds(i, "non_stream")} | ${us(name, "stream")} | ${adds(i, "stream")} | ${ratio(name, "non_stream")} / ${ratio(name, "stream")} |`,
    ),
  ].join("\n");
}

const stack = await startStack({ variants, upstreamHeaders: pacing });
try {
  const base = await buildTargets(stack, pacing);
  const pids = workerdPids();
  console.log(
    `# Ablation: ${connections} connections, ${rounds} rounds × ${seconds} s per target${tokenMs ? `, ${tokenMs} ms per token` : ""}\n`,
  );
  const table: Table = {};
  for (const mode of ["non_stream", "stream"] as Mode[]) {
    const targets: Record<string, LoadRequest> = {
      "pass-through": base[mode].passthrough,
      gateway: base[mode].gateway,
    };
    for (const v of variants) {
      // Steps that answer before planning get the upstream body (tone prompt
      // and served adapter name already in it) with the gateway's key.
      const request =
        VARIANTS[v]?.request === "upstream-body"
          ? {
              ...base[mode].passthrough,
              headers: { ...base[mode].passthrough.headers, authorization: `Bearer ${DEMO_KEY}` },
            }
          : base[mode].gateway;
      targets[v] = { ...request, url: `${stack.variantUrls[v]}/v1/chat/completions` };
    }
    const names = Object.keys(targets);
    for (const name of names) {
      // Warm-up, and a check that every target answers 2xx (a variant that
      // fails fast would otherwise look cheap).
      const warm = await runLoad(targets[name], { connections, amount: 200 });
      if (warm.ok < 200) throw new Error(`${name} (${mode}): ${warm.ok} of 200 warm-up requests answered 2xx`);
    }
    await sleep(SETTLE_MS);
    const acc = Object.fromEntries(names.map((n) => [n, { cpu: 0, ok: 0, secs: 0 }]));
    for (let round = 0; round < rounds; round++) {
      const order = names.map((_, i) => names[(i + round) % names.length]);
      for (const name of order) {
        process.stderr.write(`${mode} round ${round + 1}: ${name}\n`);
        const before = cpuSeconds(pids) ?? Number.NaN;
        const run = await runLoad(targets[name], { connections, duration: seconds });
        await sleep(SETTLE_MS);
        acc[name].cpu += (cpuSeconds(pids) ?? Number.NaN) - before;
        acc[name].ok += run.ok;
        acc[name].secs += run.duration_s;
      }
    }
    for (const name of names) {
      const a = acc[name];
      table[name] ??= {};
      table[name][mode] = {
        us: Number.isFinite(a.cpu) ? Math.round((a.cpu * 1e6) / a.ok) : null,
        rps: Math.round(a.ok / a.secs),
      };
    }
  }
  const delta = (name: string, mode: Mode) => {
    const g = table.gateway[mode]?.us;
    const v = table[name][mode]?.us;
    return name === "gateway" || name === "pass-through" || g == null || v == null ? "" : String(g - v);
  };
  console.log(
    "| target | non-stream µs/req | req/s | gateway − this | stream µs/req | req/s | gateway − this | what it switches off |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const name of Object.keys(table)) {
    const n = table[name].non_stream!;
    const s = table[name].stream!;
    const about = VARIANTS[name]?.about ?? (name === "gateway" ? "nothing (as shipped)" : "bare pass-through Worker");
    console.log(
      `| ${name} | ${n.us} | ${n.rps} | ${delta(name, "non_stream")} | ${s.us} | ${s.rps} | ${delta(name, "stream")} | ${about} |`,
    );
  }
  if (ladder) console.log(`\n${ladderTable([...variants, "gateway"], table)}`);
  if (stack.runtimeErrors.length)
    console.log(
      `\nworkerd stderr: ${stack.runtimeErrors.length} lines; first: ${stack.runtimeErrors[0].slice(0, 300)}`,
    );
} finally {
  await stack.close();
}
