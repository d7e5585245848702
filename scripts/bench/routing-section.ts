// `routing` section: runs benchRouting() from scripts/bench-routing.ts (route
// resolution over 10,000 synthetic tenants, no Workers involved). That file
// is owned by the routing work; it is imported dynamically so the harness
// still runs, with a note, if it is absent or does not export benchRouting.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { BenchSection } from "./sections";

type RoutingResult = Record<string, number | boolean>;
type BenchRouting = (options?: Record<string, number>) => Promise<RoutingResult>;

const MODULE_URL = new URL("../bench-routing.ts", import.meta.url);

async function loadBenchRouting(): Promise<BenchRouting | string> {
  if (!existsSync(fileURLToPath(MODULE_URL))) return "scripts/bench-routing.ts is missing";
  // A runtime specifier: this file must type-check whether or not that module exists.
  const mod = (await import(MODULE_URL.href)) as { benchRouting?: unknown };
  return typeof mod.benchRouting === "function"
    ? (mod.benchRouting as BenchRouting)
    : "scripts/bench-routing.ts does not export benchRouting";
}

const ROWS: [string, string, string][] = [
  ["tenants", "tenants × tasks", "tasks_per_tenant"],
  ["validate_ms", "validate all manifests (ms)", ""],
  ["compile_per_tenant_us", "compile per tenant (µs)", ""],
  ["resolve_median_us", "resolve median (µs)", ""],
  ["resolve_p99_us", "resolve p99 (µs)", ""],
  ["resolve_mean_us", "resolve mean, batched (µs)", ""],
  ["heap_used_mb", "heap used (MB)", ""],
];

function markdown(r: RoutingResult): string {
  const lines = ["### Routing (pure resolution, Node)", "", "| measure | value |", "| --- | --- |"];
  for (const [key, label, extra] of ROWS) {
    if (r[key] === undefined) continue;
    lines.push(`| ${label} | ${extra ? `${r[key]} × ${r[extra]}` : r[key]} |`);
  }
  if (r.target_median_us !== undefined) {
    lines.push(`| target: median < ${r.target_median_us} µs | ${r.meets_target ? "met" : "**missed**"} |`);
  }
  return lines.join("\n");
}

export const routingSection: BenchSection = {
  name: "routing",
  usesStack: false,
  async run(ctx) {
    const bench = await loadBenchRouting();
    if (typeof bench === "string") {
      ctx.log(`routing: skipped (${bench})`);
      return { json: { skipped: bench }, markdown: `### Routing\n\nSkipped: ${bench}.` };
    }
    ctx.log("routing: resolving routes over synthetic tenants …");
    const result = await bench();
    return { json: { measured_at: new Date().toISOString(), ...result }, markdown: markdown(result) };
  },
};
