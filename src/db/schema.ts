// Drizzle schema of the gateway's D1 database. Every row that belongs to a
// tenant carries tenant_id as the leading key column, so each query is scoped
// by an index prefix (see docs/storage.md). Times are epoch milliseconds.
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const now = sql`(unixepoch('subsec') * 1000)`;

export const tenants = sqliteTable("tenants", {
  id: text("id").primaryKey(),
  displayName: text("display_name").notNull(),
  createdAt: integer("created_at").notNull().default(now),
});

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    /** hex SHA-256 of the whole key; the key itself is never stored. */
    keyHash: text("key_hash").notNull().unique(),
    /** first characters of the key, so a human can tell keys apart. */
    prefix: text("prefix").notNull(),
    name: text("name").notNull(),
    createdAt: integer("created_at").notNull().default(now),
    revokedAt: integer("revoked_at"),
    /** JSON array of scopes (src/auth/scopes.ts); keys from before scopes hold all. */
    scopes: text("scopes").notNull().default('["chat","feedback","read","export","manage"]'),
    /** epoch ms after which the key no longer works (set on rotation for the old key); null = never. */
    expiresAt: integer("expires_at"),
    /** JSON limits of this key on its own (src/limits), replacing the manifest's per_key for it; null = those. */
    limits: text("limits"),
  },
  (t) => [index("api_keys_tenant").on(t.tenantId)],
);

/** Every applied manifest, newest version = current. Never updated in place. */
export const manifests = sqliteTable(
  "manifests",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    version: integer("version").notNull(),
    body: text("body", { mode: "json" }).notNull(),
    changes: text("changes", { mode: "json" }).notNull(),
    appliedBy: text("applied_by").notNull(),
    appliedAt: integer("applied_at").notNull().default(now),
    /** Why, when the writer says (a rollout's transition); null for a plain apply. */
    reason: text("reason"),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.version] })],
);

/** One row: bumped on every registry change so isolates know to recompile. */
export const registryState = sqliteTable("registry_state", {
  id: integer("id").primaryKey(),
  version: integer("version").notNull(),
  updatedAt: integer("updated_at").notNull().default(now),
});

export const interactions = sqliteTable(
  "interactions",
  {
    requestId: text("request_id").notNull(),
    tenantId: text("tenant_id").notNull(),
    task: text("task").notNull(),
    adapter: text("adapter"),
    adapterVersion: text("adapter_version"),
    route: text("route"),
    tone: text("tone"),
    audience: text("audience"),
    user: text("user"),
    status: text("status", { enum: ["ok", "upstream_error", "client_aborted", "timeout"] }).notNull(),
    error: text("error"),
    httpStatus: integer("http_status"),
    stream: integer("stream", { mode: "boolean" }).notNull(),
    clientMessages: text("client_messages", { mode: "json" }).notNull(),
    upstreamMessages: text("upstream_messages", { mode: "json" }).notNull(),
    params: text("params", { mode: "json" }).notNull(),
    tools: text("tools", { mode: "json" }),
    metadata: text("metadata", { mode: "json" }),
    responseText: text("response_text"),
    responseToolCalls: text("response_tool_calls", { mode: "json" }),
    finishReason: text("finish_reason"),
    promptTokens: integer("prompt_tokens"),
    completionTokens: integer("completion_tokens"),
    usageEstimated: integer("usage_estimated", { mode: "boolean" }).notNull().default(false),
    attempts: text("attempts", { mode: "json" }),
    latencyMs: integer("latency_ms").notNull(),
    ttftMs: integer("ttft_ms"),
    createdAt: integer("created_at").notNull(),
    /**
     * Set when the whole record would not fit D1's 2 MB row: the messages,
     * params, tools and answer are left out of the row and the full record
     * is read from R2 under this key.
     */
    blobKey: text("blob_key"),
    /** Every choice of an n > 1 request ({index, text, tool_calls, finish_reason}); null for n = 1, whose answer is response_text. */
    responseChoices: text("response_choices", { mode: "json" }),
    /** The caller's own id for the request (x-client-request-id), if it sent one; not unique. */
    clientRequestId: text("client_request_id"),
    /**
     * The upstream's own completion id (the `id` of its chunks or body). In
     * native stream mode the client sees this id, not request_id, and may
     * name it in POST /v1/feedback.
     */
    upstreamId: text("upstream_id"),
  },
  (t) => [
    // Tenant first: one tenant's rows must never collide with (or reveal)
    // another's, whatever ids they hold.
    primaryKey({ columns: [t.tenantId, t.requestId] }),
    index("interactions_tenant_time").on(t.tenantId, t.createdAt, t.requestId),
    index("interactions_tenant_task_time").on(t.tenantId, t.task, t.createdAt),
    index("interactions_tenant_client_request").on(t.tenantId, t.clientRequestId),
    index("interactions_tenant_upstream_id").on(t.tenantId, t.upstreamId),
  ],
);

export const feedback = sqliteTable(
  "feedback",
  {
    tenantId: text("tenant_id").notNull(),
    requestId: text("request_id").notNull(),
    /** '' when the feedback names no user: one anonymous vote per request. */
    userKey: text("user_key").notNull(),
    /** Which choice of an n > 1 completion is rated; 0 for the usual single answer. */
    choice: integer("choice").notNull().default(0),
    rating: integer("rating").notNull(),
    score: real("score"),
    comment: text("comment"),
    correction: text("correction"),
    tags: text("tags", { mode: "json" }).$type<string[]>().notNull(),
    source: text("source", { enum: ["api_key", "token"] }).notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.requestId, t.userKey, t.choice] }),
    index("feedback_tenant_updated").on(t.tenantId, t.updatedAt),
  ],
);

export const exportFeeds = sqliteTable(
  "export_feeds",
  {
    tenantId: text("tenant_id").notNull(),
    name: text("name").notNull(),
    format: text("format").notNull(),
    options: text("options", { mode: "json" }).notNull(),
    /** feedback updated_at up to which the feed has been acknowledged. */
    watermark: integer("watermark").notNull().default(0),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.name] })],
);

export const exportJobs = sqliteTable(
  "export_jobs",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    status: text("status", { enum: ["queued", "running", "complete", "failed"] }).notNull(),
    format: text("format").notNull(),
    options: text("options", { mode: "json" }).notNull(),
    rowsDone: integer("rows_done").notNull().default(0),
    rowsTotal: integer("rows_total"),
    parts: integer("parts").notNull().default(0),
    stats: text("stats", { mode: "json" }),
    error: text("error"),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [index("export_jobs_tenant").on(t.tenantId, t.createdAt)],
);

/**
 * What a tenant asked to erase: an end user (every interaction and feedback
 * of theirs up to erased_at) or one interaction. Kept so that a record still
 * in flight on the queue when the erasure ran is dropped when it lands.
 */
export const erasures = sqliteTable(
  "erasures",
  {
    tenantId: text("tenant_id").notNull(),
    kind: text("kind", { enum: ["user", "request"] }).notNull(),
    subject: text("subject").notNull(),
    erasedAt: integer("erased_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.kind, t.subject] })],
);

/**
 * Lineage of every example a feed run served (src/export/lineage.ts): one row
 * per example, in line order per run, so a run's lineage file can be read
 * back and an erasure can tell which example ids it removes.
 */
export const feedExamples = sqliteTable(
  "feed_examples",
  {
    tenantId: text("tenant_id").notNull(),
    feedName: text("feed_name").notNull(),
    /** The run's watermark end (what its cursor acknowledges). */
    runUpTo: integer("run_up_to").notNull(),
    line: integer("line").notNull(),
    exampleId: text("example_id").notNull(),
    /** The LineageEntry as served. */
    lineage: text("lineage").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.feedName, t.runUpTo, t.line] }),
    index("feed_examples_example").on(t.tenantId, t.exampleId),
  ],
);

/** What each served example was built from (interaction ids and feedback ids): erasure looks examples up by these. */
export const feedExampleRefs = sqliteTable(
  "feed_example_refs",
  {
    tenantId: text("tenant_id").notNull(),
    /** An interaction's request id or a feedback id. */
    ref: text("ref").notNull(),
    feedName: text("feed_name").notNull(),
    exampleId: text("example_id").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.ref, t.feedName, t.exampleId] }),
    index("feed_example_refs_example").on(t.tenantId, t.exampleId),
  ],
);

/** Example ids a feed served whose data was erased since: downstream datasets drop them (GET …/feeds/{name}/erasures). */
export const feedErasures = sqliteTable(
  "feed_erasures",
  {
    /** The cursor order. */
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    tenantId: text("tenant_id").notNull(),
    feedName: text("feed_name").notNull(),
    exampleId: text("example_id").notNull(),
    erasedAt: integer("erased_at").notNull(),
  },
  (t) => [
    uniqueIndex("feed_erasures_example").on(t.tenantId, t.feedName, t.exampleId),
    index("feed_erasures_cursor").on(t.tenantId, t.feedName, t.seq),
  ],
);

/**
 * A quality-gated rollout of one candidate version against a baseline in one
 * rule of a task (src/rollouts). A small state machine; every change of the
 * candidate's share is also a new manifest version written in the same batch.
 */
export const rollouts = sqliteTable(
  "rollouts",
  {
    tenantId: text("tenant_id").notNull(),
    id: text("id").notNull(),
    task: text("task").notNull(),
    /** The rule (its id) whose target the rollout moves. */
    rule: text("rule").notNull(),
    baseline: text("baseline").notNull(),
    candidate: text("candidate").notNull(),
    state: text("state", { enum: ["running", "paused", "promoted", "rolled_back", "aborted"] }).notNull(),
    /** Index into config.steps of the current step. */
    step: integer("step").notNull(),
    /** The candidate's share of the rule's traffic now, in percent. */
    share: real("share").notNull(),
    /** Steps, min_feedback, min_step_seconds, guards (defaults filled in). */
    config: text("config", { mode: "json" }).notNull(),
    /** Why the state is what it is (the last transition's reason). */
    stateReason: text("state_reason"),
    stepStartedAt: integer("step_started_at").notNull(),
    /** Both arms' cumulative counts when the step started: per-step counts are now minus this. */
    stepSnapshot: text("step_snapshot", { mode: "json" }),
    /** The last evaluation's decision with its statistics. */
    lastDecision: text("last_decision", { mode: "json" }),
    lastEvaluatedAt: integer("last_evaluated_at"),
    /** The task's rules as the rollout last wrote (or accepted) them: a manual change is told from this. */
    taskRules: text("task_rules", { mode: "json" }).notNull(),
    /** Manifest version the rollout last wrote or accepted. */
    manifestVersion: integer("manifest_version").notNull(),
    /** Optimistic concurrency: a transition updates the row only at the version it read. */
    version: integer("version").notNull().default(0),
    /** Random token of the writer that last moved `version`; the batch's other writes are conditional on it. */
    writeToken: text("write_token"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    endedAt: integer("ended_at"),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index("rollouts_tenant_created").on(t.tenantId, t.createdAt),
    index("rollouts_state").on(t.state),
    // One active (running or paused) rollout per task, enforced by D1 itself.
    uniqueIndex("rollouts_one_active_per_task")
      .on(t.tenantId, t.task)
      .where(sql`state IN ('running', 'paused')`),
  ],
);

/** Every transition of a rollout: what, when, the shares and the numbers behind it. */
export const rolloutEvents = sqliteTable(
  "rollout_events",
  {
    tenantId: text("tenant_id").notNull(),
    rolloutId: text("rollout_id").notNull(),
    seq: integer("seq").notNull(),
    at: integer("at").notNull(),
    action: text("action").notNull(),
    fromShare: real("from_share"),
    toShare: real("to_share"),
    reason: text("reason").notNull(),
    /** The statistics behind the decision (null for manual actions). */
    stats: text("stats", { mode: "json" }),
    actor: text("actor").notNull(),
    /** The manifest version this transition wrote, if it wrote one. */
    manifestVersion: integer("manifest_version"),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.rolloutId, t.seq] })],
);

/**
 * Hourly aggregates per (tenant, task, adapter version, audience): what stats
 * and rollout decisions read instead of scanning interactions (docs/stats.md).
 * Maintained by the log consumer (rows actually inserted, with the feedback
 * already on them) and by feedback writes (old verdict out, new one in).
 * '' stands for "no version" / "no audience" (a NULL would never conflict).
 * Holds no personal data, so erasure and retention leave it alone.
 */
export const versionRollups = sqliteTable(
  "version_rollups",
  {
    tenantId: text("tenant_id").notNull(),
    task: text("task").notNull(),
    /** epoch ms of the start of the UTC hour of the interaction's created_at. */
    hour: integer("hour").notNull(),
    adapterVersion: text("adapter_version").notNull(),
    audience: text("audience").notNull(),
    /** adapter family of the version (versions are unique within a tenant, so not part of the key). */
    adapter: text("adapter"),
    requests: integer("requests").notNull().default(0),
    ok: integer("ok").notNull().default(0),
    upstreamErrors: integer("upstream_errors").notNull().default(0),
    timeouts: integer("timeouts").notNull().default(0),
    clientAborted: integer("client_aborted").notNull().default(0),
    promptTokens: integer("prompt_tokens").notNull().default(0),
    completionTokens: integer("completion_tokens").notNull().default(0),
    latencyMsSum: integer("latency_ms_sum").notNull().default(0),
    ttftMsSum: integer("ttft_ms_sum").notNull().default(0),
    ttftCount: integer("ttft_count").notNull().default(0),
    rated: integer("rated").notNull().default(0),
    positive: integer("positive").notNull().default(0),
    negative: integer("negative").notNull().default(0),
    /** ratings that carried a score (0..1); mean_score divides by this, not by rated. */
    scored: integer("scored").notNull().default(0),
    scoreSum: real("score_sum").notNull().default(0),
    scoreSqSum: real("score_sq_sum").notNull().default(0),
    corrections: integer("corrections").notNull().default(0),
    /**
     * Latency histogram, sparse: JSON object {bucket index: count} over the
     * fixed buckets of src/stats/latency-histogram.ts. One JSON column, not a
     * column per bucket: D1 allows at most 100 columns per table.
     */
    latencyHist: text("latency_hist", { mode: "json" }).$type<Record<string, number>>().notNull().default({}),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.task, t.hour, t.adapterVersion, t.audience] }),
    index("version_rollups_tenant_hour").on(t.tenantId, t.hour),
  ],
);
