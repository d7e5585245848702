// /admin/tenants/{tenant}/rollouts — quality-gated rollouts of a candidate
// adapter version (src/rollouts; docs/rollouts.md): start one, read its state,
// latest decision and history, evaluate it now, pause, resume, abort. Mounted
// under admin.ts's adminApi, whose guard lets ADMIN_TOKEN reach every tenant
// and a key with `manage` its own tenant only (another tenant's path is a 404).
import { zValidator } from "@hono/zod-validator";
import { Hono, type Context } from "hono";
import * as z from "zod";
import type { AppEnv } from "../env";
import { notFound } from "../errors";
import { RolloutConfigSchema } from "../rollouts/decision";
import { rolloutDeps } from "../rollouts/rollout-deps";
import { preloadRolloutCandidate } from "./admin-adapters";
import {
  abortRollout,
  createRollout,
  evaluateRollout,
  pauseRollout,
  resumeRollout,
  type Outcome,
} from "../rollouts/rollout-service";
import { getRollout, listEvents, listRollouts, type Rollout, type RolloutEvent } from "../rollouts/rollout-store";
import { SlugSchema, VersionSchema } from "../schemas/manifest";
import { knownTenant, TenantParam, tenantParam } from "./admin-tenant";
import { BEARER, defineRoute, jsonResponse, type ApiDocs } from "./define-route";
import { jsonBody, validationHook } from "./validation-hook";

const RolloutParam = TenantParam.extend({ id: z.string().min(1).max(64) });
const rolloutParam = zValidator("param", RolloutParam, validationHook);

const CreateBody = RolloutConfigSchema.extend({
  task: SlugSchema.describe("the task whose rule the rollout moves"),
  candidate: VersionSchema.describe("the new adapter version"),
  baseline: VersionSchema.optional().describe("default: the version the rule mostly serves now"),
  rule: SlugSchema.optional().describe("rule id; default: the task's last rule without `when`"),
});

const security = BEARER;
const path = "/admin/tenants/:tenant/rollouts";
const one = `${path}/:id` as const;

const createRoute = defineRoute({
  method: "post",
  path,
  summary: "Start a rollout: the candidate gets the first step's share of the rule, then moves on live feedback",
  security,
  request: { params: TenantParam, body: { schema: CreateBody, required: true } },
  responses: {
    201: jsonResponse("The rollout, running at its first step"),
    400: jsonResponse("Unknown task, rule or version; candidate equal to the baseline; task with an active rollout"),
    404: jsonResponse("Unknown tenant"),
  },
});
const listRoute = defineRoute({
  method: "get",
  path,
  summary: "The tenant's rollouts, newest first, with their latest decision",
  security,
  request: { params: TenantParam },
  responses: { 200: jsonResponse("Rollouts"), 404: jsonResponse("Unknown tenant") },
});
const getRoute = defineRoute({
  method: "get",
  path: one,
  summary: "One rollout: state, step, share, latest decision with its statistics, and every transition",
  security,
  request: { params: RolloutParam },
  responses: { 200: jsonResponse("The rollout with its history"), 404: jsonResponse("Unknown rollout") },
});
const action = (name: string, summary: string) =>
  defineRoute({
    method: "post",
    path: `${one}/${name}` as `${typeof one}/${string}`,
    summary,
    security,
    request: { params: RolloutParam },
    responses: {
      200: jsonResponse("What the call did and the rollout after it"),
      404: jsonResponse("Unknown rollout"),
      409: jsonResponse("The rollout's state does not allow it (rollout_state)"),
    },
  });
const evaluateRoute = action(
  "evaluate",
  "Evaluate a running rollout now; the decision may advance, promote or roll back",
);
const pauseRoute = action("pause", "Pause a running rollout; traffic stays where it is");
const resumeRoute = action("resume", "Resume a paused rollout in a fresh step");
const abortRoute = action("abort", "Stop a rollout for good and send the rule's traffic back to the baseline");

export const adminRolloutsDocs: ApiDocs = {
  routes: [createRoute, listRoute, getRoute, evaluateRoute, pauseRoute, resumeRoute, abortRoute],
};

/** The rollout as the API shows it. */
export function rolloutView(r: Rollout, history?: RolloutEvent[]) {
  return {
    id: r.id,
    object: "rollout",
    tenant: r.tenant,
    task: r.task,
    rule: r.rule,
    baseline: r.baseline,
    candidate: r.candidate,
    state: r.state,
    state_reason: r.stateReason,
    step: r.step,
    share: r.share,
    config: r.config,
    step_started_at: r.stepStartedAt,
    decision: r.lastDecision,
    last_evaluated_at: r.lastEvaluatedAt,
    manifest_version: r.manifestVersion,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    ended_at: r.endedAt,
    ...(history ? { history } : {}),
  };
}

type Ctx = Context<AppEnv>;
const depsOf = (c: Ctx) => rolloutDeps(c.env.DB, c.get("clock"), c.get("registry"));
/** Who acted, for the history: the platform operator or the tenant's key. */
const actorOf = (c: Ctx) => (c.get("apiKeyId") ? `key:${c.get("apiKeyId")}` : "admin");

async function outcomeBody(c: Ctx, outcome: Outcome) {
  const history = await listEvents(c.env.DB, outcome.rollout.tenant, outcome.rollout.id);
  return {
    decision: outcome.decision,
    transition: outcome.transition,
    rollout: rolloutView(outcome.rollout, history),
  };
}

type ActionFn = typeof pauseRollout;
const actionHandler = (fn: ActionFn) => async (c: Ctx) => {
  const { tenant, id } = c.req.param() as { tenant: string; id: string };
  return c.json(await outcomeBody(c, await fn(depsOf(c), tenant, id, actorOf(c))), 200);
};

export const adminRolloutsApi = new Hono<AppEnv>()
  .on(createRoute.method, createRoute.path, tenantParam, knownTenant, ...jsonBody(CreateBody), async (c) => {
    const { tenant } = c.req.valid("param");
    const { task, candidate, baseline, rule, ...config } = c.req.valid("json");
    const rollout = await createRollout(depsOf(c), tenant, { task, candidate, baseline, rule, config }, actorOf(c));
    await preloadRolloutCandidate(c, tenant, rollout.candidate);
    return c.json(rolloutView(rollout, await listEvents(c.env.DB, tenant, rollout.id)), 201);
  })
  .on(listRoute.method, listRoute.path, tenantParam, knownTenant, async (c) => {
    const { tenant } = c.req.valid("param");
    return c.json({ object: "list", data: (await listRollouts(c.env.DB, tenant)).map((r) => rolloutView(r)) }, 200);
  })
  .on(getRoute.method, getRoute.path, rolloutParam, knownTenant, async (c) => {
    const { tenant, id } = c.req.valid("param");
    const rollout = await getRollout(c.env.DB, tenant, id);
    if (!rollout) throw notFound(`Rollout '${id}'`, "id");
    return c.json(rolloutView(rollout, await listEvents(c.env.DB, tenant, id)), 200);
  })
  .on(evaluateRoute.method, evaluateRoute.path, rolloutParam, knownTenant, actionHandler(evaluateRollout))
  .on(pauseRoute.method, pauseRoute.path, rolloutParam, knownTenant, actionHandler(pauseRollout))
  .on(resumeRoute.method, resumeRoute.path, rolloutParam, knownTenant, actionHandler(resumeRollout))
  .on(abortRoute.method, abortRoute.path, rolloutParam, knownTenant, actionHandler(abortRollout));
