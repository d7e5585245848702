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
  "no-idle-timer": {
    about: "capture-stream reads without the per-read idle timeout (no setTimeout + Promise.race per chunk)",
    patches: [
      {
        file: "src/logging/capture-stream.ts",
        find: "await readWithTimeout(reader, options.idleTimeoutMs);",
        replace: "await reader.read();",
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
  "write-once": {
    about:
      "capture-stream still reads, parses and rewrites every chunk but writes to the client once, at the end: the cost of per-chunk writes",
    patches: [
      {
        file: "src/logging/capture-stream.ts",
        find: '            if (out) {\n              controller.enqueue(encoder.encode(out));\n              out = "";\n              return;\n            }\n',
        replace: "",
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
