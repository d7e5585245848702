// D1 reads and writes of rollouts and their history (tables `rollouts`,
// `rollout_events`; docs/storage.md). Every query is scoped by tenant.
//
// Concurrency: two evaluations (the cron and an evaluate call, or two
// isolates' crons) may read the same row and reach the same decision. A
// transition is one D1 batch (one transaction): first an UPDATE that only
// matches the version it read and stamps a random write token, then the
// history row and the manifest version, each guarded by "the row carries my
// token". The loser's UPDATE matches nothing, so its other writes are no-ops:
// exactly one transition, one manifest version, one history row.
import { manifestVersionWrites, type ManifestVersionRow, type WriteGuard } from "../registry/manifest-store";
import type { Rule } from "../schemas/manifest";
import type { Decision, RolloutConfig } from "./decision";
import type { Snapshots } from "./rollout-counts";
import type { Position, RolloutState, TransitionAction } from "./rollout-machine";

export interface Rollout {
  tenant: string;
  id: string;
  task: string;
  rule: string;
  baseline: string;
  candidate: string;
  state: RolloutState;
  step: number;
  share: number;
  config: RolloutConfig;
  stateReason: string | null;
  stepStartedAt: number;
  snapshots: Snapshots;
  lastDecision: StoredDecision | null;
  lastEvaluatedAt: number | null;
  taskRules: Rule[];
  manifestVersion: number;
  version: number;
  createdAt: number;
  updatedAt: number;
  endedAt: number | null;
}

/** A decision as stored and shown: what the rule said, when, at which step. */
export interface StoredDecision extends Decision {
  at: number;
  step: number;
  share: number;
}

export interface RolloutEvent {
  seq: number;
  at: number;
  action: TransitionAction;
  from_share: number | null;
  to_share: number | null;
  reason: string;
  stats: unknown;
  actor: string;
  manifest_version: number | null;
}

interface RolloutRow {
  tenant_id: string;
  id: string;
  task: string;
  rule: string;
  baseline: string;
  candidate: string;
  state: RolloutState;
  step: number;
  share: number;
  config: string;
  state_reason: string | null;
  step_started_at: number;
  step_snapshot: string | null;
  last_decision: string | null;
  last_evaluated_at: number | null;
  task_rules: string;
  manifest_version: number;
  version: number;
  created_at: number;
  updated_at: number;
  ended_at: number | null;
}

const json = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));

function fromRow(r: RolloutRow): Rollout {
  return {
    tenant: r.tenant_id,
    id: r.id,
    task: r.task,
    rule: r.rule,
    baseline: r.baseline,
    candidate: r.candidate,
    state: r.state,
    step: r.step,
    share: r.share,
    config: JSON.parse(r.config),
    stateReason: r.state_reason,
    stepStartedAt: r.step_started_at,
    snapshots: JSON.parse(r.step_snapshot!),
    lastDecision: json(r.last_decision),
    lastEvaluatedAt: r.last_evaluated_at,
    taskRules: JSON.parse(r.task_rules),
    manifestVersion: r.manifest_version,
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    endedAt: r.ended_at,
  };
}

export async function getRollout(db: D1Database, tenant: string, id: string): Promise<Rollout | null> {
  const row = await db
    .prepare("SELECT * FROM rollouts WHERE tenant_id = ? AND id = ?")
    .bind(tenant, id)
    .first<RolloutRow>();
  return row ? fromRow(row) : null;
}

/** Newest first. */
export async function listRollouts(db: D1Database, tenant: string, limit = 100): Promise<Rollout[]> {
  const { results } = await db
    .prepare("SELECT * FROM rollouts WHERE tenant_id = ? ORDER BY created_at DESC, id DESC LIMIT ?")
    .bind(tenant, limit)
    .all<RolloutRow>();
  return results.map(fromRow);
}

/** The tenant's running or paused rollouts (of one task, when given). */
export async function activeRollouts(db: D1Database, tenant: string, task?: string): Promise<Rollout[]> {
  const { results } = await db
    .prepare(
      `SELECT * FROM rollouts WHERE tenant_id = ? AND state IN ('running', 'paused')${task === undefined ? "" : " AND task = ?"}`,
    )
    .bind(...(task === undefined ? [tenant] : [tenant, task]))
    .all<RolloutRow>();
  return results.map(fromRow);
}

/** Every running rollout of every tenant, oldest evaluation first (the cron's work list). */
export async function runningRollouts(db: D1Database, limit: number): Promise<{ tenant: string; id: string }[]> {
  const { results } = await db
    .prepare(
      "SELECT tenant_id, id FROM rollouts WHERE state = 'running' ORDER BY COALESCE(last_evaluated_at, 0) LIMIT ?",
    )
    .bind(limit)
    .all<{ tenant_id: string; id: string }>();
  return results.map((r) => ({ tenant: r.tenant_id, id: r.id }));
}

export async function listEvents(db: D1Database, tenant: string, id: string): Promise<RolloutEvent[]> {
  const { results } = await db
    .prepare("SELECT * FROM rollout_events WHERE tenant_id = ? AND rollout_id = ? ORDER BY seq")
    .bind(tenant, id)
    .all<Omit<RolloutEvent, "stats"> & { stats: string | null }>();
  return results.map((e) => ({
    seq: e.seq,
    at: e.at,
    action: e.action,
    from_share: e.from_share,
    to_share: e.to_share,
    reason: e.reason,
    stats: json(e.stats),
    actor: e.actor,
    manifest_version: e.manifest_version,
  }));
}

/** A transition's history row. */
export interface EventInput {
  action: TransitionAction;
  fromShare: number | null;
  toShare: number | null;
  reason: string;
  stats: unknown;
  actor: string;
}

/** The manifest version a transition writes, if it moves traffic. */
export type ManifestWrite = Omit<ManifestVersionRow, "at" | "reason">;

function eventStatement(
  db: D1Database,
  tenant: string,
  id: string,
  at: number,
  event: EventInput,
  manifestVersion: number | null,
  guard: WriteGuard,
) {
  return db
    .prepare(
      `INSERT INTO rollout_events (tenant_id, rollout_id, seq, at, action, from_share, to_share, reason, stats, actor, manifest_version)
       SELECT ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM rollout_events WHERE tenant_id = ? AND rollout_id = ?), ?, ?, ?, ?, ?, ?, ?, ?
       WHERE ${guard.sql}`,
    )
    .bind(
      tenant,
      id,
      tenant,
      id,
      at,
      event.action,
      event.fromShare,
      event.toShare,
      event.reason,
      event.stats === undefined ? null : JSON.stringify(event.stats),
      event.actor,
      manifestVersion,
      ...guard.params,
    );
}

const tokenGuard = (tenant: string, id: string, token: string): WriteGuard => ({
  sql: "EXISTS (SELECT 1 FROM rollouts WHERE tenant_id = ? AND id = ? AND write_token = ?)",
  params: [tenant, id, token],
});

export interface NewRollout {
  tenant: string;
  id: string;
  task: string;
  rule: string;
  baseline: string;
  candidate: string;
  config: RolloutConfig;
  share: number;
  snapshot: Snapshots["start"];
  taskRules: Rule[];
  manifest: ManifestWrite;
  reason: string;
  actor: string;
  at: number;
}

/**
 * Creates the rollout at its first step with its first manifest version and
 * history row, in one batch. Throws (nothing written) when the task already
 * has an active rollout (unique index) or the manifest moved meanwhile.
 */
export async function insertRollout(db: D1Database, r: NewRollout): Promise<void> {
  const token = crypto.randomUUID();
  const guard = tokenGuard(r.tenant, r.id, token);
  await db.batch([
    db
      .prepare(
        `INSERT INTO rollouts (tenant_id, id, task, rule, baseline, candidate, state, step, share, config, state_reason,
           step_started_at, step_snapshot, task_rules, manifest_version, version, write_token, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, 'running', 0, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)`,
      )
      .bind(
        r.tenant,
        r.id,
        r.task,
        r.rule,
        r.baseline,
        r.candidate,
        r.share,
        JSON.stringify(r.config),
        r.reason,
        r.at,
        JSON.stringify({ start: r.snapshot, step: r.snapshot } satisfies Snapshots),
        JSON.stringify(r.taskRules),
        r.manifest.version,
        token,
        r.at,
        r.at,
      ),
    eventStatement(
      db,
      r.tenant,
      r.id,
      r.at,
      { action: "start", fromShare: null, toShare: r.share, reason: r.reason, stats: null, actor: r.actor },
      r.manifest.version,
      guard,
    ),
    ...manifestVersionWrites(db, { ...r.manifest, at: r.at, reason: r.reason }, guard),
  ]);
}

export interface TransitionInput {
  rollout: Rollout;
  to: Position;
  event: EventInput;
  at: number;
  /** Set when the transition moves traffic. */
  manifest?: ManifestWrite;
  /** The rules the rollout now expects in the task (after its own write, or as accepted on resume). */
  taskRules?: Rule[];
  /** The new step's snapshot, when a step (re)starts. */
  stepSnapshot?: Snapshots["step"];
  decision?: StoredDecision;
}

const FINAL: readonly RolloutState[] = ["promoted", "rolled_back", "aborted"];

/** Applies one transition if the row is still at the version read; false when another writer got there first. */
export async function transition(db: D1Database, t: TransitionInput): Promise<boolean> {
  const { rollout: r, to, at } = t;
  const token = crypto.randomUUID();
  const guard = tokenGuard(r.tenant, r.id, token);
  const restartStep = t.stepSnapshot !== undefined;
  const results = await db.batch([
    db
      .prepare(
        `UPDATE rollouts SET state = ?, step = ?, share = ?, state_reason = ?,
           step_started_at = ?, step_snapshot = ?, task_rules = ?, manifest_version = ?,
           last_decision = COALESCE(?, last_decision), last_evaluated_at = COALESCE(?, last_evaluated_at),
           version = version + 1, write_token = ?, updated_at = ?, ended_at = ?
         WHERE tenant_id = ? AND id = ? AND version = ?`,
      )
      .bind(
        to.state,
        to.step,
        to.share,
        t.event.reason,
        restartStep ? at : r.stepStartedAt,
        JSON.stringify(restartStep ? { ...r.snapshots, step: t.stepSnapshot } : r.snapshots),
        JSON.stringify(t.taskRules ?? r.taskRules),
        t.manifest?.version ?? r.manifestVersion,
        t.decision ? JSON.stringify(t.decision) : null,
        t.decision ? at : null,
        token,
        at,
        FINAL.includes(to.state) ? at : null,
        r.tenant,
        r.id,
        r.version,
      ),
    eventStatement(db, r.tenant, r.id, at, t.event, t.manifest?.version ?? null, guard),
    ...(t.manifest ? manifestVersionWrites(db, { ...t.manifest, at, reason: t.event.reason }, guard) : []),
  ]);
  return results[0].meta.changes === 1;
}

/** Records an evaluation that moved nothing (a hold). Loses silently to a concurrent transition. */
export async function saveDecision(db: D1Database, r: Rollout, decision: StoredDecision): Promise<void> {
  await db
    .prepare(
      "UPDATE rollouts SET last_decision = ?, last_evaluated_at = ?, updated_at = ? WHERE tenant_id = ? AND id = ? AND version = ?",
    )
    .bind(JSON.stringify(decision), decision.at, decision.at, r.tenant, r.id, r.version)
    .run();
}
