// Manifest validation: zod for the shape, then the checks that need the whole
// document (references between upstreams, adapters and tasks; split weights;
// fallback cycles; where tone presets may sit).
//
// A broken manifest must fail when it is loaded with a message that names the
// field (STYLE.md habit 6), so every issue carries an RFC 6901 JSON pointer
// into the document as written, e.g. /tasks/0/rules/1/target. Validation
// returns a tagged result and never throws; the admin API and the sync script
// decide how to show it.
import * as z from "zod";
import { normalizeReplicaUrl } from "../upstreams/replica-url";
import { FALLBACK_TASK_PREFIX, ManifestSchema, type Adapter, type Manifest, type Upstream } from "../schemas/manifest";
import { DEFAULT_AUDIENCE } from "../schemas/tone-preset";

export interface ManifestIssue {
  /** RFC 6901 JSON pointer into the manifest, "" for the document itself. */
  pointer: string;
  message: string;
}

export type ManifestValidation = { ok: true; manifest: Manifest } | { ok: false; issues: ManifestIssue[] };

export function validateManifest(input: unknown): ManifestValidation {
  const parsed = ManifestSchema.safeParse(input, {
    // zod's default for a missing field is "expected string, received undefined".
    error: (issue) => (issue.code === "invalid_type" && issue.input === undefined ? "is required" : undefined),
  });
  if (!parsed.success) return { ok: false, issues: unique(zodIssuesToPointers(parsed.error.issues, [])) };
  const issues = semanticIssues(parsed.data);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, manifest: parsed.data };
}

/** One line per issue, for CLI output and error messages. */
export function formatIssues(issues: readonly ManifestIssue[]): string {
  return issues.map((i) => `${i.pointer || "/"}: ${i.message}`).join("\n");
}

/** RFC 6901: "~" becomes "~0" and "/" becomes "~1" inside a segment. */
export function toJsonPointer(path: readonly PropertyKey[]): string {
  let out = "";
  for (const seg of path) out += "/" + String(seg).replace(/~/g, "~0").replace(/\//g, "~1");
  return out;
}

type ZodIssue = z.core.$ZodIssue;

/** Two checks on one field can fail with the same message (base_url's pattern and its refinement). */
function unique(issues: ManifestIssue[]): ManifestIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.pointer}\n${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function zodIssuesToPointers(issues: readonly ZodIssue[], prefix: readonly PropertyKey[]): ManifestIssue[] {
  const out: ManifestIssue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    switch (issue.code) {
      case "invalid_union": {
        // A branch whose issues all sit below the value matched its type (e.g.
        // an object with a `split` key); its issues point at the real field.
        // If no branch got that far, the union's own message is the best one.
        const deep = issue.errors.filter((b) => b.length > 0 && b.every((i) => i.path.length > 0));
        if (deep.length > 0) {
          deep.sort((a, b) => a.length - b.length);
          out.push(...zodIssuesToPointers(deep[0], path));
        } else {
          out.push({ pointer: toJsonPointer(path), message: issue.message });
        }
        break;
      }
      case "unrecognized_keys":
        for (const key of issue.keys)
          out.push({ pointer: toJsonPointer([...path, key]), message: `unknown field "${key}"` });
        break;
      case "invalid_key":
        out.push({
          pointer: toJsonPointer(path),
          message: `invalid key: ${issue.issues[0]?.message ?? issue.message}`,
        });
        break;
      default:
        out.push({ pointer: toJsonPointer(path), message: issue.message });
    }
  }
  return out;
}

function semanticIssues(m: Manifest): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  const add = (pointer: string, message: string) => issues.push({ pointer, message });

  const upstreamIds = new Set<string>();
  m.upstreams.forEach((u, i) => {
    const at = `/upstreams/${i}`;
    if (upstreamIds.has(u.id)) add(`${at}/id`, `duplicate upstream id "${u.id}"`);
    upstreamIds.add(u.id);
    if (u.kind === "openai-compatible") {
      if (u.base_url === undefined && u.replicas === undefined)
        add(`${at}/base_url`, "is required for an openai-compatible upstream (or list its `replicas`)");
      if (u.base_url !== undefined && u.replicas !== undefined)
        add(`${at}/replicas`, "give either base_url or replicas, not both");
      const urls = new Set<string>();
      u.replicas?.forEach((url, k) => {
        const key = normalizeReplicaUrl(url);
        if (urls.has(key)) add(`${at}/replicas/${k}`, `duplicate replica "${url}"`);
        urls.add(key);
      });
    } else {
      // Workers AI is reached through the AI binding: no URL, key or headers.
      for (const field of ["base_url", "replicas", "breaker", "dialect", "api_key_secret", "headers"] as const) {
        if (u[field] !== undefined) add(`${at}/${field}`, `is not allowed for a workers-ai upstream`);
      }
    }
  });

  const versions = new Set<string>();
  m.adapters.forEach((a, i) => {
    const at = `/adapters/${i}`;
    if (versions.has(a.version)) add(`${at}/version`, `duplicate adapter version "${a.version}"`);
    versions.add(a.version);
    const upstream = m.upstreams.find((u) => u.id === a.upstream);
    if (!upstream) add(`${at}/upstream`, `names no upstream: "${a.upstream}"`);
    else adapterLimitIssues(a, upstream, at, add);
  });

  const taskNames = new Set<string>();
  m.tasks.forEach((t, i) => {
    if (taskNames.has(t.name)) add(`/tasks/${i}/name`, `duplicate task name "${t.name}"`);
    taskNames.add(t.name);
  });

  // task name -> outgoing `task:` fallback edges, for the cycle check below.
  const edges = new Map<string, { to: string; pointer: string }[]>();
  m.tasks.forEach((task, ti) => {
    const ruleIds = new Set<string>();
    const taskEdges = edges.get(task.name) ?? [];
    edges.set(task.name, taskEdges);
    task.rules.forEach((rule, ri) => {
      const at = `/tasks/${ti}/rules/${ri}`;
      if (ruleIds.has(rule.id)) add(`${at}/id`, `duplicate rule id "${rule.id}" in task "${task.name}"`);
      ruleIds.add(rule.id);

      if (typeof rule.target === "string") {
        if (!versions.has(rule.target)) add(`${at}/target`, `names no adapter version: "${rule.target}"`);
      } else {
        const seen = new Set<string>();
        let positive = false;
        rule.target.split.forEach((entry, k) => {
          const p = `${at}/target/split/${k}/version`;
          if (!versions.has(entry.version)) add(p, `names no adapter version: "${entry.version}"`);
          else if (seen.has(entry.version)) add(p, `version "${entry.version}" is listed twice in the split`);
          seen.add(entry.version);
          if (entry.weight > 0) positive = true;
        });
        if (!positive) add(`${at}/target/split`, "a split needs at least one entry with a positive weight");
      }

      const listed = new Set<string>();
      (rule.fallback ?? []).forEach((entry, k) => {
        const p = `${at}/fallback/${k}`;
        if (listed.has(entry)) add(p, `"${entry}" is listed twice in the fallback chain`);
        listed.add(entry);
        if (entry.startsWith(FALLBACK_TASK_PREFIX)) {
          const to = entry.slice(FALLBACK_TASK_PREFIX.length);
          if (!taskNames.has(to)) add(p, `names no task: "${to}"`);
          else taskEdges.push({ to, pointer: p });
        } else if (!versions.has(entry)) {
          add(p, `names no adapter version: "${entry}"`);
        } else if (entry === rule.target) {
          add(p, `fallback cycle: the chain revisits the rule's own target "${entry}"`);
        }
      });
    });

    presetIssues(task.tone ?? [], `/tasks/${ti}/tone`, false, add);
  });
  presetIssues(m.tone ?? [], "/tone", true, add);

  for (const cycle of findFallbackCycles(edges)) add(cycle.pointer, `fallback cycle: ${cycle.path.join(" -> ")}`);
  return issues;
}

// Workers AI fine-tunes (REFERENCE.md, Workers AI LoRA): LoRA-capable catalog
// models are the "-lora" variants; adapters of rank <= 32 and under 300 MB.
const WORKERS_AI_MAX_RANK = 32;
const WORKERS_AI_MAX_SIZE_MB = 300;

/** What the adapter's upstream can serve: loading only where the gateway can load, the platform's limits. */
function adapterLimitIssues(
  a: Adapter,
  upstream: Upstream,
  at: string,
  add: (pointer: string, message: string) => void,
): void {
  if (a.load === "on_demand") {
    if (upstream.kind !== "openai-compatible" || upstream.dialect !== "vllm") {
      add(
        `${at}/load`,
        "on_demand loading is for vllm upstreams (the gateway calls /v1/load_lora_adapter); LoRAX and Workers AI load by themselves",
      );
    }
    if (a.source === undefined)
      add(`${at}/source`, "is required for an on_demand adapter (it is the lora_path to load)");
  }
  if (upstream.kind !== "workers-ai") return;
  const usesLora = a.served_name !== a.base_model;
  if (usesLora && !a.base_model.endsWith("-lora")) {
    add(`${at}/base_model`, `Workers AI serves fine-tunes only on LoRA-capable models (names ending in "-lora")`);
  }
  if (a.rank !== undefined && a.rank > WORKERS_AI_MAX_RANK) {
    add(`${at}/rank`, `Workers AI takes LoRA adapters of rank <= ${WORKERS_AI_MAX_RANK}`);
  }
  if (a.size_mb !== undefined && a.size_mb >= WORKERS_AI_MAX_SIZE_MB) {
    add(`${at}/size_mb`, `Workers AI takes LoRA adapters under ${WORKERS_AI_MAX_SIZE_MB} MB`);
  }
}

function presetIssues(
  presets: readonly { audience: string }[],
  at: string,
  tenantLevel: boolean,
  add: (pointer: string, message: string) => void,
): void {
  const audiences = new Set<string>();
  presets.forEach((p, k) => {
    const pointer = `${at}/${k}/audience`;
    if (p.audience === DEFAULT_AUDIENCE && !tenantLevel) {
      add(pointer, `audience "${DEFAULT_AUDIENCE}" (the tenant default) is only allowed in the tenant-level tone list`);
    } else if (audiences.has(p.audience)) {
      add(pointer, `duplicate preset for audience "${p.audience}" at this level`);
    }
    audiences.add(p.audience);
  });
}

/**
 * Depth-first search over `task:` edges; every back edge closes a cycle and is
 * reported once, at the fallback entry that closes it.
 */
function findFallbackCycles(
  edges: ReadonlyMap<string, readonly { to: string; pointer: string }[]>,
): { pointer: string; path: string[] }[] {
  const found: { pointer: string; path: string[] }[] = [];
  const state = new Map<string, "active" | "done">();
  const stack: string[] = [];
  const visit = (task: string): void => {
    state.set(task, "active");
    stack.push(task);
    for (const edge of edges.get(task) ?? []) {
      const s = state.get(edge.to);
      if (s === "active")
        found.push({ pointer: edge.pointer, path: [...stack.slice(stack.indexOf(edge.to)), edge.to] });
      else if (s === undefined) visit(edge.to);
    }
    stack.pop();
    state.set(task, "done");
  };
  for (const task of edges.keys()) if (!state.has(task)) visit(task);
  return found;
}
