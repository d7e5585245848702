// What the rollout routes and the cron do: create a rollout, evaluate it,
// pause, resume, abort. Each reads the tenant's current manifest, asks the
// pure parts (split-rule, rollout-machine, the decision rule) what follows,
// and hands the store one batch. A transition that moves traffic writes a
// new manifest version (applied_by `rollout:<id>`, with the reason).
//
// A hand-written change of the task's rules wins over the rollout: the
// rollout notices it (at apply time through pauseOnManualApply, and at every
// evaluation by comparing the rules with those it last wrote) and pauses,
// instead of overwriting what a human just did.
import type { Clock } from "../clock";
import { invalidValue, notFound, rolloutState } from "../errors";
import { diffManifests } from "../registry/diff-manifest";
import { readCurrentManifest, type StoredManifest } from "../registry/manifest-store";
import type { Manifest } from "../schemas/manifest";
import { EDGES } from "../stats/latency-histogram";
import { subtractTotals, type ArmPair, type Decision, type DecisionInput, type RolloutConfig } from "./decision";
import type { CountsReader } from "./rollout-counts";
import { move, type Position, type TransitionAction } from "./rollout-machine";
import {
  activeRollouts,
  getRollout,
  insertRollout,
  runningRollouts,
  saveDecision,
  transition,
  type ManifestWrite,
  type Rollout,
  type StoredDecision,
} from "./rollout-store";
import {
  defaultBaseline,
  findRolloutRule,
  hasVersion,
  rulesOf,
  sameRules,
  withShare,
  type RolloutPlacement,
} from "./split-rule";

export interface RolloutDeps {
  db: D1Database;
  clock: Clock;
  counts: CountsReader;
  decide: (input: DecisionInput) => Decision;
  /** After a manifest version was written: this isolate should route by it at once. */
  onManifestWritten?: () => Promise<unknown>;
  newId?: () => string;
}

export interface CreateInput {
  task: string;
  candidate: string;
  baseline?: string;
  rule?: string;
  config: RolloutConfig;
}

/** What one evaluation or action did. */
export interface Outcome {
  rollout: Rollout;
  decision: StoredDecision | null;
  /** The transition this call made; null when it made none (a hold, or another writer was first). */
  transition: { action: TransitionAction; from_share: number; to_share: number; reason: string } | null;
}

const managerOf = (id: string) => `rollout:${id}`;

function newRolloutId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  let hex = "";
  for (const b of bytes) hex += b.toString(16).padStart(2, "0");
  return `ro_${hex}`;
}

async function currentManifest(db: D1Database, tenant: string): Promise<StoredManifest> {
  const current = await readCurrentManifest(db, tenant);
  if (!current) throw notFound(`A manifest for tenant '${tenant}'`, "tenant");
  return current;
}

async function mustGet(db: D1Database, tenant: string, id: string): Promise<Rollout> {
  const rollout = await getRollout(db, tenant, id);
  if (!rollout) throw notFound(`Rollout '${id}'`, "id");
  return rollout;
}

const placementOf = (r: Rollout): RolloutPlacement => ({
  task: r.task,
  rule: r.rule,
  baseline: r.baseline,
  candidate: r.candidate,
});

function manifestWrite(current: StoredManifest, next: Manifest, id: string): ManifestWrite {
  return {
    manifest: next,
    version: current.version + 1,
    changes: diffManifests(current.manifest, next),
    appliedBy: managerOf(id),
  };
}

function readCounts(deps: RolloutDeps, r: Pick<Rollout, "tenant" | "task" | "baseline" | "candidate" | "createdAt">) {
  return deps.counts.read(deps.db, {
    tenant: r.tenant,
    task: r.task,
    baseline: r.baseline,
    candidate: r.candidate,
    sinceMs: r.createdAt,
  });
}

export async function createRollout(deps: RolloutDeps, tenant: string, input: CreateInput, actor: string) {
  const { db } = deps;
  const current = await currentManifest(db, tenant);
  const found = findRolloutRule(current.manifest, input.task, input.rule);
  if (!found.ok) throw invalidValue(`Invalid '${found.param}': ${found.message}`, found.param);
  const { candidate } = input;
  if (!hasVersion(current.manifest, candidate)) {
    throw invalidValue(`Invalid 'candidate': '${candidate}' is not an adapter version of the manifest.`, "candidate");
  }
  if (input.baseline !== undefined && !hasVersion(current.manifest, input.baseline)) {
    throw invalidValue(
      `Invalid 'baseline': '${input.baseline}' is not an adapter version of the manifest.`,
      "baseline",
    );
  }
  const baseline = input.baseline ?? defaultBaseline(found.rule, candidate);
  if (baseline === undefined) {
    throw invalidValue(
      `Invalid 'baseline': rule '${found.rule.id}' serves only the candidate; name a baseline.`,
      "baseline",
    );
  }
  if (baseline === candidate) {
    throw invalidValue(`Invalid 'candidate': it is the baseline ('${baseline}'); name another version.`, "candidate");
  }
  const [active] = await activeRollouts(db, tenant, input.task);
  if (active) throw activeRolloutExists(input.task, active);

  const id = (deps.newId ?? newRolloutId)();
  const at = deps.clock.nowMs();
  const share = input.config.steps[0];
  const placement = { task: input.task, rule: found.rule.id, baseline, candidate };
  const next = withShare(current.manifest, placement, share)!;
  const snapshot = await readCounts(deps, { tenant, ...placement, createdAt: at });
  try {
    await insertRollout(db, {
      tenant,
      id,
      ...placement,
      config: input.config,
      share,
      snapshot,
      taskRules: rulesOf(next, input.task)!,
      manifest: manifestWrite(current, next, id),
      reason: `started by ${actor}: ${candidate} at ${share}% against ${baseline} in rule '${found.rule.id}'`,
      actor,
      at,
    });
  } catch (error) {
    // The unique index lets one active rollout per task through when two creates race.
    const [winner] = await activeRollouts(db, tenant, input.task);
    if (winner) throw activeRolloutExists(input.task, winner);
    throw error;
  }
  await deps.onManifestWritten?.();
  return mustGet(db, tenant, id);
}

const activeRolloutExists = (task: string, r: Rollout) =>
  invalidValue(
    `Invalid 'task': task '${task}' already has an active rollout ('${r.id}', ${r.state}); abort it first.`,
    "task",
  );

/** Counts between a snapshot and now. */
const since = (now: ArmPair, then: ArmPair): ArmPair => ({
  baseline: subtractTotals(now.baseline, then.baseline),
  candidate: subtractTotals(now.candidate, then.candidate),
});

/** The rollout's current position. */
const positionOf = (r: Rollout): Position => ({ state: r.state, step: r.step, share: r.share });

/** A pause because the task's rules are no longer the rollout's; null when they still are. */
async function pauseIfChangedByHand(
  deps: RolloutDeps,
  r: Rollout,
  current: StoredManifest,
  actor: string,
): Promise<Outcome | null> {
  if (sameRules(rulesOf(current.manifest, r.task), r.taskRules)) return null;
  const reason = `manifest version ${current.version} (applied by ${current.appliedBy}) changed the rules of task '${r.task}'`;
  return act(deps, r, "pause", { reason, actor });
}

/** Runs one evaluation now. */
export async function evaluateRollout(deps: RolloutDeps, tenant: string, id: string, actor: string): Promise<Outcome> {
  try {
    return await evaluateOnce(deps, tenant, id, actor);
  } catch (error) {
    // The batch fails as a whole when a manifest version was applied between
    // our read and our write (its primary key is taken). Look again: the
    // second look sees that apply and pauses, or moves on top of it.
    if (!/UNIQUE|constraint/i.test(String(error))) throw error;
    return evaluateOnce(deps, tenant, id, actor);
  }
}

async function evaluateOnce(deps: RolloutDeps, tenant: string, id: string, actor: string): Promise<Outcome> {
  const r = await mustGet(deps.db, tenant, id);
  if (r.state !== "running") throw rolloutState(id, r.state, "be evaluated");
  const current = await currentManifest(deps.db, tenant);
  const paused = await pauseIfChangedByHand(deps, r, current, actor);
  if (paused) return paused;

  const now = deps.clock.nowMs();
  const counts = await readCounts(deps, r);
  const decision = deps.decide({
    config: r.config,
    stepIndex: r.step,
    secondsInStep: Math.max(0, (now - r.stepStartedAt) / 1000),
    total: since(counts, r.snapshots.start),
    step: since(counts, r.snapshots.step),
    latencyEdges: EDGES,
  });
  const stored: StoredDecision = { ...decision, at: now, step: r.step, share: r.share };
  if (decision.action === "hold") {
    await saveDecision(deps.db, r, stored);
    return { rollout: (await getRollout(deps.db, tenant, id))!, decision: stored, transition: null };
  }
  const m = move(positionOf(r), decision.action, r.config.steps);
  if (!m.ok) throw rolloutState(id, r.state, decision.action);
  const next = withShare(current.manifest, placementOf(r), m.to.share)!;
  const won = await transition(deps.db, {
    rollout: r,
    to: m.to,
    at: now,
    event: {
      action: m.action,
      fromShare: r.share,
      toShare: m.to.share,
      reason: decision.reason,
      stats: decision.stats,
      actor,
    },
    manifest: manifestWrite(current, next, id),
    taskRules: rulesOf(next, r.task)!,
    stepSnapshot: m.to.state === "running" ? counts : undefined,
    decision: stored,
  });
  if (won) await deps.onManifestWritten?.();
  return {
    rollout: (await getRollout(deps.db, tenant, id))!,
    decision: stored,
    transition: won ? { action: m.action, from_share: r.share, to_share: m.to.share, reason: decision.reason } : null,
  };
}

interface ActOptions {
  reason: string;
  actor: string;
  manifest?: ManifestWrite;
  taskRules?: Manifest["tasks"][number]["rules"];
  stepSnapshot?: ArmPair;
}

/** A manual (or manual-apply) transition: pause, resume, abort. */
async function act(
  deps: RolloutDeps,
  r: Rollout,
  action: "pause" | "resume" | "abort",
  options: ActOptions,
): Promise<Outcome> {
  const m = move(positionOf(r), action, r.config.steps);
  if (!m.ok) throw rolloutState(r.id, r.state, action);
  const won = await transition(deps.db, {
    rollout: r,
    to: m.to,
    at: deps.clock.nowMs(),
    event: {
      action,
      fromShare: r.share,
      toShare: m.to.share,
      reason: options.reason,
      stats: null,
      actor: options.actor,
    },
    manifest: options.manifest,
    taskRules: options.taskRules,
    stepSnapshot: options.stepSnapshot,
  });
  if (won && options.manifest) await deps.onManifestWritten?.();
  const after = (await getRollout(deps.db, r.tenant, r.id))!;
  // Lost to a concurrent writer: say what the rollout is now, not what this call wanted.
  if (!won && after.state !== m.to.state) throw rolloutState(r.id, after.state, action);
  return {
    rollout: after,
    decision: null,
    transition: won ? { action, from_share: r.share, to_share: m.to.share, reason: options.reason } : null,
  };
}

export async function pauseRollout(deps: RolloutDeps, tenant: string, id: string, actor: string): Promise<Outcome> {
  const r = await mustGet(deps.db, tenant, id);
  return act(deps, r, "pause", { reason: `paused by ${actor}`, actor });
}

/**
 * Back to running, in a fresh step (its own clock and counts). If the task's
 * rules were changed by hand meanwhile, the rollout's rule is set back to the
 * rollout's share: resuming is taking control again.
 */
export async function resumeRollout(deps: RolloutDeps, tenant: string, id: string, actor: string): Promise<Outcome> {
  const r = await mustGet(deps.db, tenant, id);
  if (r.state !== "paused") throw rolloutState(id, r.state, "resume");
  const current = await currentManifest(deps.db, tenant);
  const gone = [r.baseline, r.candidate].find((v) => !hasVersion(current.manifest, v));
  const next = gone ? null : withShare(current.manifest, placementOf(r), r.share);
  if (!next) throw rolloutState(id, r.state, `resume: its rule or version ${gone ?? `'${r.rule}'`} is gone`);
  const rules = rulesOf(next, r.task)!;
  const changed = !sameRules(rulesOf(current.manifest, r.task), rules);
  return act(deps, r, "resume", {
    reason: changed ? `resumed by ${actor}; rule '${r.rule}' set back to ${r.share}%` : `resumed by ${actor}`,
    actor,
    manifest: changed ? manifestWrite(current, next, id) : undefined,
    taskRules: rules,
    stepSnapshot: await readCounts(deps, r),
  });
}

/**
 * Stops for good and sends the rule's traffic back to the baseline, unless
 * the rules were changed by hand since the rollout last wrote them: then what
 * the human applied stays.
 */
export async function abortRollout(deps: RolloutDeps, tenant: string, id: string, actor: string): Promise<Outcome> {
  const r = await mustGet(deps.db, tenant, id);
  if (r.state !== "running" && r.state !== "paused") throw rolloutState(id, r.state, "abort");
  const current = await currentManifest(deps.db, tenant);
  const ours = sameRules(rulesOf(current.manifest, r.task), r.taskRules);
  const next = ours ? withShare(current.manifest, placementOf(r), 0) : null;
  return act(deps, r, "abort", {
    reason: next
      ? `aborted by ${actor}; all of rule '${r.rule}' back to ${r.baseline}`
      : `aborted by ${actor}; the rules as applied by hand are left as they are`,
    actor,
    manifest: next ? manifestWrite(current, next, id) : undefined,
    taskRules: next ? rulesOf(next, r.task)! : undefined,
  });
}

/**
 * After a hand-written apply (admin API): every running rollout of the tenant
 * whose task's rules it changed is paused, with that reason. An apply that
 * changed nothing writes no version and never gets here.
 */
export async function pauseOnManualApply(deps: RolloutDeps, tenant: string, actor: string): Promise<Outcome[]> {
  const running = (await activeRollouts(deps.db, tenant)).filter((r) => r.state === "running");
  if (running.length === 0) return [];
  const current = await currentManifest(deps.db, tenant);
  const out: Outcome[] = [];
  for (const r of running) {
    const paused = await pauseIfChangedByHand(deps, r, current, actor);
    if (paused) out.push(paused);
  }
  return out;
}

/** The cron's work: one evaluation of every running rollout (a bounded batch per tick). */
export async function evaluateRunning(deps: RolloutDeps, limit = 50) {
  const done = { evaluated: 0, transitions: 0, failed: 0 };
  for (const { tenant, id } of await runningRollouts(deps.db, limit)) {
    try {
      const outcome = await evaluateRollout(deps, tenant, id, "cron");
      done.evaluated++;
      if (outcome.transition) done.transitions++;
    } catch (error) {
      done.failed++;
      console.error(JSON.stringify({ msg: "rollout evaluation failed", tenant, rollout: id, error: String(error) }));
    }
  }
  return done;
}
