// npm run rollout -- <command> [flags]   (docs/rollouts.md)
// Starts, reads and steers quality-gated rollouts through the admin API.
import { parseArgs } from "node:util";
import { ApiError, decisionLine, historyLines, rolloutClient, rolloutLine, type Json } from "./lib/rollout-client";

const USAGE = `npm run rollout -- <command> [flags]

commands:
  start --task T --candidate V [--baseline V] [--rule R] [--steps 5,25,50,100]
        [--min-feedback N] [--min-step-seconds S] [--per-segment audience]
  status [ID]          one rollout with its history, or all of the tenant's
  evaluate ID          one evaluation now
  pause ID | resume ID | abort ID

flags:
  --tenant NAME        default acme
  --url URL            default http://127.0.0.1:8787 (npm start)
  --token TOKEN        ADMIN_TOKEN or a manage-scope key of the tenant; default $SWITCHYARD_TOKEN, else admin-dev
  --json               print the API's answer as JSON`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    tenant: { type: "string", default: "acme" },
    url: { type: "string", default: "http://127.0.0.1:8787" },
    token: { type: "string", default: process.env.SWITCHYARD_TOKEN ?? "admin-dev" },
    task: { type: "string" },
    candidate: { type: "string" },
    baseline: { type: "string" },
    rule: { type: "string" },
    steps: { type: "string" },
    "min-feedback": { type: "string" },
    "min-step-seconds": { type: "string" },
    "per-segment": { type: "string" },
    json: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});

const [command, id] = positionals;
const client = rolloutClient({ base: values.url, token: values.token, tenant: values.tenant });

function show(rollout: Json): void {
  if (values.json) return console.log(JSON.stringify(rollout, null, 2));
  console.log(rolloutLine(rollout));
  if (rollout.state_reason) console.log(`  why: ${rollout.state_reason}`);
  console.log(`  latest decision: ${decisionLine(rollout.decision)}`);
  if (rollout.history) for (const line of historyLines(rollout)) console.log(line);
}

function startBody(): Json {
  if (!values.task || !values.candidate) throw new Error("start needs --task and --candidate");
  const number = (flag: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`--${flag} must be a number`);
    return n;
  };
  return {
    task: values.task,
    candidate: values.candidate,
    baseline: values.baseline,
    rule: values.rule,
    steps: values.steps?.split(",").map((s) => number("steps", s)),
    min_feedback: number("min-feedback", values["min-feedback"]),
    min_step_seconds: number("min-step-seconds", values["min-step-seconds"]),
    guards: values["per-segment"] ? { per_segment: values["per-segment"] } : undefined,
  };
}

function needId(): string {
  if (!id) throw new Error(`${command} needs a rollout id (npm run rollout -- status lists them)`);
  return id;
}

async function main(): Promise<void> {
  switch (command) {
    case "start":
      return show(await client.start(startBody()));
    case "status": {
      if (id) return show(await client.get(id));
      const all = await client.list();
      if (values.json) return console.log(JSON.stringify(all, null, 2));
      if (all.length === 0) console.log(`no rollouts for tenant ${values.tenant}`);
      for (const r of all) console.log(`${rolloutLine(r)}\n  latest decision: ${decisionLine(r.decision)}`);
      return;
    }
    case "evaluate": {
      const outcome = await client.evaluate(needId());
      if (values.json) return console.log(JSON.stringify(outcome, null, 2));
      console.log(decisionLine(outcome.decision));
      return show(outcome.rollout);
    }
    case "pause":
    case "resume":
    case "abort": {
      const outcome = await client[command](needId());
      return show(outcome.rollout);
    }
    default:
      console.log(USAGE);
      if (!values.help && command !== "help") process.exitCode = 2;
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ApiError || error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
