// One pass over the bytes of an upstream chunk's JSON that answers two things
// without building any object: where its top-level `id`, `model`, `created`,
// `usage`, `choices` and `error` are, and whether the bytes are exactly what
// JSON.stringify(JSON.parse(bytes)) would give back. Only then may the stream
// path copy the bytes through with those values swapped and still send what
// a parse and re-encode sends. "Canonical" here is conservative: anything
// JSON.stringify would write differently, and some things it would not (an
// exponent, a \u escape of a printable character, an integer-like key, which
// V8 moves first, more than 15 significant digits), is refused, and the
// caller parses that event instead. Duplicate keys below the top level are
// not looked for: such bytes pass through as the upstream sent them.
//
// JSON.stringify escapes `"`, `\`, \b \f \n \r \t and other controls as
// \u00xx (lowercase), and lone surrogates; it writes every other character
// as itself (UTF-8 on the wire), numbers in their shortest round-trip form
// with an exponent only below 1e-6 or from 1e21, and no whitespace.

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const MAX_DEPTH = 64;
/** Significant digits that survive decimal -> double -> shortest decimal unchanged (DBL_DIG). */
const MAX_DIGITS = 15;

/** Where the top-level fields are: value spans [start, end), -1 when absent. */
export class TopLevel {
  keys = 0;
  idStart = -1;
  idEnd = -1;
  modelStart = -1;
  modelEnd = -1;
  createdStart = -1;
  createdEnd = -1;
  /** The `usage` member from its key's opening quote to the end of its value. */
  usageKeyStart = -1;
  usageEnd = -1;
  usageTruthy = false;
  hasChoices = false;
  choicesStart = -1;
  choicesEnd = -1;
  hasError = false;
  /** Index of the object's closing brace. */
  close = -1;

  reset(): void {
    this.keys = 0;
    this.idStart = this.idEnd = this.modelStart = this.modelEnd = this.createdStart = this.createdEnd = -1;
    this.usageKeyStart = this.usageEnd = this.choicesStart = this.choicesEnd = this.close = -1;
    this.usageTruthy = this.hasChoices = this.hasError = false;
  }
}

/** Index after a valid UTF-8 sequence starting at i (a byte >= 0x80), or -1. */
function skipUtf8(b: Uint8Array, i: number, end: number): number {
  const c = b[i];
  if (c >= 0xc2 && c <= 0xdf) return i + 1 < end && (b[i + 1] & 0xc0) === 0x80 ? i + 2 : -1;
  if (c >= 0xe0 && c <= 0xef) {
    if (i + 2 >= end) return -1;
    const c1 = b[i + 1];
    const lo = c === 0xe0 ? 0xa0 : 0x80;
    const hi = c === 0xed ? 0x9f : 0xbf; // ED A0..BF would be a surrogate
    return c1 >= lo && c1 <= hi && (b[i + 2] & 0xc0) === 0x80 ? i + 3 : -1;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (i + 3 >= end) return -1;
    const c1 = b[i + 1];
    const lo = c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xf4 ? 0x8f : 0xbf;
    return c1 >= lo && c1 <= hi && (b[i + 2] & 0xc0) === 0x80 && (b[i + 3] & 0xc0) === 0x80 ? i + 4 : -1;
  }
  return -1;
}

const hexLower = (c: number) => (c >= ZERO && c <= NINE ? c - ZERO : c >= 97 && c <= 102 ? c - 87 : -1);

/** i at the opening quote; returns the index after the closing quote, or -1. */
function skipString(b: Uint8Array, i: number, end: number): number {
  i++;
  while (i < end) {
    const c = b[i];
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH) {
      const e = b[i + 1];
      // \" \\ \b \f \n \r \t: as JSON.stringify writes them.
      if (e === QUOTE || e === BACKSLASH || e === 98 || e === 102 || e === 110 || e === 114 || e === 116) {
        i += 2;
        continue;
      }
      // \u00xx only for the controls without a short form; anything else it would write as the character.
      if (
        e === 117 &&
        i + 5 < end &&
        b[i + 2] === ZERO &&
        b[i + 3] === ZERO &&
        (b[i + 4] === ZERO || b[i + 4] === 49)
      ) {
        const low = hexLower(b[i + 5]);
        const code = (b[i + 4] - ZERO) * 16 + low;
        if (low >= 0 && code !== 8 && code !== 9 && code !== 10 && code !== 12 && code !== 13) {
          i += 6;
          continue;
        }
      }
      return -1;
    }
    if (c < 0x20) return -1;
    if (c < 0x80) i++;
    else if ((i = skipUtf8(b, i, end)) < 0) return -1;
  }
  return -1;
}

/** A number as JSON.stringify would write it back: no exponent, no -0, no trailing fraction zeros, <= 15 digits. */
function skipNumber(b: Uint8Array, i: number, end: number): number {
  const negative = b[i] === MINUS;
  if (negative) i++;
  let digits = 0;
  let intZero = false;
  if (b[i] === ZERO) {
    intZero = true;
    i++;
  } else if (b[i] > ZERO && b[i] <= NINE) {
    while (i < end && b[i] >= ZERO && b[i] <= NINE) {
      i++;
      digits++;
    }
  } else return -1;
  if (i < end && b[i] === DOT) {
    i++;
    const start = i;
    let leadingZeros = 0;
    let seenNonZero = false;
    while (i < end && b[i] >= ZERO && b[i] <= NINE) {
      if (b[i] !== ZERO) seenNonZero = true;
      else if (!seenNonZero) leadingZeros++;
      i++;
    }
    if (i === start || b[i - 1] === ZERO) return -1; // "1." or a trailing zero
    digits += intZero ? i - start - leadingZeros : i - start;
    if (intZero && leadingZeros >= 6) return -1; // below 1e-6: written with an exponent
  } else if (intZero && negative) return -1; // -0 comes back as 0
  if (digits > MAX_DIGITS) return -1;
  if (i < end && (b[i] === 101 || b[i] === 69 || (b[i] >= ZERO && b[i] <= NINE))) return -1; // exponent, or 0 then digits
  return i;
}

function skipLiteral(b: Uint8Array, i: number, end: number, word: readonly number[]): number {
  if (i + word.length > end) return -1;
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word[k]) return -1;
  return i + word.length;
}
const TRUE = [116, 114, 117, 101];
const FALSE = [102, 97, 108, 115, 101];
const NULL = [110, 117, 108, 108];

/** A key V8 keeps in index order (and JSON.stringify writes first) starts with a digit; refused. */
const keyStartsWithDigit = (b: Uint8Array, quote: number) => b[quote + 1] >= ZERO && b[quote + 1] <= NINE;

function skipValue(b: Uint8Array, i: number, end: number, depth: number): number {
  if (i >= end) return -1;
  const c = b[i];
  if (c === QUOTE) return skipString(b, i, end);
  if (c === OPEN_BRACE) {
    if (depth >= MAX_DEPTH) return -1;
    i++;
    if (b[i] === CLOSE_BRACE) return i + 1;
    for (;;) {
      if (b[i] !== QUOTE || keyStartsWithDigit(b, i)) return -1;
      i = skipString(b, i, end);
      if (i < 0 || b[i] !== COLON) return -1;
      i = skipValue(b, i + 1, end, depth + 1);
      if (i < 0) return -1;
      if (b[i] === COMMA) i++;
      else if (b[i] === CLOSE_BRACE) return i + 1;
      else return -1;
    }
  }
  if (c === OPEN_BRACKET) {
    if (depth >= MAX_DEPTH) return -1;
    i++;
    if (b[i] === CLOSE_BRACKET) return i + 1;
    for (;;) {
      i = skipValue(b, i, end, depth + 1);
      if (i < 0) return -1;
      if (b[i] === COMMA) i++;
      else if (b[i] === CLOSE_BRACKET) return i + 1;
      else return -1;
    }
  }
  if (c === MINUS || (c >= ZERO && c <= NINE)) return skipNumber(b, i, end);
  if (c === 116) return skipLiteral(b, i, end, TRUE);
  if (c === 102) return skipLiteral(b, i, end, FALSE);
  if (c === 110) return skipLiteral(b, i, end, NULL);
  return -1;
}

/** Whether b[from, from + name.length + 2) is the key "name" (with its quotes). */
function isKey(b: Uint8Array, from: number, to: number, name: readonly number[]): boolean {
  if (to - from !== name.length + 2) return false;
  for (let k = 0; k < name.length; k++) if (b[from + 1 + k] !== name[k]) return false;
  return true;
}
const ascii = (s: string) => Array.from(s, (ch) => ch.charCodeAt(0));
const ID = ascii("id");
const MODEL = ascii("model");
const CREATED = ascii("created");
const USAGE = ascii("usage");
const CHOICES = ascii("choices");
const ERROR = ascii("error");

/**
 * Scans b[start, end) as one canonical JSON object and fills `top`. False
 * when the bytes are not exactly that (the caller then parses the event), or
 * when one of the fields it looks for appears twice.
 */
export function scanChunk(b: Uint8Array, start: number, end: number, top: TopLevel): boolean {
  top.reset();
  let i = start;
  if (b[i] !== OPEN_BRACE) return false;
  i++;
  if (b[i] === CLOSE_BRACE) {
    top.close = i;
    return i + 1 === end;
  }
  for (;;) {
    const keyStart = i;
    if (b[i] !== QUOTE || keyStartsWithDigit(b, i)) return false;
    i = skipString(b, i, end);
    if (i < 0 || b[i] !== COLON) return false;
    const keyEnd = i;
    const valueStart = i + 1;
    i = skipValue(b, valueStart, end, 1);
    if (i < 0) return false;
    top.keys++;
    const len = keyEnd - keyStart;
    if (len === 4 && isKey(b, keyStart, keyEnd, ID)) {
      if (top.idStart >= 0) return false;
      top.idStart = valueStart;
      top.idEnd = i;
    } else if (len === 7 && isKey(b, keyStart, keyEnd, MODEL)) {
      if (top.modelStart >= 0) return false;
      top.modelStart = valueStart;
      top.modelEnd = i;
    } else if (len === 9 && isKey(b, keyStart, keyEnd, CREATED)) {
      if (top.createdStart >= 0) return false;
      top.createdStart = valueStart;
      top.createdEnd = i;
    } else if (len === 7 && isKey(b, keyStart, keyEnd, USAGE)) {
      if (top.usageKeyStart >= 0) return false;
      top.usageKeyStart = keyStart;
      top.usageEnd = i;
      // JavaScript truthiness of the value: null, false, 0 and "" are falsy.
      const v = b[valueStart];
      top.usageTruthy = !(
        v === 110 ||
        v === 102 ||
        (v === ZERO && i === valueStart + 1) ||
        (v === QUOTE && i === valueStart + 2)
      );
    } else if (len === 9 && isKey(b, keyStart, keyEnd, CHOICES)) {
      if (top.hasChoices) return false;
      top.hasChoices = true;
      top.choicesStart = valueStart;
      top.choicesEnd = i;
    } else if (len === 7 && isKey(b, keyStart, keyEnd, ERROR)) {
      top.hasError = true;
    }
    if (b[i] === COMMA) i++;
    else if (b[i] === CLOSE_BRACE) {
      top.close = i;
      return i + 1 === end;
    } else return false;
  }
}
