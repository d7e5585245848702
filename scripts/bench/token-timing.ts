// When does each streamed token reach the client? Starts the bench's stack
// (start-stack.ts: gateway and bare pass-through in one workerd, the dev
// upstream on a thread), seeds two copies of the demo tenant acme whose
// upstream paces tokens `--token-ms` apart (x-dev-token-ms), one in the
// default rewrite mode and one in stream_mode "native", and reads answers
// one at a time over HTTP with node:http (one `data` event per socket read,
// no client-side buffering). For each content token it records when it
// arrived, against its place in the upstream's schedule (the first content
// token's arrival plus i × token-ms): a mode that holds tokens back shows
// lags of many token-ms and few reads; one that streams shows lags near the
// direct upstream's and the pass-through's. A diagnostic, not part of `npm run bench`.
//   npx tsx scripts/bench/token-timing.ts [--token-ms 20] [--runs 10]
import http from "node:http";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { storeApiKey } from "../../src/auth/api-keys";
import { applyManifest } from "../../src/registry/manifest-store";
import { formatIssues, validateManifest } from "../../src/registry/validate-manifest";
import { ROOT } from "../lib/offline-env";
import { buildTargets } from "./gateway-targets";
import { waitUntilServed } from "./limits-seed";
import type { LoadRequest } from "./load";
import { pointAt } from "./seed-d1";
import { GATEWAY, startStack, type Stack } from "./start-stack";

type Db = Parameters<typeof applyManifest>[0];

const { values } = parseArgs({
  options: { "token-ms": { type: "string", default: "20" }, runs: { type: "string", default: "10" } },
});
const TOKEN_MS = Number(values["token-ms"]);
const RUNS = Number(values.runs);
const PACING = { "x-dev-token-ms": String(TOKEN_MS) };

async function seed(stack: Stack, tenant: string, key: string, native: boolean): Promise<void> {
  const db = (await stack.mf.getD1Database("DB", GATEWAY)) as unknown as Db;
  const acme = JSON.parse(readFileSync(path.join(ROOT, "adapters/acme.json"), "utf8"));
  const manifest = pointAt({ ...acme, tenant }, stack.upstream.url, PACING) as {
    upstreams: { kind: string; stream_mode?: string }[];
  };
  if (native) for (const u of manifest.upstreams) if (u.kind === "openai-compatible") u.stream_mode = "native";
  const result = validateManifest(manifest);
  if (!result.ok) throw new Error(`${tenant}: invalid\n${formatIssues(result.issues)}`);
  await applyManifest(db, result.manifest, "token-timing", Date.now());
  await storeApiKey(db, tenant, key, "token-timing key", Date.now());
}

interface Answer {
  reads: number;
  /** ms from request start to each content token's arrival. */
  tokens: number[];
  /** Largest number of content tokens in one read. */
  maxPerRead: number;
  total: number;
}

function hasContent(data: string): boolean {
  if (data === "[DONE]") return false;
  try {
    const content = (JSON.parse(data) as { choices?: { delta?: { content?: unknown } }[] }).choices?.[0]?.delta
      ?.content;
    return typeof content === "string" && content.length > 0;
  } catch {
    return false;
  }
}

function readOnce(target: LoadRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const url = new URL(target.url);
    const request = http.request(
      { host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: target.headers },
      (response) => {
        if (response.statusCode !== 200) reject(new Error(`${target.url} answered ${response.statusCode}`));
        let buffer = "";
        const answer: Answer = { reads: 0, tokens: [], maxPerRead: 0, total: 0 };
        response.setEncoding("utf8");
        response.on("data", (text: string) => {
          const at = performance.now() - started;
          answer.reads++;
          buffer += text;
          let inRead = 0;
          let cut: number;
          while ((cut = buffer.indexOf("\n\n")) >= 0) {
            const event = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            for (const line of event.split("\n")) {
              if (line.startsWith("data:") && hasContent(line.slice(5).trim())) {
                answer.tokens.push(at);
                inRead++;
              }
            }
          }
          answer.maxPerRead = Math.max(answer.maxPerRead, inRead);
        });
        response.on("end", () => {
          answer.total = performance.now() - started;
          resolve(answer);
        });
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end(target.body);
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : Number.NaN;
};
const f = (x: number) => x.toFixed(1);

const stack = await startStack();
try {
  await seed(stack, "acme-timing", "sk-acme-timing", false);
  await seed(stack, "acme-timing-native", "sk-acme-timing-native", true);
  const base = await buildTargets(stack, PACING);
  const as = (key: string): LoadRequest => ({
    ...base.stream.gateway,
    headers: { ...base.stream.gateway.headers, authorization: `Bearer ${key}` },
  });
  const targets: Record<string, LoadRequest> = {
    upstream: { ...base.stream.passthrough, url: `${stack.upstream.url.replace(/\/+$/, "")}/chat/completions` },
    passthrough: base.stream.passthrough,
    rewrite: as("sk-acme-timing"),
    native: as("sk-acme-timing-native"),
  };
  await waitUntilServed(targets.rewrite, 200);
  await waitUntilServed(targets.native, 200);
  console.log(`tokens ${TOKEN_MS} ms apart, ${RUNS} answers per target, one at a time, node:http reads`);
  console.log(
    "target       reads  tokens  max/read  ttft    lag p50  lag p90  lag max  (lag: arrival − (first token + i×token-ms), ms)",
  );
  for (const [name, target] of Object.entries(targets)) {
    await readOnce(target); // warm
    const answers: Answer[] = [];
    for (let i = 0; i < RUNS; i++) answers.push(await readOnce(target));
    const lags = answers.flatMap((a) => a.tokens.map((t, i) => t - a.tokens[0] - i * TOKEN_MS));
    const sorted = [...lags].sort((a, b) => a - b);
    console.log(
      [
        name.padEnd(11),
        String(median(answers.map((a) => a.reads))).padStart(6),
        String(median(answers.map((a) => a.tokens.length))).padStart(7),
        String(Math.max(...answers.map((a) => a.maxPerRead))).padStart(9),
        f(median(answers.map((a) => a.tokens[0]))).padStart(6),
        f(median(lags)).padStart(9),
        f(sorted[Math.floor(sorted.length * 0.9)]).padStart(8),
        f(sorted[sorted.length - 1]).padStart(8),
      ].join(" "),
    );
    const one = answers[0];
    console.log(`  ${name} answer 1 token arrivals (ms): ${one.tokens.map((t) => Math.round(t)).join(" ")}`);
  }
} finally {
  await stack.close();
}
