// Counts the interaction records a soak run left, per client request id.
// Records are written by the queue consumer a second or two after each
// request ends, so this lists every record of the run (GET /v1/interactions
// since the run started, keyset-paginated, 100 a page) again and again until
// every id has its records and two passes agree, or --settle-seconds pass.
// Then the ids whose count is still off are asked for one by one
// (?client_request_id=…), so a paging quirk cannot pass for a loss.
//
// lost       = records missing: for each id, requests that owed one minus records found
// duplicated = records too many for an id whose requests owed records
// unexpected = records for requests the gateway refused before any upstream call
import { getJson, sleep } from "./http";
import type { RecordStatus } from "./mix";
import type { Outcome } from "./send";

interface Summary {
  id: string;
  client_request_id: string | null;
  status: RecordStatus;
  http_status: number | null;
  stream: boolean;
}
interface Page {
  data: Summary[];
  has_more: boolean;
  next_cursor: string | null;
}

export interface VerifyInput {
  base: string;
  /** API key per tenant the run sent to. */
  keys: Record<string, string>;
  /** Epoch ms a little before the first request. */
  since: number;
  /** Every client id of this run starts with it. */
  prefix: string;
  settleSeconds: number;
  log: (message: string) => void;
}

export interface IdCount {
  clientId: string;
  /** Tenants its requests went to (a reused id may span several). */
  tenants: string[];
  sent: number;
  owed: number;
  /** Requests wrangler dev's proxy failed (Outcome.devProxyError): each may or may not have a record. */
  maybe: number;
  found: number;
  labels: string[];
  statuses: string[];
}

export interface VerifyResult {
  ids: number;
  owed: number;
  found: number;
  lost: number;
  duplicated: number;
  unexpected: number;
  /** Requests whose x-request-id came back but has no record. */
  answeredWithoutRecord: number;
  /** label -> requests known to have no record (by gateway id, or by a client id no other request shares). */
  missingByLabel: Map<string, number>;
  /** Requests wrangler dev's proxy failed, and records found for them (beyond what was owed). */
  devProxyErrors: number;
  devProxyRecords: number;
  /** Ids whose count is off, for the report (at most 20). */
  offIds: IdCount[];
  /** label -> record status -> count (records matched to a request by gateway id). */
  statusByLabel: Map<string, Map<string, number>>;
  /** label -> "expected X, record says Y" -> count. */
  mismatches: Map<string, Map<string, number>>;
  waitedSeconds: number;
  passes: number;
}

async function listRecords(input: VerifyInput, tenant: string, extra = ""): Promise<Summary[]> {
  const out: Summary[] = [];
  let cursor: string | null = null;
  do {
    const query = `limit=100&since=${input.since}${extra}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const page: Page = await getJson<Page>(input.base, input.keys[tenant], `/v1/interactions?${query}`);
    for (const r of page.data) if (r.client_request_id?.startsWith(input.prefix)) out.push(r);
    cursor = page.has_more ? page.next_cursor : null;
  } while (cursor);
  return out;
}

const bump = <K>(map: Map<K, number>, key: K, by = 1) => map.set(key, (map.get(key) ?? 0) + by);

export async function verifyRecords(outcomes: readonly Outcome[], input: VerifyInput): Promise<VerifyResult> {
  const byId = new Map<string, IdCount>();
  for (const o of outcomes) {
    const entry = byId.get(o.req.clientId) ?? {
      clientId: o.req.clientId,
      tenants: [],
      sent: 0,
      owed: 0,
      maybe: 0,
      found: 0,
      labels: [],
      statuses: [],
    };
    entry.sent++;
    if (!entry.tenants.includes(o.req.tenant)) entry.tenants.push(o.req.tenant);
    if (o.devProxyError) entry.maybe++;
    else entry.owed += o.req.expectRecords;
    const answer = `${o.status ?? o.end}${o.end === "aborted" && o.status ? " aborted" : ""}`;
    entry.labels.push(
      `${o.req.label}${o.req.stream ? "/stream" : ""}→${answer}${o.gatewayId ? ` ${o.gatewayId}` : ""}`,
    );
    byId.set(o.req.clientId, entry);
  }
  const owed = [...byId.values()].reduce((sum, e) => sum + e.owed, 0);
  const tenants = [...new Set(outcomes.map((o) => o.req.tenant))];
  const started = Date.now();
  let records: Summary[] = [];
  let passes = 0;
  let previousTotal = -1;
  for (;;) {
    records = (await Promise.all(tenants.map((t) => listRecords(input, t)))).flat();
    passes++;
    const found = new Map<string, number>();
    for (const r of records) bump(found, r.client_request_id!);
    let missing = 0;
    for (const e of byId.values()) missing += Math.max(0, e.owed - (found.get(e.clientId) ?? 0));
    const waited = (Date.now() - started) / 1000;
    input.log(
      `records: ${records.length} of ${owed} owed, ${missing} still missing (pass ${passes}, ${waited.toFixed(0)} s)`,
    );
    if (missing === 0 && records.length === previousTotal) break;
    if (waited >= input.settleSeconds) break;
    previousTotal = missing === 0 ? records.length : -1;
    await sleep(missing === 0 ? 3000 : 2000);
  }

  const recordsById = new Map<string, Summary[]>();
  for (const r of records) recordsById.get(r.client_request_id!)?.push(r) ?? recordsById.set(r.client_request_id!, [r]);
  // Ask again, id by id, for every id whose count is off.
  for (const e of byId.values()) {
    const listed = recordsById.get(e.clientId) ?? [];
    if (listed.length >= e.owed && listed.length <= e.owed + e.maybe) continue;
    const query = `&client_request_id=${encodeURIComponent(e.clientId)}`;
    const direct = await Promise.all(e.tenants.map((t) => listRecords(input, t, query)));
    recordsById.set(e.clientId, direct.flat());
  }

  let lost = 0;
  let duplicated = 0;
  let unexpected = 0;
  let found = 0;
  let devProxyErrors = 0;
  let devProxyRecords = 0;
  const offIds: IdCount[] = [];
  for (const e of byId.values()) {
    const recs = recordsById.get(e.clientId) ?? [];
    e.found = recs.length;
    e.statuses = recs.map((r) => `${r.status}${r.stream ? "/stream" : ""} ${r.http_status ?? ""}`.trim());
    found += e.found;
    devProxyErrors += e.maybe;
    devProxyRecords += Math.min(e.maybe, Math.max(0, e.found - e.owed));
    if (e.found < e.owed) lost += e.owed - e.found;
    else if (e.found > e.owed + e.maybe) {
      if (e.owed === 0 && e.maybe === 0) unexpected += e.found;
      else duplicated += e.found - e.owed - e.maybe;
    }
    if ((e.found < e.owed || e.found > e.owed + e.maybe) && offIds.length < 20) offIds.push(e);
  }

  const recordByGatewayId = new Map<string, Summary>();
  for (const recs of recordsById.values()) for (const r of recs) recordByGatewayId.set(r.id, r);
  const statusByLabel = new Map<string, Map<string, number>>();
  const mismatches = new Map<string, Map<string, number>>();
  let answeredWithoutRecord = 0;
  const missingByLabel = new Map<string, number>();
  for (const o of outcomes) {
    if (o.req.expectRecords === 0 || o.devProxyError) continue;
    // By the gateway's id when the headers came back; else (abandoned before
    // them) by the client id, when no other request shares it.
    const record = o.gatewayId
      ? recordByGatewayId.get(o.gatewayId)
      : o.req.reused
        ? undefined
        : recordsById.get(o.req.clientId)?.[0];
    if (!record) {
      if (o.gatewayId) answeredWithoutRecord++;
      if (o.gatewayId || !o.req.reused) bump(missingByLabel, o.req.label);
      continue;
    }
    const label = o.req.label;
    bump(statusByLabel.get(label) ?? statusByLabel.set(label, new Map()).get(label)!, record.status);
    if (record.status !== o.req.expectStatus) {
      const m = mismatches.get(label) ?? mismatches.set(label, new Map()).get(label)!;
      bump(m, `expected ${o.req.expectStatus}, record says ${record.status}`);
    }
  }
  return {
    ids: byId.size,
    owed,
    found,
    lost,
    duplicated,
    unexpected,
    answeredWithoutRecord,
    missingByLabel,
    devProxyErrors,
    devProxyRecords,
    offIds,
    statusByLabel,
    mismatches,
    waitedSeconds: (Date.now() - started) / 1000,
    passes,
  };
}
