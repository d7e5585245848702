// Attributes a V8 CPU profile of the gateway isolate to the parts of its hot
// path. Each sample's time goes to the innermost frame that belongs to the
// gateway's code or its libraries (so native work such as crypto.digest or
// JSON.parse counts for the module that called it). Bundle lines are mapped
// to source modules through the `// src/…` and `// node_modules/…` markers
// esbuild writes into an unminified bundle, which `wrangler deploy --dry-run`
// produces.
import { readFileSync } from "node:fs";
import type { CpuProfile, CpuProfileNode } from "./cdp-client";

/** Hot-path parts, first match wins (module path prefixes). */
const CATEGORIES: [string, RegExp][] = [
  ["auth lookup (key hash, snapshot)", /^src\/(auth\/(api-key-auth|hash-key)|registry\/registry-cache)/],
  ["response headers (feedback token)", /^src\/auth\/feedback-token/],
  [
    "validation (zod, OpenAPI route)",
    /^(node_modules\/(zod|@hono\/zod-openapi|@hono\/zod-validator|@asteasolutions)|node_modules\/hono\/dist\/validator|src\/schemas|src\/api\/validation-hook)/,
  ],
  ["routing", /^src\/routing\//],
  ["tone", /^src\/tone\//],
  ["planning glue (plan-chat, api/chat)", /^src\/(chat\/plan-chat|api\/chat)/],
  ["run-chat (record, headers, JSON re-encode)", /^src\/chat\/run-chat/],
  [
    "stream copy (scan, rewrite, capture)",
    /^(src\/stream\/|src\/logging\/(capture-stream|completion-capture)|src\/providers\/sse|node_modules\/eventsource-parser)/,
  ],
  ["queue send (serialize record, LOG_QUEUE.send)", /^src\/logging\/(log-producer|interaction-record)/],
  ["queue consumer (D1 batch insert)", /^(src\/logging\/(log-consumer|write-interactions)|node_modules\/drizzle-orm)/],
  ["upstream call (fetch, timeout, fallback)", /^src\/providers\//],
  ["request id", /^src\/middleware\//],
  ["Hono (routing, context, compose)", /^node_modules\/hono\//],
  ["other gateway code", /^(src|node_modules)\//],
];

interface ModuleMap {
  starts: number[];
  names: string[];
}

export function readModuleMap(bundlePath: string): ModuleMap {
  const starts: number[] = [];
  const names: string[] = [];
  readFileSync(bundlePath, "utf8")
    .split("\n")
    .forEach((line, i) => {
      const m = /^\/\/ ((?:src|node_modules)\/\S+)$/.exec(line);
      if (m) {
        starts.push(i);
        names.push(m[1]);
      }
    });
  return { starts, names };
}

function moduleAt(map: ModuleMap, line: number): string | null {
  let lo = 0;
  let hi = map.starts.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (map.starts[mid] <= line) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found < 0 ? null : map.names[found];
}

export interface Attribution {
  sampled_ms: number;
  by_category: Record<string, number>;
  by_module: Record<string, number>;
  by_function: Record<string, number>;
}

export function attribute(profile: CpuProfile, map: ModuleMap, bundleName = "index.js"): Attribution {
  const byId = new Map<number, CpuProfileNode>(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const owner = new Map<number, { module: string; fn: string }>();
  const ownerOf = (id: number): { module: string; fn: string } => {
    const cached = owner.get(id);
    if (cached) return cached;
    const node = byId.get(id)!;
    const { url, functionName, lineNumber } = node.callFrame;
    let result: { module: string; fn: string };
    if (url.endsWith(bundleName)) {
      const module = moduleAt(map, lineNumber) ?? "(bundle prelude)";
      result = { module, fn: `${functionName || "(anonymous)"} ${module}` };
    } else if (["(idle)", "(program)", "(garbage collector)", "(root)"].includes(functionName)) {
      result = { module: functionName, fn: functionName };
    } else {
      const up = parent.get(id);
      const via = up === undefined ? { module: "(runtime)", fn: "(runtime)" } : ownerOf(up);
      const where = url ? ` [${url.replace(/^.*\//, "")}]` : "";
      result = { module: via.module, fn: `${functionName || "(native)"}${where} ← ${via.fn}` };
    }
    owner.set(id, result);
    return result;
  };
  const by_module: Record<string, number> = {};
  const by_function: Record<string, number> = {};
  let sampled = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000; // delta i+1 is the time spent in sample i
    const { module, fn } = ownerOf(id);
    if (module === "(idle)") return;
    sampled += ms;
    by_module[module] = (by_module[module] ?? 0) + ms;
    by_function[fn] = (by_function[fn] ?? 0) + ms;
  });
  const by_category: Record<string, number> = {};
  for (const [module, ms] of Object.entries(by_module)) {
    const category = CATEGORIES.find(([, re]) => re.test(module))?.[0] ?? `runtime: ${module}`;
    by_category[category] = (by_category[category] ?? 0) + ms;
  }
  return { sampled_ms: sampled, by_category, by_module, by_function };
}

/** Total non-idle sampled time of a profile (for isolates other than the gateway). */
export function busyMs(profile: CpuProfile): number {
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === "(idle)").map((n) => n.id));
  let ms = 0;
  profile.samples.forEach((id, i) => {
    if (!idle.has(id)) ms += (profile.timeDeltas[i + 1] ?? 0) / 1000;
  });
  return ms;
}
