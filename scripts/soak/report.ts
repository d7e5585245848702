// The soak's summary: what was sent, how it was answered, how many records
// were found, lost and duplicated, per kind of request, and the verdict.
// Counters are defined in docs/reliability.md.
import { summarize } from "../bench/stats";
import { isServerFault, surprise } from "./expect";
import { FLOOD_P99_RATIO, floodHeld, type FloodResult } from "./flood";
import type { Outcome } from "./send";
import type { StackLogCounts } from "./stack-log";
import type { VerifyResult } from "./verify";

export interface Report {
  /** The soak's requests, then the --flood ones. */
  outcomes: readonly Outcome[];
  /** How many of `outcomes` are the soak's (the rest are the flood's). */
  soakSent: number;
  notSent: number;
  loadSeconds: number;
  verify: VerifyResult;
  stackLog: StackLogCounts | null;
  flood: FloodResult | null;
}

const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
const tally = (map: Map<string, number>) =>
  [...map.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k}×${n}`)
    .join(" ");

function answerKey(o: Outcome): string {
  if (o.end === "aborted") return "aborted";
  if (o.end === "timeout") return "timeout";
  if (o.end === "network-error") return "neterr";
  return `${o.status}${o.end === "answered" ? "" : `+${o.end}`}`;
}

export function verdict(r: Report): { pass: boolean; reasons: string[] } {
  const reasons: string[] = [];
  if (r.verify.lost) reasons.push(`${r.verify.lost} record(s) lost`);
  if (r.verify.duplicated) reasons.push(`${r.verify.duplicated} record(s) duplicated`);
  if (r.verify.unexpected) reasons.push(`${r.verify.unexpected} record(s) for refused requests`);
  const serverFaults = r.outcomes.filter(isServerFault).length;
  if (serverFaults) reasons.push(`${serverFaults} unexplained 5xx or broken 200(s)`);
  if (r.flood && floodHeld(r.flood) === false)
    reasons.push(`acme's p99 during the flood is over ${FLOOD_P99_RATIO}× its p99 before`);
  return { pass: reasons.length === 0, reasons };
}

export function renderReport(r: Report, header: string): string {
  const { outcomes, verify: v } = r;
  const lines = [header];
  const answers = new Map<string, number>();
  for (const o of outcomes.slice(0, r.soakSent)) bump(answers, answerKey(o));
  lines.push(
    `sent      ${r.soakSent} in ${r.loadSeconds.toFixed(1)} s (${(r.soakSent / r.loadSeconds).toFixed(0)}/s)` +
      (r.notSent ? `; ${r.notSent} NOT sent (--max-seconds)` : ""),
  );
  lines.push(`answered  ${tally(answers)}`);
  lines.push(
    `records   ${v.owed} owed by ${v.ids} client ids, ${v.found} found: lost ${v.lost}, duplicated ${v.duplicated}, ` +
      `unexpected ${v.unexpected} (waited ${v.waitedSeconds.toFixed(0)} s, ${v.passes} passes)`,
  );
  if (v.answeredWithoutRecord) lines.push(`          ${v.answeredWithoutRecord} answered request(s) have no record`);
  if (v.missingByLabel.size) lines.push(`lost by   ${tally(v.missingByLabel)}`);
  if (v.devProxyErrors)
    lines.push(
      `dev proxy ${v.devProxyErrors} request(s) answered 503 by wrangler dev's proxy, not by the gateway ` +
        `(owed a record only if the gateway saw them; ${v.devProxyRecords} left one)`,
    );

  // Per kind: sent, what the client saw, what the records say.
  const byLabel = new Map<string, Outcome[]>();
  for (const o of outcomes) byLabel.get(o.req.label)?.push(o) ?? byLabel.set(o.req.label, [o]);
  lines.push(`by kind   ${"kind".padEnd(36)} ${"sent".padStart(5)}  answers → record statuses`);
  for (const [label, list] of [...byLabel.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const seen = new Map<string, number>();
    for (const o of list) bump(seen, answerKey(o));
    const statuses = v.statusByLabel.get(label);
    lines.push(
      `          ${label.padEnd(36)} ${String(list.length).padStart(5)}  ${tally(seen)} → ${statuses ? tally(statuses) : "-"}`,
    );
  }
  for (const [label, m] of v.mismatches) lines.push(`status?   ${label}: ${tally(m)}`);

  const surprises = new Map<string, number>();
  for (const o of outcomes) {
    const s = surprise(o);
    const kind = o.req.stream && !o.req.label.includes("(stream)") ? `${o.req.label} (stream)` : o.req.label;
    if (s) bump(surprises, `${kind}: ${s}`);
  }
  const serverFaults = outcomes.filter(isServerFault).length;
  lines.push(
    `gateway   unexplained answers ${[...surprises.values()].reduce((a, b) => a + b, 0)}, of which 5xx or broken 200: ${serverFaults}`,
  );
  for (const [what, n] of [...surprises.entries()].slice(0, 12)) lines.push(`          ${n}× ${what}`);

  const healthy = outcomes.filter((o) => o.req.kind === "healthy" && surprise(o) === null);
  const lat = (stream: boolean) => summarize(healthy.filter((o) => o.req.stream === stream).map((o) => o.ms));
  const [plain, streamed] = [lat(false), lat(true)];
  lines.push(
    `latency   healthy, whole answer: p50 ${plain.p50_ms} ms, p99 ${plain.p99_ms} ms (non-stream); ` +
      `p50 ${streamed.p50_ms} ms, p99 ${streamed.p99_ms} ms (stream)`,
  );
  if (r.stackLog) {
    const s = r.stackLog;
    lines.push(
      `queue     consumer: ${s.batchesSplit} batch(es) split, ${s.messagesRetried} message(s) retried, ` +
        `${s.d1Failing} D1-failing; ${s.uncaught} uncaught error line(s) in the stack log`,
    );
  }
  if (v.offIds.length) {
    lines.push("off ids   (client id: requests → records)");
    for (const e of v.offIds)
      lines.push(
        `          ${e.clientId} [${e.tenants.join(",")}] sent ${e.sent}, owed ${e.owed}, found ${e.found}: ${e.labels.join(", ")} → ${e.statuses.join(", ") || "none"}`,
      );
  }
  if (r.flood) {
    const f = r.flood;
    const fmt = (p: FloodResult["before"]) =>
      `p50 ${p.p50_ms} ms, p99 ${p.p99_ms} ms, max ${p.max_ms} ms (n ${p.n}, errors ${p.errors})`;
    lines.push(
      `flood     globex: ${f.flood.sent} requests in ${f.flood.seconds.toFixed(1)} s (${f.flood.perSecond.toFixed(0)}/s), ${JSON.stringify(f.flood.byStatus)}`,
    );
    lines.push(`          acme before: ${fmt(f.before)}`);
    lines.push(`          acme during: ${fmt(f.during)}`);
    const held = floodHeld(f);
    const ratio = f.before.p99_ms ? (f.during.p99_ms / f.before.p99_ms).toFixed(2) : "n/a";
    lines.push(
      `          p99 during/before ${ratio} (at most ${FLOOD_P99_RATIO}): ${held === null ? "not measured" : held ? "held" : "NOT held"}`,
    );
  }
  const { pass, reasons } = verdict(r);
  lines.push(`result    ${pass ? "PASS" : `FAIL: ${reasons.join("; ")}`}`);
  return lines.join("\n");
}

export function reportJson(r: Report) {
  const answers = new Map<string, number>();
  for (const o of r.outcomes.slice(0, r.soakSent)) bump(answers, answerKey(o));
  const { offIds, statusByLabel, mismatches, missingByLabel, ...counts } = r.verify;
  return {
    sent: r.soakSent,
    not_sent: r.notSent,
    load_seconds: r.loadSeconds,
    answered: Object.fromEntries(answers),
    records: counts,
    record_statuses: Object.fromEntries([...statusByLabel].map(([k, m]) => [k, Object.fromEntries(m)])),
    missing_by_kind: Object.fromEntries(missingByLabel),
    status_mismatches: Object.fromEntries([...mismatches].map(([k, m]) => [k, Object.fromEntries(m)])),
    off_ids: offIds,
    unexplained_server_faults: r.outcomes.filter(isServerFault).length,
    stack_log: r.stackLog,
    flood: r.flood && { before: r.flood.before, during: r.flood.during, globex: r.flood.flood },
    ...verdict(r),
  };
}
