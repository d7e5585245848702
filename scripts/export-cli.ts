// npm run export -- --format openai-sft --task support --out data.jsonl
// Exports training data from a running gateway. By default it starts a
// background export (a Workflow) so it can show real progress (rows done of
// rows total) and then downloads the file; --stream uses the streaming
// endpoint instead. The stats line goes to stderr, never into the file.
import { createWriteStream } from "node:fs";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    url: { type: "string", default: process.env.SWITCHYARD_URL ?? "http://127.0.0.1:8787" },
    key: { type: "string", default: process.env.SWITCHYARD_API_KEY ?? "sk-acme-dev" },
    format: { type: "string" },
    task: { type: "string" },
    adapter: { type: "string" },
    version: { type: "string" },
    audience: { type: "string" },
    since: { type: "string" },
    until: { type: "string" },
    "min-score": { type: "string" },
    tags: { type: "string" },
    system: { type: "string" },
    split: { type: "string" },
    "val-ratio": { type: "string" },
    "no-redact": { type: "boolean", default: false },
    "no-dedup": { type: "boolean", default: false },
    stream: { type: "boolean", default: false },
    out: { type: "string" },
    help: { type: "boolean", default: false },
  },
});

const USAGE = `usage: npm run export -- --format <openai-sft|openai-dpo|trl-sft|trl-dpo|trl-kto> [--task T] [--adapter A]
  [--version V] [--audience A] [--since T] [--until T] [--min-score S] [--tags a,b] [--system as_sent|client|none]
  [--split train|validation] [--val-ratio R] [--no-redact] [--no-dedup] [--stream] [--out file.jsonl]
  [--url ${args.url}] [--key sk-…]   (or SWITCHYARD_URL / SWITCHYARD_API_KEY)`;

if (args.help || !args.format) {
  console.error(USAGE);
  process.exit(args.help ? 0 : 2);
}

const headers = { authorization: `Bearer ${args.key}`, "content-type": "application/json" };
const out = args.out ? createWriteStream(args.out) : process.stdout;

function progress(done: number, total: number | null, started: number) {
  const rate = Math.round(done / Math.max(0.001, (Date.now() - started) / 1000));
  if (!total) return `${done} rows, ${rate} rows/s`;
  const width = 30;
  const filled = Math.round((done / total) * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${Math.floor((done / total) * 100)}% ${done}/${total} rows, ${rate} rows/s`;
}

function draw(text: string) {
  if (process.stderr.isTTY) process.stderr.write(`\r${text}\x1b[K`);
}

async function fail(response: Response): Promise<never> {
  const text = await response.text();
  let message = text;
  try {
    const { error } = JSON.parse(text);
    message = `${error.message}${error.param ? ` (param: ${error.param})` : ""}`;
  } catch {
    // not JSON: print as is
  }
  console.error(`\nexport failed: HTTP ${response.status}: ${message}`);
  process.exit(1);
}

async function pipeBody(response: Response, onLine?: () => void): Promise<string | null> {
  let lastLine: string | null = null;
  let pending = "";
  const decoder = new TextDecoder();
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    pending += decoder.decode(chunk, { stream: true });
    const cut = pending.lastIndexOf("\n");
    if (cut < 0) continue;
    for (const line of pending.slice(0, cut).split("\n")) {
      if (line.startsWith('{"switchyard_export"')) lastLine = line;
      else if (line) {
        if (!out.write(`${line}\n`)) await new Promise<void>((r) => out.once("drain", () => r()));
        onLine?.();
      }
    }
    pending = pending.slice(cut + 1);
  }
  return lastLine;
}

function specBody() {
  const spec: Record<string, unknown> = { format: args.format };
  for (const k of ["task", "adapter", "version", "audience", "system", "split"] as const)
    if (args[k]) spec[k] = args[k];
  const time = (t: string) => (/^\d+$/.test(t) ? Number(t) : Date.parse(t));
  if (args.since) spec.since = time(args.since);
  if (args.until) spec.until = time(args.until);
  if (args["min-score"]) spec.min_score = Number(args["min-score"]);
  if (args["val-ratio"]) spec.val_ratio = Number(args["val-ratio"]);
  if (args.tags) spec.tags = args.tags.split(",");
  if (args["no-redact"]) spec.redact = false;
  if (args["no-dedup"]) spec.dedup = false;
  return spec;
}

async function viaStream() {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(specBody())) query.set(k, Array.isArray(v) ? v.join(",") : String(v));
  query.set("include_stats", "true");
  const response = await fetch(`${args.url}/v1/exports/training-data?${query}`, { headers });
  if (!response.ok) await fail(response);
  const started = Date.now();
  let lines = 0;
  const stats = await pipeBody(response, () => {
    if (++lines % 500 === 0) draw(`${lines} examples, ${Math.round(lines / ((Date.now() - started) / 1000))}/s`);
  });
  draw(`${lines} examples`);
  return stats ? JSON.parse(stats).switchyard_export : null;
}

async function viaJob() {
  const created = await fetch(`${args.url}/v1/exports`, { method: "POST", headers, body: JSON.stringify(specBody()) });
  if (!created.ok) await fail(created);
  const { id } = (await created.json()) as { id: string };
  const started = Date.now();
  for (;;) {
    const response = await fetch(`${args.url}/v1/exports/${id}`, { headers });
    if (!response.ok) await fail(response);
    const job = (await response.json()) as {
      status: string;
      rows_done: number;
      rows_total: number | null;
      stats: unknown;
      error: string | null;
    };
    draw(progress(job.rows_done, job.rows_total, started));
    if (job.status === "failed") {
      console.error(`\nexport ${id} failed: ${job.error}`);
      process.exit(1);
    }
    if (job.status === "complete") {
      const file = await fetch(`${args.url}/v1/exports/${id}/file`, { headers });
      if (!file.ok) await fail(file);
      await pipeBody(file);
      return { export_id: id, ...(job.stats as object) };
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

const stats = await (args.stream ? viaStream() : viaJob());
if (process.stderr.isTTY) process.stderr.write("\n");
// The stats header line: rows seen, examples written, and every skip reason.
console.error(JSON.stringify({ switchyard_export: stats }));
if (out !== process.stdout) await new Promise<void>((r) => out.end(() => r()));
