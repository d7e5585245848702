// The request mix of a soak run, drawn up front from a seeded generator so a
// run can be repeated exactly (--seed). Each request is one of: healthy
// (acme's demo tasks), a fault (a soak task whose upstream fails), an abort
// (the soak's slow task, abandoned before the first token or mid-stream),
// invalid (refused before any upstream call: must leave NO record) or big (a
// ~140 KB prompt, whose record is too big for a queue message and goes
// through R2). Every request has a client request id; most are unique, and a
// --reuse-rate share of requests shares one id with 1-3 others, so the check
// is "records per id = requests sent with that id".
import type { SoakFlags } from "./flags";
import { FAULTS, SLOW_FIRST_TOKEN_MS, SLOW_TASK, SOAK_TENANT } from "./soak-tenant";
import { mulberry32 } from "../lib/mulberry32";

/** "refused" is only set after the fact, on a --flood request a tenant limit turned away. */
export type Kind = "healthy" | "fault" | "abort-early" | "abort-mid" | "invalid" | "big" | "refused";
export type RecordStatus = "ok" | "upstream_error" | "timeout" | "client_aborted";

export interface PlannedRequest {
  index: number;
  clientId: string;
  reused: boolean;
  /** "acme" and "globex" (demo tenants) or SOAK_TENANT. */
  tenant: string;
  kind: Kind;
  /** The `model` sent: a task name. */
  task: string;
  stream: boolean;
  audience?: string;
  user: string;
  /** abort-early without stream: abandon this long after sending (the answer takes about 0.6 s). */
  abortAfterMs?: number;
  /** 0 for a request refused before any upstream call, else 1. */
  expectRecords: 0 | 1;
  /** The record status this request should leave. */
  expectStatus: RecordStatus | null;
  /** The label the report groups by, e.g. "fault:hang" or "abort-mid". */
  label: string;
}

/** The mix's random source, seeded for --seed. */
export const seededRandom = mulberry32;

const ACME_TASKS: [string, number][] = [
  ["support", 0.6],
  ["billing", 0.25],
  ["docs-qa", 0.15],
];
const AUDIENCES = [undefined, "customer", "developer", "executive"];
const BIG_PROMPT_CHARS = 140_000;

function weighted<T>(random: () => number, items: [T, number][]): T {
  let u = random() * items.reduce((sum, [, w]) => sum + w, 0);
  for (const [item, w] of items) if ((u -= w) < 0) return item;
  return items[items.length - 1][0];
}

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)];

/** Sizes of the reused-id groups: 2-4 requests each, `total` requests in all (0 or at least 2). */
function groupSizes(random: () => number, total: number): number[] {
  const sizes: number[] = [];
  let left = total < 2 ? 0 : total;
  while (left > 0) {
    const size = Math.min(left, 2 + Math.floor(random() * 3));
    if (size === 1) sizes[sizes.length - 1]++;
    else sizes.push(size);
    left -= size;
  }
  return sizes;
}

type Draft = Omit<PlannedRequest, "index" | "clientId" | "reused">;

function draw(random: () => number, flags: SoakFlags, n: number): Draft {
  const stream = random() < flags.streamRate;
  const user = `soak-user-${n % 64}`;
  const u = random();
  let edge = flags.faultRate;
  if (u < edge) {
    const fault = pick(random, Object.keys(FAULTS));
    const expected = FAULTS[fault];
    return {
      tenant: SOAK_TENANT,
      kind: "fault",
      task: fault,
      stream,
      user,
      expectRecords: 1,
      expectStatus: expected.record,
      label: `fault:${fault}`,
    };
  }
  if (u < (edge += flags.abortRate)) {
    const mid = random() < 0.5;
    const base = {
      tenant: SOAK_TENANT,
      task: SLOW_TASK,
      user,
      expectRecords: 1,
      expectStatus: "client_aborted",
    } as const;
    if (mid) return { ...base, kind: "abort-mid", stream: true, label: "abort:mid-stream" };
    // Not streamed, the answer's headers come with its end (about 0.6 s):
    // abandon it well after the gateway has the request, well before the end.
    const abortAfterMs = stream ? undefined : SLOW_FIRST_TOKEN_MS / 2 + Math.floor(random() * 250);
    const label = `abort:before-first-token${stream ? " (stream)" : ""}`;
    return { ...base, kind: "abort-early", stream, abortAfterMs, label };
  }
  if (u < (edge += flags.invalidRate)) {
    return {
      tenant: "acme",
      kind: "invalid",
      task: "no-such-task",
      stream,
      user,
      expectRecords: 0,
      expectStatus: null,
      label: "invalid (404)",
    };
  }
  const task = weighted(random, ACME_TASKS);
  const audience = pick(random, AUDIENCES);
  if (u < (edge += flags.bigRate)) {
    return {
      tenant: "acme",
      kind: "big",
      task,
      stream,
      audience,
      user,
      expectRecords: 1,
      expectStatus: "ok",
      label: "big",
    };
  }
  return {
    tenant: "acme",
    kind: "healthy",
    task,
    stream,
    audience,
    user,
    expectRecords: 1,
    expectStatus: "ok",
    label: "healthy",
  };
}

export function planRequests(flags: SoakFlags, runId: string): PlannedRequest[] {
  const random = seededRandom(flags.seed);
  const prefix = `soak-${runId}-`;
  const sizes = groupSizes(random, Math.round(flags.requests * flags.reuseRate));
  const ids: { clientId: string; reused: boolean }[] = [];
  sizes.forEach((size, g) => {
    for (let k = 0; k < size; k++) ids.push({ clientId: `${prefix}r${g}`, reused: true });
  });
  for (let i = ids.length; i < flags.requests; i++) ids.push({ clientId: `${prefix}u${i}`, reused: false });
  // Shuffle, so the requests sharing an id are spread out: some overlap in time, some do not.
  for (let i = ids.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [ids[i], ids[j]] = [ids[j], ids[i]];
  }
  return ids.map((id, index) => ({ index, ...id, ...draw(random, flags, index) }));
}

/** The chat request body of a planned request. */
export function requestBody(req: PlannedRequest): Record<string, unknown> {
  const text =
    req.kind === "big"
      ? `Summarise this log. ${"lorem ipsum dolor sit amet ".repeat(Math.ceil(BIG_PROMPT_CHARS / 27))}`
      : `Soak request ${req.index}: how do I rotate my API key?`;
  const body: Record<string, unknown> = {
    model: req.task,
    user: req.user,
    messages: [{ role: "user", content: text }],
  };
  if (req.stream) body.stream = true;
  if (req.stream && req.index % 2 === 0) body.stream_options = { include_usage: true };
  return body;
}
