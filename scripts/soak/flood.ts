// --flood: one tenant (globex) sends as fast as --flood-concurrency
// connections allow while another (acme) sends one request at a time, and
// acme's latency is compared before and during. With a per-tenant limit in
// place, globex would be refused (429) past its share and acme's p99 would
// barely move; without one, both queue on the same isolate and the same
// upstream. Every request carries a client id and is checked like the soak's
// own (a request refused before any upstream call owes no record).
import { summarize, type Summary } from "../bench/stats";
import { adminFetch } from "./http";
import type { PlannedRequest } from "./mix";
import { sendPlanned, type Outcome } from "./send";

export interface FloodResult {
  before: ProbeStats;
  during: ProbeStats;
  flood: { sent: number; seconds: number; perSecond: number; byStatus: Record<string, number> };
  outcomes: Outcome[];
}

export interface ProbeStats extends Summary {
  max_ms: number;
  errors: number;
}

interface FloodInput {
  base: string;
  keys: { acme: string; globex: string };
  prefix: string;
  concurrency: number;
  /** Flood requests started per second (open loop, at most `concurrency` in flight); 0 = as fast as answers come back. */
  rate: number;
  floodSeconds: number;
  probeSeconds: number;
  requestTimeoutMs: number;
  log: (message: string) => void;
}

function planned(tenant: "acme" | "globex", clientId: string, index: number, label: string): PlannedRequest {
  return {
    index,
    clientId,
    reused: false,
    tenant,
    kind: "healthy",
    task: tenant === "acme" ? "support" : "tutoring",
    stream: false,
    user: `${tenant}-flood-user-${index % 64}`,
    expectRecords: 1,
    expectStatus: "ok",
    label,
  };
}

/** Sends requests from `workers` loops until `seconds` pass; returns every outcome. */
async function loop(
  workers: number,
  seconds: number,
  next: (n: number) => PlannedRequest,
  send: (req: PlannedRequest) => Promise<Outcome>,
): Promise<Outcome[]> {
  const end = Date.now() + seconds * 1000;
  const outcomes: Outcome[] = [];
  let n = 0;
  const worker = async () => {
    while (Date.now() < end) outcomes.push(await send(next(n++)));
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return outcomes;
}

/**
 * Starts one request every 1/rate s for `seconds` (an open loop: the sender
 * does not wait for answers, as a misbehaving client would not), skipping a
 * tick while `cap` requests are in flight; returns every outcome.
 */
async function openLoop(
  rate: number,
  cap: number,
  seconds: number,
  next: (n: number) => PlannedRequest,
  send: (req: PlannedRequest) => Promise<Outcome>,
): Promise<Outcome[]> {
  const started = Date.now();
  const end = started + seconds * 1000;
  const outcomes: Outcome[] = [];
  const pending = new Set<Promise<void>>();
  for (let n = 0; ; n++) {
    const due = started + (n * 1000) / rate;
    if (due >= end) break;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (pending.size >= cap) continue;
    const p = send(next(n)).then((o) => {
      outcomes.push(o);
      pending.delete(p);
    });
    pending.add(p);
  }
  await Promise.all(pending);
  return outcomes;
}

function probeStats(outcomes: readonly Outcome[]): ProbeStats {
  const ok = outcomes.filter((o) => o.status === 200 && o.end === "answered").map((o) => o.ms);
  return { ...summarize(ok), max_ms: Math.round(Math.max(0, ...ok)), errors: outcomes.length - ok.length };
}

/** The acme p99 during the flood may be at most this multiple of the one before (issue #15). */
export const FLOOD_P99_RATIO = 1.5;

export interface FloodKey {
  key: string;
  limit: number | null;
  close(): Promise<void>;
}

/**
 * The key globex floods with: one of its own limited to `limit` requests a
 * minute (a key's own limits, docs/limits.md), revoked at the end; 0 floods
 * with the unlimited demo key, to see what no limit does.
 */
export async function floodKey(
  base: string,
  adminToken: string,
  runId: string,
  demoKey: string,
  limit: number,
): Promise<FloodKey> {
  if (limit === 0) return { key: demoKey, limit: null, async close() {} };
  const created = await adminFetch(base, adminToken, "POST", "/admin/tenants/globex/keys", {
    name: `soak flood ${runId}`,
    limits: { requests_per_minute: limit },
  });
  if (created.status !== 201)
    throw new Error(`creating the flood key failed (${created.status}): ${await created.text()}`);
  const { id, key } = (await created.json()) as { id: string; key: string };
  return {
    key,
    limit,
    async close() {
      await adminFetch(base, adminToken, "DELETE", `/admin/tenants/globex/keys/${id}`).catch(() => {});
    },
  };
}

/** Whether acme's p99 held during the flood; null when either window had no answer to time. */
export function floodHeld(f: FloodResult): boolean | null {
  if (!f.before.n || !f.during.n) return null;
  return f.during.p99_ms <= FLOOD_P99_RATIO * f.before.p99_ms;
}

export async function runFlood(input: FloodInput): Promise<FloodResult> {
  const send = async (req: PlannedRequest) => {
    const o = await sendPlanned(input.base, input.keys[req.tenant as "acme" | "globex"], req, input.requestTimeoutMs);
    // Refused by the gateway itself (a tenant limit), not by an upstream: no upstream call, no record.
    if (o.status === 429 && !o.routed)
      o.req = { ...o.req, kind: "refused", expectRecords: 0, expectStatus: null, label: `${o.req.label} (refused)` };
    return o;
  };
  const probe = (phase: string) => (n: number) =>
    planned("acme", `${input.prefix}p-${phase}-${n}`, n, `flood: acme ${phase}`);

  input.log(`flood: acme alone, one request at a time, ${input.probeSeconds} s`);
  const before = await loop(1, input.probeSeconds, probe("before"), send);

  input.log(
    input.rate > 0
      ? `flood: globex sends ${input.rate} requests/s (at most ${input.concurrency} in flight) for ${input.floodSeconds} s, acme probing`
      : `flood: globex with ${input.concurrency} connections for ${input.floodSeconds} s, acme probing`,
  );
  const started = performance.now();
  const floodRequest = (n: number) => planned("globex", `${input.prefix}f${n}`, n, "flood: globex");
  const floodRun =
    input.rate > 0
      ? openLoop(input.rate, input.concurrency, input.floodSeconds, floodRequest, send)
      : loop(input.concurrency, input.floodSeconds, floodRequest, send);
  // Let the flood build up for a second before timing acme under it.
  await new Promise((resolve) => setTimeout(resolve, Math.min(1000, (input.floodSeconds * 1000) / 4)));
  const during = await loop(1, Math.max(1, input.floodSeconds - 1), probe("during"), send);
  const flooded = await floodRun;
  const seconds = (performance.now() - started) / 1000;

  const byStatus: Record<string, number> = {};
  for (const o of flooded) {
    const key = o.status === null ? o.end : String(o.status);
    byStatus[key] = (byStatus[key] ?? 0) + 1;
  }
  return {
    before: probeStats(before),
    during: probeStats(during),
    flood: { sent: flooded.length, seconds, perSecond: flooded.length / seconds, byStatus },
    outcomes: [...before, ...flooded, ...during],
  };
}
