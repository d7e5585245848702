// The rollout admin API as `npm run rollout` and `npm run demo:rollout` call
// it (docs/rollouts.md), and one-line summaries of what it answers.

export interface RolloutClientOptions {
  /** e.g. http://127.0.0.1:8787 */
  base: string;
  /** ADMIN_TOKEN, or an API key of the tenant with the manage scope. */
  token: string;
  tenant: string;
}

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Json,
  ) {
    super(`${status} ${body?.error?.code ?? ""}: ${body?.error?.message ?? JSON.stringify(body)}`);
  }
}

export function rolloutClient(o: RolloutClientOptions) {
  const root = `${o.base}/admin/tenants/${encodeURIComponent(o.tenant)}/rollouts`;
  async function send(method: string, url: string, body?: unknown): Promise<Json> {
    const res = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${o.token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const json = (await res.json().catch(() => ({}))) as Json;
    if (!res.ok) throw new ApiError(res.status, json);
    return json;
  }
  const one = (id: string) => `${root}/${encodeURIComponent(id)}`;
  return {
    start: (body: Json) => send("POST", root, body),
    list: async () => (await send("GET", root)).data as Json[],
    get: (id: string) => send("GET", one(id)),
    evaluate: (id: string) => send("POST", `${one(id)}/evaluate`, {}),
    pause: (id: string) => send("POST", `${one(id)}/pause`, {}),
    resume: (id: string) => send("POST", `${one(id)}/resume`, {}),
    abort: (id: string) => send("POST", `${one(id)}/abort`, {}),
  };
}

const pct = (x: unknown) => (typeof x === "number" ? `${(x * 100).toFixed(1)}%` : "n/a");

/** "v2 5% of default (support) running, step 1/4" */
export function rolloutLine(r: Json): string {
  const steps: number[] = r.config?.steps ?? [];
  return `${r.id}  ${r.task}/${r.rule}  ${r.candidate} vs ${r.baseline}  ${r.state}  share ${r.share}%  step ${r.step + 1}/${steps.length}`;
}

const arm = (a: Json | undefined) => (a ? `${pct(a.rate)} of ${a.n}` : "n/a");
const comparison = (c: Json) => `candidate ${arm(c.candidate)} vs baseline ${arm(c.baseline)}`;

/** One line per evaluation: action, share, the positive rates (per audience too), the reason. */
export function decisionLine(d: Json | null | undefined): string {
  if (!d) return "no decision yet";
  const stats = (d.stats ?? {}) as Json;
  const parts: string[] = [];
  if (stats.positive_rate) parts.push(`liked: ${comparison(stats.positive_rate)}`);
  for (const a of stats.audiences ?? []) parts.push(`${a.audience}: ${comparison(a)}${a.worse ? " WORSE" : ""}`);
  return `${String(d.action).padEnd(8)} at ${d.share}%  ${parts.join(" | ")}\n    ${d.reason}`;
}

export function historyLines(r: Json): string[] {
  return (r.history ?? []).map(
    (e: Json) =>
      `  ${new Date(e.at).toISOString()}  ${String(e.action).padEnd(8)} ${e.from_share ?? "-"}% -> ${e.to_share ?? "-"}%  ${e.reason}` +
      (e.manifest_version ? `  (manifest v${e.manifest_version})` : ""),
  );
}
