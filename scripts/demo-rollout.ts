// npm run demo:rollout [-- --equal] [-- --url http://127.0.0.1:8787]
// Against a running `npm start`: starts a rollout of acme's support-v2 against
// support-v1 (per_segment: audience), then in rounds sends chat traffic as
// customers and developers, rates every answer as simulated end users would,
// and evaluates, printing each decision, until the rollout ends.
// By default the candidate is better for customers (95 % thumbs up against
// 80 %) and worse for developers (60 % against 80 %): on average it is about
// as good, so the overall guard hardly moves, and the per-audience guard
// rolls it back because developers would be left worse off. With --equal both versions are
// liked the same everywhere, and it promotes.
// The evaluation runs every minute by itself (the cron npm start ticks); the
// demo calls POST …/evaluate after each round so it ends in a few minutes.
import { parseArgs } from "node:util";
import { DEMO_KEYS } from "./lib/demo-keys";
import { decisionLine, historyLines, rolloutClient, rolloutLine, type Json } from "./lib/rollout-client";

const { values } = parseArgs({
  options: {
    url: { type: "string", default: "http://127.0.0.1:8787" },
    token: { type: "string", default: "admin-dev" },
    equal: { type: "boolean", default: false },
    "per-round": { type: "string", default: "300" },
    concurrency: { type: "string", default: "24" },
    "max-seconds": { type: "string", default: "420" },
    seed: { type: "string", default: "7" },
  },
});

const TENANT = "acme";
const TASK = "support";
const BASELINE = "support-v1";
const CANDIDATE = "support-v2";
const AUDIENCES = ["customer", "developer"] as const;
const base = values.url;
const key = DEMO_KEYS[TENANT];
const perRound = Number(values["per-round"]);
const concurrency = Number(values.concurrency);
const deadline = Date.now() + Number(values["max-seconds"]) * 1000;
const client = rolloutClient({ base, token: values.token, tenant: TENANT });

/** The simulated users' chance of a thumbs up, by version and audience. */
function likeRate(version: string, audience: string): number {
  if (version !== CANDIDATE || values.equal) return 0.8;
  return audience === "developer" ? 0.6 : 0.95;
}

// mulberry32: a seeded generator, so a run can be repeated.
let state = Number(values.seed) >>> 0;
function random(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** POST as the tenant; a 503 or a dropped connection (wrangler dev reloading) is retried a few times. */
async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    }).catch((error: unknown) => (attempt < 4 ? null : Promise.reject(error)));
    if (res && (res.status !== 503 || attempt >= 4)) return res;
    await res?.arrayBuffer();
    await sleep(500 * attempt);
  }
}

interface Tally {
  [arm: string]: { served: number; liked: number };
}

/** One simulated user: one question, one rating. */
async function oneUser(n: number, tally: Tally): Promise<void> {
  const audience = AUDIENCES[n % AUDIENCES.length];
  const user = `demo-${values.seed}-${Math.floor(random() * 1e12).toString(36)}`;
  const res = await post(
    "/v1/chat/completions",
    { model: TASK, user, messages: [{ role: "user", content: `How do I rotate my API key? (#${n})` }] },
    { "x-switchyard-audience": audience },
  );
  if (!res.ok) throw new Error(`chat: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
  const version = res.headers.get("x-switchyard-adapter-version") ?? "?";
  const liked = random() < likeRate(version, audience);
  const arm = `${version === CANDIDATE ? "candidate" : "baseline"}/${audience}`;
  tally[arm] ??= { served: 0, liked: 0 };
  tally[arm].served++;
  if (liked) tally[arm].liked++;
  const fb = await post("/v1/feedback", { request_id: res.headers.get("x-request-id"), rating: liked ? 1 : -1 });
  if (!fb.ok) throw new Error(`feedback: ${fb.status} ${await fb.text()}`);
}

async function round(offset: number): Promise<Tally> {
  const tally: Tally = {};
  let next = 0;
  const worker = async () => {
    while (next < perRound) await oneUser(offset + next++, tally);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return tally;
}

async function main(): Promise<number> {
  const health = await fetch(`${base}/healthz`).catch(() => null);
  if (!health?.ok) {
    console.error(`No gateway at ${base}: start it with \`npm start\` first.`);
    return 1;
  }
  for (const r of await client.list()) {
    if (r.task === TASK && (r.state === "running" || r.state === "paused")) {
      await client.abort(r.id);
      console.log(`aborted the earlier demo rollout ${r.id}`);
    }
  }
  const rollout = await client.start({
    task: TASK,
    candidate: CANDIDATE,
    baseline: BASELINE,
    // Demo settings, so it ends in minutes on a laptop: a bigger first step, a
    // short minimum step, a 10-point tolerance (the default 5 needs a few
    // thousand ratings per arm to prove) and no latency guard (the dev
    // upstream answers in constant time, and an always-valid bound on a p95
    // needs a thousand requests or more per arm before it lets a step pass).
    steps: [20, 50, 100],
    min_feedback: 100,
    min_step_seconds: 5,
    guards: { per_segment: "audience", max_positive_rate_drop: 0.1, max_p95_latency_ratio: null },
  });
  console.log(
    `Candidate ${CANDIDATE} is ${values.equal ? "as good as the baseline everywhere" : "better for customers (95 % vs 80 % thumbs up) but worse for developers (60 % vs 80 %)"}.`,
  );
  console.log(`started  ${rolloutLine(rollout)}`);

  let current: Json = rollout;
  for (let i = 1; current.state === "running" && Date.now() < deadline; i++) {
    const tally = await round(i * perRound);
    // The log consumer writes interactions (and their rollups) about a second after the answer.
    await sleep(2500);
    const outcome = await client.evaluate(rollout.id);
    current = outcome.rollout;
    const served = Object.entries(tally)
      .sort()
      .map(([arm, t]) => `${arm} ${t.liked}/${t.served}`)
      .join(", ");
    console.log(`round ${i}: sent ${perRound} rated answers (${served})`);
    console.log(`  eval: ${decisionLine(outcome.decision)}`);
    if (outcome.transition) console.log(`  -> ${outcome.transition.action}: ${rolloutLine(current)}`);
  }

  console.log(`\n${rolloutLine(current)}`);
  for (const line of historyLines(current)) console.log(line);
  const expected = values.equal ? "promoted" : "rolled_back";
  if (current.state !== expected) {
    console.error(`\nThe rollout is ${current.state}, not ${expected}.`);
    return 1;
  }
  console.log(`\nThe rollout ${expected === "promoted" ? "promoted" : "rolled back"}; see the manifest history:`);
  console.log(`  curl -s -H 'authorization: Bearer ${values.token}' ${base}/admin/tenants/${TENANT}/manifests`);
  return 0;
}

process.exitCode = await main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  return 1;
});
