// PII redaction for exported training data: emails → [EMAIL], API keys and
// key-like tokens → [SECRET], Luhn-valid card numbers → [CARD], phone
// numbers → [PHONE]. Applied to every message, tool-call arguments and
// corrections (tool *definitions* are the developer's, not user data).
//
// Pattern-based, so it trades recall for not mangling ordinary text. Kept on
// purpose: dates, versions, IPv4, prices, bare digit runs (order ids, epoch
// timestamps: a bare run is never taken for a phone), short hex (git short
// SHAs), URLs without a token in them, code identifiers, and UUIDs: they are
// identifiers (request, order, ticket ids) that support chats are full of,
// not credentials; a service that uses UUIDs as keys is not caught.
// Masked although harmless: 32+ char random-looking ids (chat completion ids,
// full git SHAs, base64 blobs): indistinguishable from keys, and a leaked key
// in training data costs more than a lost id.
// Order matters: emails first (a key-like local part must become [EMAIL]),
// then keys, then cards (a Luhn-valid card must not become [PHONE]), then phones.

import { maskCards, maskPhones } from "./redact-numbers";
import type { Msg } from "./types";

const EMAIL =
  /(?<![\w.%+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,63})@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])/g;

/** Keys with a known prefix (vendor docs): caught whatever their entropy. */
const PREFIXED_KEYS: readonly RegExp[] = [
  /(?<![\w-])sk-[A-Za-z0-9_-]{20,}/g, // OpenAI (sk-, sk-proj-), Anthropic (sk-ant-)
  /(?<!\w)[rsp]k_(?:live|test)_[A-Za-z0-9]{16,}/g, // Stripe
  /(?<![A-Za-z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Za-z0-9])/g, // AWS access key id
  /(?<!\w)gh[pousr]_[A-Za-z0-9]{30,}/g, // GitHub tokens
  /(?<!\w)github_pat_[A-Za-z0-9_]{22,}/g, // GitHub fine-grained PAT
  /(?<!\w)xox[abposr]-[A-Za-z0-9-]{10,}/g, // Slack
  /(?<!\w)AIza[0-9A-Za-z_-]{35}/g, // Google API key
  /(?<!\w)eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, // JWT
];

/** Candidate runs for the generic check: base64/base64url/hex alphabets ("=" only as padding, so `key=…` splits). */
const TOKEN_RUN = /[A-Za-z0-9+/_-]{32,}={0,2}/g;
const UUID = /([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})/;
/** Word-ish segments: "Word", "word", "ACRONYM", "123". */
const SEGMENT = /[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+/g;
/** Letters/digits a run needs (the run itself is 32+ characters, separators included). */
const MIN_SECRET_ALNUM = 24;
/** Mean segment length below which a run reads as random (identifiers average 4+). */
const MAX_RANDOM_SEGMENT = 3;
/** Separate digit groups from which a run reads as random (identifiers have a few: v2, Sha256). */
const MIN_RANDOM_DIGIT_RUNS = 6;

export function redactText(text: string): string {
  if (text.length === 0) return text;
  let out = text.replace(EMAIL, "[EMAIL]");
  for (const re of PREFIXED_KEYS) out = out.replace(re, "[SECRET]");
  out = out.replace(TOKEN_RUN, maskRandomRuns);
  out = maskCards(out);
  return maskPhones(out);
}

/**
 * A run (32+ characters) reads as a key when it holds 24+ letters/digits,
 * mixes at least two of lower/upper/digit, and either splits into short
 * "words" (random text breaks into segments of 1–2 characters, identifiers
 * and slugs into real words) or scatters digits in 6+ separate groups.
 * Measured on 2,000 seeded random keys each (32 / 40 / 64 chars): base64 and
 * base64url ≥ 99% caught; hex 96% / 99.5% / 100%; lowercase alphanumeric
 * 84% / 93% / 100% (long lowercase words are what identifiers look like).
 * The identifiers in redact.test.ts are kept; an identifier made of many
 * short parts (utf8ToBase64Sha256Md5X509) is not.
 */
export function looksRandom(run: string): boolean {
  const alnum = run.replace(/[^A-Za-z0-9]/g, "");
  if (alnum.length < MIN_SECRET_ALNUM) return false;
  const classes = Number(/[a-z]/.test(alnum)) + Number(/[A-Z]/.test(alnum)) + Number(/[0-9]/.test(alnum));
  if (classes < 2) return false;
  const segments = alnum.match(SEGMENT)?.length ?? 1;
  const digitRuns = alnum.match(/[0-9]+/g)?.length ?? 0;
  return alnum.length / segments < MAX_RANDOM_SEGMENT || digitRuns >= MIN_RANDOM_DIGIT_RUNS;
}

function maskRandomRuns(run: string): string {
  // UUIDs inside a run stay; what is around them is judged on its own.
  return run
    .split(UUID)
    .map((part, i) => (i % 2 === 0 ? maskPart(part) : part))
    .join("");
}

function maskPart(part: string): string {
  // "/" is base64 but also a path separator: mask only the random segment of
  // a URL path; a key that contains "/" has no long random segment on its
  // own, so it is judged whole.
  if (part.includes("/")) {
    const pieces = part.split("/");
    const random = pieces.map(looksRandom);
    if (random.some(Boolean)) {
      // A short piece at either end next to a random one is the key's own
      // tail or head ("…gH+/w="), not a path segment.
      const last = pieces.length - 1;
      if (random[last - 1] && pieces[last].length < 4) random[last] = true;
      if (random[1] && pieces[0].length < 4 && pieces[0] !== "") random[0] = true;
      const out = pieces.map((p, i) => (random[i] ? "[SECRET]" : p)).join("/");
      return out.replace(/\[SECRET\](?:\/\[SECRET\])+/g, "[SECRET]");
    }
  }
  return looksRandom(part) ? "[SECRET]" : part;
}

/**
 * Tool-call arguments are JSON text: mask inside each string literal (decoded,
 * then re-encoded only if it changed) and card-like bare numbers (quoted, so
 * the JSON stays valid). Formatting is kept byte for byte otherwise. Text that
 * is not JSON is redacted as plain text.
 */
export function redactJsonText(json: string): string {
  try {
    JSON.parse(json);
  } catch {
    return redactText(json);
  }
  return json.replace(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g, (token) => {
    if (token.startsWith('"')) {
      const value = JSON.parse(token) as string;
      const masked = redactText(value);
      return masked === value ? token : JSON.stringify(masked);
    }
    const masked = maskCards(token);
    return masked === token ? token : JSON.stringify(masked);
  });
}

/** Redacted copies of the messages; tool_call ids and names are left alone. */
export function redactMessages<M extends Msg>(messages: readonly M[]): M[] {
  return messages.map((m) => {
    const copy = { ...m } as Msg;
    if (typeof copy.content === "string") copy.content = redactText(copy.content);
    if (copy.role === "assistant" && copy.tool_calls) {
      copy.tool_calls = copy.tool_calls.map((c) => ({
        ...c,
        function: { ...c.function, arguments: redactJsonText(c.function.arguments) },
      }));
    }
    return copy as M;
  });
}
