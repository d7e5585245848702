// What the client should see for each kind of request, and the check of an
// outcome against it. Healthy and big requests must be answered whole (200;
// a stream through [DONE]); a fault answers the status its failure maps to
// (docs/errors.md), a cut stream a 200 ending in an error event (or, once the
// circuit breaker has opened on the cuts, the plain 502); an invalid
// request a 404; an abandoned request may also have been answered whole
// before the client left. Anything else is a surprise, reported with the
// request's kind, and a 5xx among them fails the run.
import type { Outcome } from "./send";
import { FAULTS } from "./soak-tenant";

interface Expected {
  status: number;
  end: Outcome["end"];
}

function expected(o: Outcome): Expected {
  const { req } = o;
  if (req.kind === "invalid") return { status: 404, end: "answered" };
  if (req.kind === "refused") return { status: 429, end: "answered" };
  if (req.kind === "fault") {
    const fault = FAULTS[req.task];
    if (req.stream && fault.streamHttp) return { status: 200, end: "error-event" };
    return { status: fault.http, end: "answered" };
  }
  return { status: 200, end: "answered" };
}

/** null when the outcome is what its kind should get, else a short description. */
export function surprise(o: Outcome): string | null {
  const aborting = o.req.kind === "abort-early" || o.req.kind === "abort-mid";
  if (o.end === "aborted") return aborting ? null : "aborted by the client unplanned";
  if (o.devProxyError) return "503 from wrangler dev's proxy (its call to the worker failed)";
  const want = expected(o);
  if (o.status === want.status && o.end === want.end) return null;
  // Once earlier cuts have opened the upstream's circuit breaker (docs/adapters.md), a
  // streamed request to it fails at once, as the replica last failed, before any 200.
  const fault = o.req.kind === "fault" ? FAULTS[o.req.task] : undefined;
  if (o.req.stream && fault?.streamHttp && o.status === fault.http && o.end === "answered") return null;
  if (o.end === "timeout") return `no answer within --request-timeout${o.status ? ` (status ${o.status} came)` : ""}`;
  if (o.end === "network-error") return `network error before any answer: ${o.detail ?? ""}`.trim();
  const got = `${o.status}${o.end === "answered" ? "" : ` then ${o.end}`}${o.errorCode ? ` ${o.errorCode}` : ""}`;
  const said = o.detail ? ` ("${o.detail}")` : "";
  return `got ${got}${said}, expected ${want.status}${want.end === "answered" ? "" : ` then ${want.end}`}`;
}

/** A surprise the gateway answered with a 5xx, or a 200 that broke where none should. */
export function isServerFault(o: Outcome): boolean {
  // Not the gateway's answer: reported on its own line (report.ts), with the records it left.
  if (o.devProxyError || surprise(o) === null) return false;
  return (o.status !== null && o.status >= 500) || (o.status === 200 && o.end !== "answered");
}
