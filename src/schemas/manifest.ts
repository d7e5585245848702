// Tenant manifest: upstreams, adapter versions, tasks with routing rules, and
// tone presets (DESIGN.md, Routing). This is the one source of truth for the
// shape: TypeScript types come from z.infer and adapters/schema.json (what
// editors complete against) is generated from it by
// scripts/gen-manifest-schema.ts.
//
// Only structural checks live here (types, slugs, ranges, http(s) URLs).
// Checks that need the whole document (does a target name a declared version,
// is there a fallback cycle) are in src/registry/validate-manifest.ts, so the
// JSON Schema stays a plain, editor-friendly description.
//
// Objects are strict: a typo'd key in a hand-written manifest is an error when
// it is loaded, not a silently ignored field (STYLE.md habit 6). Array caps
// bound the size of a compiled snapshot and the work of one resolution.
import * as z from "zod";
import { TonePresetSchema } from "./tone-preset";

/** Tenant, upstream, adapter, task and rule identifiers. */
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
const SLUG_MESSAGE = "must be a lowercase slug: [a-z0-9][a-z0-9-]*, at most 63 characters";
export const SlugSchema = z.string().regex(SLUG_PATTERN, SLUG_MESSAGE);

/**
 * Adapter versions are what targets name and what `task@version` pins. No
 * "@" (the pin separator) and no ":" (the `task:` fallback prefix); sent
 * verbatim in the x-switchyard-adapter-version header, so ASCII only.
 */
export const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const VersionSchema = z
  .string()
  .regex(VERSION_PATTERN, "must be 1-64 characters of [A-Za-z0-9._-], starting with a letter or digit")
  .describe("adapter version, unique within the tenant");

/** A fallback entry naming a task instead of a version: `task:<name>`. */
export const FALLBACK_TASK_PREFIX = "task:";

const HTTP_URL_PATTERN = /^https?:\/\/\S+$/;
function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

export const DialectSchema = z
  .enum(["vllm", "lorax", "tgi", "openai"])
  .describe("where the adapter goes in the upstream request and how its errors look; default openai");

const HttpUrlSchema = z
  .string()
  .regex(HTTP_URL_PATTERN, "must be an http(s) URL")
  .refine(isHttpUrl, "must be an http(s) URL");

/** Replicas per upstream: each is a health entry per isolate and one inventory read per refresh. */
export const MAX_REPLICAS = 16;

export const BreakerSchema = z
  .strictObject({
    failures: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(3)
      .describe("consecutive network errors, 5xx or timeouts that open a replica's circuit"),
    cooldown_ms: z
      .number()
      .int()
      .min(100)
      .max(600_000)
      .default(30_000)
      .describe("how long an open circuit skips the replica before one probe request may try it"),
  })
  .describe("passive circuit breaker per replica, kept per isolate");

export const UpstreamSchema = z
  .strictObject({
    id: SlugSchema.describe("referenced by adapters[].upstream"),
    kind: z.enum(["openai-compatible", "workers-ai"]),
    // The pattern puts the rule in the JSON Schema for editors; the
    // refinement makes sure the URL actually parses.
    base_url: z
      .string()
      .regex(HTTP_URL_PATTERN, "base_url must be an http(s) URL")
      .refine(isHttpUrl, "base_url must be an http(s) URL")
      .optional()
      .describe(
        "one server: required for openai-compatible unless `replicas` is given, not allowed for workers-ai; e.g. http://127.0.0.1:8788/v1",
      ),
    replicas: z
      .array(HttpUrlSchema)
      .min(1)
      .max(MAX_REPLICAS)
      .optional()
      .describe(
        "base URLs of several servers that serve the same adapters (instead of base_url); each version's traffic concentrates on the replicas that hold it",
      ),
    breaker: BreakerSchema.optional(),
    dialect: DialectSchema.optional(),
    api_key_secret: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, "must be the name of a Worker secret, e.g. ACME_VLLM_KEY")
      .optional()
      .describe("name of the Worker secret holding the upstream API key (never the key itself)"),
    // Workers let a request wait on fetch far longer than its CPU budget, but
    // a client rarely waits more than a few minutes; 5 min is the ceiling.
    timeout_ms: z.number().int().min(100).max(300_000).default(30_000),
    headers: z
      .record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, "must be an HTTP header name"), z.string().max(1024))
      .optional()
      .describe("static extra request headers"),
    stream_mode: z
      .enum(["rewrite", "native"])
      .optional()
      .describe(
        "rewrite (default): each streamed chunk carries the gateway's id and model; native: the upstream's chunks go to the client as sent (its own id and model name), piped without JavaScript per chunk — cheaper, see docs/streaming.md",
      ),
  })
  .describe("a model server the gateway calls");

export const AdapterSchema = z
  .strictObject({
    name: SlugSchema.describe("adapter family, e.g. acme-support"),
    version: VersionSchema,
    upstream: SlugSchema.describe("id of an entry in upstreams"),
    base_model: z.string().min(1).max(256),
    served_name: z
      .string()
      .min(1)
      .max(256)
      .describe(
        "what the upstream calls it: a vLLM LoRA name, a LoRAX adapter id, a Workers AI fine-tune (its `lora`), an OpenAI ft: model",
      ),
    source: z
      .string()
      .min(1)
      .max(1024)
      .regex(/^\S+$/, "must not contain whitespace")
      .optional()
      .describe(
        "where the weights are: hf://org/repo@revision, s3://bucket/prefix, or a path the server can read; sent as lora_path when the gateway loads it",
      ),
    load: z
      .enum(["preloaded", "on_demand"])
      .optional()
      .describe(
        "preloaded (default): the server already holds it; on_demand: the gateway loads it (vLLM /v1/load_lora_adapter) on a replica that answers that it is not loaded",
      ),
    rank: z.number().int().min(1).max(1024).optional().describe("LoRA rank, checked against the upstream's limit"),
    size_mb: z
      .number()
      .min(0)
      .max(1_000_000)
      .optional()
      .describe("adapter weights in MB, checked against the upstream's limit"),
  })
  .describe("one adapter VERSION (a LoRA adapter or a fine-tune)");

/** Request facts a `when` condition can test. */
export const FACT_PATH_PATTERN = /^(audience|user|region|metadata\.[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63})$/;

const FactValue = z.string().max(256);
export const PredicateSchema = z.union(
  [
    z.strictObject({ equals: FactValue }),
    z.strictObject({ in: z.array(FactValue).min(1).max(256) }),
    z.strictObject({ exists: z.boolean() }),
    z.strictObject({ prefix: FactValue }),
  ],
  { error: "a predicate is exactly one of {equals: string}, {in: string[]}, {exists: boolean}, {prefix: string}" },
);

export const WhenSchema = z
  .record(
    z.string().regex(FACT_PATH_PATTERN, "a fact path is audience, user, region or metadata.<key>"),
    PredicateSchema,
  )
  .describe("fact path -> predicate; all must hold. No `when` matches every request");

export const SplitEntrySchema = z.strictObject({
  version: VersionSchema,
  weight: z.number().min(0).max(1_000_000).describe("relative weight; at least one entry must be > 0"),
});

export const TargetSchema = z.union(
  [
    VersionSchema,
    z
      .strictObject({ split: z.array(SplitEntrySchema).min(1).max(16) })
      .describe("weighted split, sticky by user (else by request id)"),
  ],
  { error: "target is an adapter version or {split: [{version, weight}]}" },
);

export const FallbackEntrySchema = z
  .string()
  .regex(
    /^(task:[a-z0-9][a-z0-9-]{0,62}|[A-Za-z0-9][A-Za-z0-9._-]{0,63})$/,
    "a fallback entry is an adapter version or task:<task name>",
  )
  .describe("an adapter version, or task:<name> (that task's primary, then its fallbacks)");

export const RuleSchema = z.strictObject({
  id: SlugSchema.describe("named in the x-switchyard-route response header"),
  when: WhenSchema.optional(),
  target: TargetSchema,
  fallback: z.array(FallbackEntrySchema).max(8).optional().describe("tried in order when the primary fails"),
});

export const TaskSchema = z.strictObject({
  name: SlugSchema.describe("what clients send as `model`"),
  description: z.string().max(500).optional(),
  allow_pinning: z
    .boolean()
    .default(false)
    .describe("accept `task@version` for versions that appear in this task's rules"),
  rules: z.array(RuleSchema).min(1).max(64).describe("first match wins"),
  tone: z.array(TonePresetSchema).max(64).optional().describe("task-level presets; win over tenant-level ones"),
});

// Caps keep one tenant's counters bounded: the limiter keeps one row per
// request of the last minute (src/limits/limiter-store.ts), so 100,000 rpm
// bounds that table, and a Durable Object serves about a thousand requests a
// second anyway.
export const LimitValuesSchema = z.strictObject({
  requests_per_minute: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .optional()
    .describe("chat completions admitted in any 60 s (sliding window)"),
  tokens_per_day: z
    .number()
    .int()
    .min(1)
    .max(1_000_000_000_000)
    .optional()
    .describe("prompt + completion tokens per UTC day, counted from usage; refused once reached"),
  max_concurrent_streams: z.number().int().min(1).max(10_000).optional().describe("streamed completions open at once"),
});

export const LimitsSchema = LimitValuesSchema.extend({
  per_key: LimitValuesSchema.optional().describe("the same limits, applied to each API key of the tenant on its own"),
}).describe("the tenant's limits (all its keys together) and, in per_key, each key's; none = unlimited");

export const ManifestSchema = z
  .strictObject({
    $schema: z.string().optional(),
    tenant: SlugSchema,
    display_name: z.string().min(1).max(200).optional(),
    upstreams: z.array(UpstreamSchema).min(1).max(16),
    adapters: z.array(AdapterSchema).min(1).max(256),
    tasks: z.array(TaskSchema).min(1).max(128),
    tone: z.array(TonePresetSchema).max(64).optional().describe('tenant-level presets; audience "*" is the default'),
    limits: LimitsSchema.optional(),
    retention_days: z
      .number()
      .int()
      .min(1)
      .max(3650)
      .optional()
      .describe(
        "days an interaction (with its feedback and stored bodies) is kept; a daily sweep deletes older ones; none = kept",
      ),
  })
  .meta({
    title: "Switchyard tenant manifest",
    description:
      "Upstreams, adapter versions, tasks with routing rules, and tone presets of one Switchyard tenant. Generated from src/schemas/manifest.ts; do not edit by hand.",
  });

export type Manifest = z.infer<typeof ManifestSchema>;
export type ManifestInput = z.input<typeof ManifestSchema>;
export type Upstream = z.infer<typeof UpstreamSchema>;
export type Breaker = z.infer<typeof BreakerSchema>;
export type Dialect = z.infer<typeof DialectSchema>;
export type Adapter = z.infer<typeof AdapterSchema>;
export type Predicate = z.infer<typeof PredicateSchema>;
export type When = z.infer<typeof WhenSchema>;
export type SplitEntry = z.infer<typeof SplitEntrySchema>;
export type Target = z.infer<typeof TargetSchema>;
export type Rule = z.infer<typeof RuleSchema>;
export type Task = z.infer<typeof TaskSchema>;
export type LimitValues = z.infer<typeof LimitValuesSchema>;
export type Limits = z.infer<typeof LimitsSchema>;
