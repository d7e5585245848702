// `routing` section: runs benchRouting() from scripts/bench-routing.ts (route
// resolution over 10,000 synthetic tenants, in Node, no Workers involved).
// `npm run bench:routing` runs the same code alone.
import { benchRouting, type RoutingBenchResult } from "../bench-routing";
import type { BenchSection } from "./sections";

type RoutingSummary = { measured_at: string } & RoutingBenchResult;

const ROWS: [keyof RoutingBenchResult, string][] = [
  ["validate_ms", "validate all manifests (ms)"],
  ["compile_per_tenant_us", "compile per tenant (µs)"],
  ["resolve_median_us", "resolve median (µs)"],
  ["resolve_p99_us", "resolve p99 (µs)"],
  ["route_and_replica_median_us", "resolve + replica choice, median (µs)"],
  ["route_and_replica_p99_us", "resolve + replica choice, p99 (µs)"],
  ["route_and_replica_hot_median_us", "resolve + replica choice, median, 100 hot tenants (µs)"],
  ["resolve_mean_us", "resolve mean, batched (µs)"],
  ["resolve_hot_median_us", "resolve median, 100 hot tenants (µs)"],
  ["resolve_hot_p99_us", "resolve p99, 100 hot tenants (µs)"],
  ["timer_overhead_us", "timer overhead, included above (µs)"],
  ["snapshot_kb_per_tenant", "compiled snapshot per tenant (KB)"],
  ["heap_used_mb", "heap used (MB)"],
];

function markdown(r: RoutingSummary): string {
  return [
    "| measure | value |",
    "| --- | --- |",
    `| tenants × tasks | ${r.tenants} × ${r.tasks_per_tenant} |`,
    ...ROWS.filter(([key]) => r[key] !== undefined).map(([key, label]) => `| ${label} | ${r[key]} |`),
    `| target: median < ${r.target_median_us} µs (with replica choice) | ${r.meets_target ? "met" : "**missed**"} |`,
    "",
    `${r.resolutions} resolutions with random tenants, tasks and users from a seeded PRNG; per-call times include the timer.`,
  ].join("\n");
}

export const routingSection: BenchSection<RoutingSummary> = {
  name: "routing",
  title: "Routing (pure resolution, Node)",
  usesStack: false,
  async run(ctx) {
    ctx.log("routing: resolving routes over synthetic tenants …");
    return { measured_at: new Date().toISOString(), ...(await benchRouting()) };
  },
  render: markdown,
};
