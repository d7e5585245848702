// Ablation variants of the gateway, for profiling only (profile.ts
// --variant): a copy of src/ under .wrangler/bench/variants/<name>/ with
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

export const VARIANTS: Record<string, { about: string; patches: Patch[] }> = {
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
      {
        file: "src/logging/capture-stream.ts",
        find: "const reader = upstream.getReader();",
        replace:
          'const reader = upstream.getReader({ mode: "byob" }) as unknown as ReadableStreamDefaultReader<Uint8Array>;\n  let readBuffer = new ArrayBuffer(16384);',
      },
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
export function materializeVariant(name: string): string {
  const variant = VARIANTS[name];
  if (!variant) throw new Error(`unknown variant '${name}'; known: ${Object.keys(VARIANTS).join(", ")}`);
  // Inside the repo so the copy resolves node_modules like src/ does (.wrangler/ is git-ignored).
  const dir = path.join(ROOT, ".wrangler/bench/variants", name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(path.join(ROOT, "src"), path.join(dir, "src"), { recursive: true });
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
