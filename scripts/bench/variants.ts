// Ablation variants of the gateway, for measuring only (ablate.ts
// --variants): a copy of src/ under .wrangler/bench/variants/<name>/ with
// one part switched off or replaced, bundled like the real one. Comparing
// workerd CPU per request with and without a part prices that part without
// touching src/. A patch whose anchor text is gone fails loudly, so a stale
// variant cannot silently measure the unpatched code.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "../lib/offline-env";

interface Patch {
  file: string;
  find: string;
  replace: string;
}

export interface Variant {
  about: string;
  patches: Patch[];
  /**
   * What the load sends it: the gateway's client request (default), or the
   * pass-through's body (the upstream body the gateway would build, tone
   * prompt included) with the gateway's key, for steps that answer before
   * the gateway has planned the request, so the upstream does the same work.
   */
  request?: "gateway" | "upstream-body";
  /** Copy floor-answer.ts into the variant's src as src/bench-floor.ts (the ladder's steps). */
  floor?: true;
}

// The floor ladder: floor-answer.ts goes in as src/bench-floor.ts and each
// step answers with it from a later point of the real request path. The
// difference between two steps is what one layer of the gateway costs.
const FLOOR_FILE = "scripts/bench/floor-answer.ts";
const CHAT_HONO_IMPORT = 'import { Hono } from "hono";';
const CHAT_HANDLER_START =
  '  ...jsonBody(ChatCompletionRequestSchema),\n  async (c) => {\n    const body = c.req.valid("json");';
const CHAT_AFTER_PLAN = '    if (c.req.header("x-switchyard-dry-run") === "1") {';
const importFloor = (names: string, extra = ""): Patch => ({
  file: "src/api/chat.ts",
  find: CHAT_HONO_IMPORT,
  replace: `${CHAT_HONO_IMPORT}\nimport { ${names} } from "../bench-floor";${extra}`,
});
/** capture-stream with a BYOB reader over one reused 16 KB buffer (byob-read, read-at-least). */
const BYOB_READER: Patch = {
  file: "src/logging/capture-stream.ts",
  find: "const reader = upstream.getReader();",
  replace:
    'const reader = upstream.getReader({ mode: "byob" }) as unknown as ReadableStreamDefaultReader<Uint8Array>;\n  let readBuffer = new ArrayBuffer(16384);',
};
/** Steps in order; `ablate.ts --variants ladder` runs them, then no-log-send (all but the log). */
export const LADDER = [
  "floor",
  "floor-with-auth",
  "floor-with-validation",
  "floor-with-planning",
  "floor-with-upstream-call",
];

export const VARIANTS: Record<string, Variant> = {
  floor: {
    floor: true,
    about:
      "the whole Worker is floor-answer.ts: parse the body, fetch, rewrite id/model (streams through captureStream); no Hono, auth, validation, plan, fallback, token or log",
    request: "upstream-body",
    patches: [
      { file: "src/index.ts", find: "  fetch: app.fetch,", replace: "  fetch: floorFetch as never," },
      {
        file: "src/index.ts",
        find: 'import { createApp } from "./app";',
        replace: 'import { createApp } from "./app";\nimport { floorFetch } from "./bench-floor";',
      },
    ],
  },
  "floor-with-auth": {
    floor: true,
    about: "floor, answered inside Hono after the request-id and API-key middleware",
    request: "upstream-body",
    patches: [
      importFloor("floorAnswer"),
      {
        file: "src/api/chat.ts",
        find: CHAT_HANDLER_START,
        replace: `  async (c) => {\n    if (c) return floorAnswer(c.env.DB, await c.req.json());\n    const body = c.req.valid("json");`,
      },
    ],
  },
  "floor-with-validation": {
    floor: true,
    about: "floor-with-auth plus the content-type gate and zod validation of the body",
    request: "upstream-body",
    patches: [
      importFloor("floorAnswer"),
      {
        file: "src/api/chat.ts",
        find: CHAT_HANDLER_START,
        replace: `${CHAT_HANDLER_START}\n    if (body) return floorAnswer(c.env.DB, body);`,
      },
    ],
  },
  "floor-with-planning": {
    floor: true,
    about:
      "floor-with-validation plus planChat (route, tone, upstream body), then a direct fetch of the primary target",
    patches: [
      importFloor("plannedFloorAnswer"),
      {
        file: "src/api/chat.ts",
        find: CHAT_AFTER_PLAN,
        replace: `    if (plan) return plannedFloorAnswer(plan);\n${CHAT_AFTER_PLAN}`,
      },
    ],
  },
  "floor-with-upstream-call": {
    floor: true,
    about:
      "floor-with-planning, but the upstream is called as run-chat does: callWithFallback (timeout timer, AbortController, client-abort listener on request.signal, races, fallback loop) and the provider's complete() (Headers, API-key secret lookup, signal on the fetch)",
    patches: [
      importFloor("rewriteAnswer", '\nimport { callWithFallback } from "../providers/call-with-fallback";'),
      {
        file: "src/api/chat.ts",
        find: CHAT_AFTER_PLAN,
        replace: `    const outcome = await callWithFallback(plan.targets, {
      body: plan.upstreamBody,
      stream: plan.stream,
      env: c.env,
      clientSignal: c.req.raw.signal,
    });
    // A failed call must not fall through to runChat (a second upstream call).
    if (!outcome.ok) throw new Error("bench floor: upstream call failed");
    return rewriteAnswer(outcome.response, plan.stream, outcome.text);
${CHAT_AFTER_PLAN}`,
      },
    ],
  },
  "no-log-send": {
    about: "enqueueInteraction returns at once: no record serialized, nothing sent to LOG_QUEUE",
    patches: [
      {
        file: "src/logging/log-producer.ts",
        find: "export async function enqueueInteraction(env: Env, record: InteractionRecord): Promise<void> {",
        replace:
          "export async function enqueueInteraction(env: Env, record: InteractionRecord): Promise<void> {\n  if (record) return;",
      },
    ],
  },
  "log-send-no-write": {
    about: "records are packed and sent to LOG_QUEUE as shipped, but the consumer acks each batch without writing D1",
    patches: [
      {
        file: "src/logging/log-consumer.ts",
        find: "    await writeInteractions(this.db, records);",
        replace: "    void records;",
      },
    ],
  },
  "values-insert": {
    about:
      "the consumer inserts with multi-row VALUES statements (100 bound parameters each) instead of one JSON parameter through json_each",
    patches: [
      {
        file: "src/logging/write-interactions.ts",
        find: "export async function writeInteractions(db: D1Database, records: InteractionRecord[]): Promise<void> {",
        replace: `const ROWS_PER_STATEMENT = Math.max(1, Math.floor(100 / COLUMNS.length));
const sqlByRows = new Map<number, string>();
function valuesSql(rows: number): string {
  let sql = sqlByRows.get(rows);
  if (!sql) {
    const tuple = \`(\${COLUMNS.map(() => "?").join(", ")})\`;
    sql = \`INSERT INTO interactions (\${COLUMNS.map((c) => \`"\${c}"\`).join(", ")}) VALUES \${Array(rows).fill(tuple).join(", ")} ON CONFLICT DO NOTHING\`;
    sqlByRows.set(rows, sql);
  }
  return sql;
}
export async function writeInteractions(db: D1Database, records: InteractionRecord[]): Promise<void> {
  if (records.length === 0) return;
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < records.length; i += ROWS_PER_STATEMENT) {
    const chunk = records.slice(i, i + ROWS_PER_STATEMENT);
    const values: unknown[] = [];
    for (const record of chunk) {
      const row = toRow(record);
      for (const column of COLUMNS) values.push(row[column] ?? null);
    }
    statements.push(db.prepare(valuesSql(chunk.length)).bind(...values));
  }
  await db.batch(statements);
}
export async function writeWithJsonEach(db: D1Database, records: InteractionRecord[]): Promise<void> {`,
      },
    ],
  },
  "no-feedback-token": {
    about: "the response carries a constant feedback token: no HMAC, no base64url",
    patches: [
      {
        file: "src/chat/run-chat.ts",
        find: '"x-switchyard-feedback-token": await signFeedbackToken(',
        replace: '"x-switchyard-feedback-token": "v1.constant", _unused: void signFeedbackToken.bind(null, ',
      },
    ],
  },
  "no-abort-plumbing": {
    about: "upstream attempts without the timeout timer, the client-abort listener and the abort promise",
    patches: [
      {
        file: "src/providers/call-with-fallback.ts",
        find: `  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error("timeout"));
  }, target.upstream.timeout_ms);
  const onClientAbort = () => controller.abort(new Error("client disconnected"));
  input.clientSignal?.addEventListener("abort", onClientAbort);
  const aborted = new Promise<never>((_, reject) =>
    controller.signal.addEventListener("abort", () => reject(new Error("aborted"))),
  );
  aborted.catch(() => {});`,
        replace: `  const timer = undefined;
  void timedOut;
  const aborted = new Promise<never>(() => {});`,
      },
    ],
  },
  "byob-read": {
    about:
      "the stream capture reads the upstream with a BYOB reader into one reused 16 KB buffer instead of a new chunk per read",
    patches: [
      BYOB_READER,
      {
        file: "src/logging/capture-stream.ts",
        find: "    return reader.read();",
        replace: "    return (reader as unknown as ReadableStreamBYOBReader).read(new Uint8Array(readBuffer));",
      },
      {
        file: "src/logging/capture-stream.ts",
        find: "parser.feed(decoder.decode(next.value, { stream: true }));",
        replace:
          "parser.feed(decoder.decode(next.value, { stream: true }));\n            readBuffer = next.value!.buffer as ArrayBuffer;",
      },
    ],
  },
  "read-at-least": {
    about:
      "byob-read, but once the first token is out each read waits for at least 4 KB (workerd's readAtLeast), so one read takes many SSE events. A measure only: it holds tokens back on a slow or bursty upstream, and the idle watchdog counts a slow trickle as upstream silence",
    patches: [
      BYOB_READER,
      {
        file: "src/logging/capture-stream.ts",
        find: "    return reader.read();",
        replace:
          "    const byob = reader as unknown as ReadableStreamBYOBReader;\n    return tokenWritten ? byob.readAtLeast(4096, new Uint8Array(readBuffer)) : byob.read(new Uint8Array(readBuffer));",
      },
      {
        file: "src/logging/capture-stream.ts",
        find: "            if (next.done) return finish(controller);\n            parser.feed(decoder.decode(next.value, { stream: true }));",
        replace:
          "            if (next.value?.byteLength) parser.feed(decoder.decode(next.value, { stream: true }));\n            if (next.value) readBuffer = next.value.buffer as ArrayBuffer;\n            if (next.done) return finish(controller);",
      },
    ],
  },
  "raw-stream": {
    about: "the upstream stream is returned as is: no parse, rewrite or capture (the log record has no text)",
    patches: [
      {
        file: "src/chat/run-chat.ts",
        find: "const stream = captureStream(outcome.response.body!, {",
        replace: 'resolveEnd({ status: "ok" });\n    const stream = outcome.response.body!;\n    void ({',
      },
    ],
  },
  "identity-transform": {
    about:
      "like raw-stream, but piped through a JS TransformStream that copies each chunk: the cost of a JS stage per chunk",
    patches: [
      {
        file: "src/chat/run-chat.ts",
        find: "const stream = captureStream(outcome.response.body!, {",
        replace:
          'resolveEnd({ status: "ok" });\n    const stream = outcome.response.body!.pipeThrough(new TransformStream({ transform(chunk, c) { c.enqueue(chunk); } }));\n    void ({',
      },
    ],
  },
};

/** Writes the variant's source tree and wrangler.toml; returns the config path to bundle. */
export function materializeVariant(name: string, outRoot = path.join(ROOT, ".wrangler/bench/variants")): string {
  const variant = VARIANTS[name];
  if (!variant) throw new Error(`unknown variant '${name}'; known: ${Object.keys(VARIANTS).join(", ")}`);
  // By default inside the repo, so the copy resolves node_modules like src/
  // does (.wrangler/ is git-ignored); tests write to a temp dir instead.
  const dir = path.join(outRoot, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(path.join(ROOT, "src"), path.join(dir, "src"), { recursive: true });
  if (variant.floor) {
    // floor-answer.ts imports from ../../src/; inside the copy it sits in src/.
    const floor = readFileSync(path.join(ROOT, FLOOR_FILE), "utf8").replaceAll('"../../src/', '"./');
    writeFileSync(path.join(dir, "src/bench-floor.ts"), floor);
  }
  for (const patch of variant.patches) {
    const file = path.join(dir, patch.file);
    const text = readFileSync(file, "utf8");
    if (!text.includes(patch.find))
      throw new Error(`variant ${name}: ${patch.file} no longer contains ${JSON.stringify(patch.find)}`);
    writeFileSync(file, text.replace(patch.find, patch.replace));
  }
  for (const file of ["wrangler.toml", ".dev.vars"]) {
    try {
      cpSync(path.join(ROOT, file), path.join(dir, file));
    } catch {
      // .dev.vars is optional
    }
  }
  return path.join(dir, "wrangler.toml");
}
