// Pure planning of one chat request: audience, route, tone preset and the
// exact body the upstream will receive. The dry-run preview returns this plan
// as JSON, and the real call executes it, so the two cannot drift apart.
import { invalidValue, unsupportedByUpstream } from "../errors";
import type { AttemptRecord } from "../providers/call-with-fallback";
import { dialectOf, requestNeeds, unsupportedField } from "../providers/dialect-capabilities";
import type { AdapterTarget, TenantSnapshot } from "../routing/compiled";
import { resolveRoute } from "../routing/resolve";
import { routeFailureError } from "./chat-errors";
import { MAX_USER_CHARS, type ChatCompletionRequest } from "../schemas/chat";
import { applyPreset } from "../tone/apply-preset";
import { lookupPreset } from "../tone/lookup-preset";
import { resolveAudience } from "../tone/resolve-audience";

export interface ChatRequestFacts {
  requestId: string;
  audienceHeader: string | null | undefined;
  userHeader: string | null | undefined;
  region: string | undefined;
}

export interface ChatPlan {
  task: string;
  rule: string;
  pinned: boolean;
  targets: readonly AdapterTarget[];
  /** Fallbacks left out because their dialect cannot take the request; recorded among the attempts. */
  skipped: AttemptRecord[];
  audience: string | null;
  user: string | null;
  tone: string | null;
  clamped: string[];
  stream: boolean;
  includeUsage: boolean;
  /** What goes upstream (without `model`, which each provider sets). */
  upstreamBody: Record<string, unknown>;
}

// Gateway-level fields that are consumed here and never forwarded.
const GATEWAY_ONLY = ["model", "metadata", "stream_options", "stream"] as const;

export function planChat(tenant: TenantSnapshot, body: ChatCompletionRequest, facts: ChatRequestFacts): ChatPlan {
  const audience = resolveAudience(facts.audienceHeader, body.metadata ?? undefined);
  if (!audience.ok) throw invalidValue(audience.message, audience.param);
  if (facts.userHeader && facts.userHeader.length > MAX_USER_CHARS) {
    throw invalidValue(
      `Invalid 'x-switchyard-user': at most ${MAX_USER_CHARS} characters, as for the body's 'user'.`,
      "x-switchyard-user",
    );
  }
  const user = body.user || facts.userHeader || null;
  const route = resolveRoute(tenant, {
    model: body.model,
    audience: audience.audience ?? undefined,
    user: user ?? undefined,
    // Read only if a rule tests it (see api/chat.ts).
    get region() {
      return facts.region;
    },
    metadata: body.metadata ?? undefined,
    requestId: facts.requestId,
  });
  if (!route.ok) throw routeFailureError(route.reason, body.model);

  const { targets, skipped } = targetsThatTake(route.primary, route.fallbacks, body);

  const preset = lookupPreset(tenant.tone, route.task, audience.audience)?.preset ?? null;
  const toned = applyPreset(preset, body);
  const upstreamBody: Record<string, unknown> = { ...body };
  for (const key of GATEWAY_ONLY) delete upstreamBody[key];
  for (const [key, value] of Object.entries(toned.params)) {
    if (value === undefined || value === null) delete upstreamBody[key];
    else upstreamBody[key] = value;
  }
  upstreamBody.messages = toned.messages;

  return {
    task: route.task,
    rule: route.rule,
    pinned: route.pinned,
    targets,
    skipped,
    audience: audience.audience,
    user,
    tone: toned.tone,
    clamped: toned.clamped,
    stream: body.stream === true,
    includeUsage: body.stream === true && body.stream_options?.include_usage === true,
    upstreamBody,
  };
}

/**
 * The route's targets whose upstream dialect takes this request. The primary
 * must (the client is told which field, and why); a fallback that cannot is
 * skipped rather than called to fail.
 */
function targetsThatTake(
  primary: AdapterTarget,
  fallbacks: readonly AdapterTarget[],
  body: ChatCompletionRequest,
): { targets: readonly AdapterTarget[]; skipped: AttemptRecord[] } {
  const needs = requestNeeds(body);
  const primaryDialect = dialectOf(primary.upstream);
  const gap = unsupportedField(primaryDialect, needs);
  if (gap) throw unsupportedByUpstream(gap.param, primaryDialect, gap.problem);
  if (fallbacks.length === 0) return { targets: [primary], skipped: NO_SKIPS };
  const targets = [primary];
  const skipped: AttemptRecord[] = [];
  for (const target of fallbacks) {
    const dialect = dialectOf(target.upstream);
    const why = unsupportedField(dialect, needs);
    if (!why) targets.push(target);
    else {
      skipped.push({
        version: target.adapter.version,
        upstream: target.upstream.id,
        outcome: "skipped",
        status: null,
        ms: 0,
        message: `dialect '${dialect}' ${why.problem} ('${why.param}')`,
      });
    }
  }
  return { targets, skipped };
}

const NO_SKIPS: AttemptRecord[] = [];

/** The dry-run view of a plan: what would be sent where, nothing secret. */
export function describePlan(plan: ChatPlan) {
  const describe = (t: AdapterTarget) => ({
    adapter: t.adapter.name,
    version: t.adapter.version,
    upstream: t.upstream.id,
    upstream_kind: t.upstream.kind,
    served_name: t.adapter.served_name,
  });
  const [primary, ...fallbacks] = plan.targets;
  return {
    object: "switchyard.plan",
    task: plan.task,
    route: plan.rule,
    pinned: plan.pinned,
    adapter: describe(primary),
    fallbacks: fallbacks.map(describe),
    skipped: plan.skipped,
    audience: plan.audience,
    user: plan.user,
    tone: plan.tone,
    clamped: plan.clamped,
    stream: plan.stream,
    request: { ...plan.upstreamBody, model: primary.adapter.served_name },
  };
}
