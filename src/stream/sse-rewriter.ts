// The stream path's per-read work: splits upstream SSE bytes into events and
// rewrites each chunk's "id", "model" and "created" (and drops "usage" when
// the client did not ask for it) by copying byte spans around the values a
// scan found (json-scan.ts), with no decode, parse or re-encode. The client
// gets the very bytes chunk-event.ts would produce: the scan accepts only
// chunks whose bytes a parse and JSON.stringify would give back unchanged,
// and every other event takes chunk-event.ts itself. So do the events up to
// and including the first token, whose arrival time the record keeps; the
// rest of the answer (text, tool calls, usage, finish reason) is read from
// the raw copy after the stream (collect-capture.ts).
//
// A stream that uses CR line ends (or starts with a byte-order mark) is
// handed whole to the SSE parser from that point: the byte splitter only
// knows "\n\n" between events.
import { createParser, type EventSourceParser } from "eventsource-parser";
import type { CompletionCapture } from "../logging/completion-capture";
import { ByteSink } from "./byte-sink";
import { rewriteEvent, type ChunkIdentity, type StreamFlags } from "./chunk-event";
import { scanChunk, TopLevel } from "./json-scan";

const LF = 10;
const CR = 13;
const COMMA = 44;
const OPEN_BRACKET = 91;
const encoder = new TextEncoder();
const DATA_PREFIX = encoder.encode("data: ");
const CLOSE_EVENT = encoder.encode("}\n\n");
const DONE = encoder.encode("[DONE]");
// A BOM inside the stream is a character like any other (only the stream's first is dropped, by the reader's decoder).
const eventDecoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

const isDone = (b: Uint8Array, i: number) =>
  b[i] === DONE[0] &&
  b[i + 1] === DONE[1] &&
  b[i + 2] === DONE[2] &&
  b[i + 3] === DONE[3] &&
  b[i + 4] === DONE[4] &&
  b[i + 5] === DONE[5];
const isData = (b: Uint8Array, i: number) =>
  b[i] === 100 && b[i + 1] === 97 && b[i + 2] === 116 && b[i + 3] === 97 && b[i + 4] === 58;

export class SseRewriter {
  readonly flags: StreamFlags = { sawDone: false, usageSent: false, upstreamError: null, errorForwarded: false };
  readonly out = new ByteSink();
  /** Some event went through the byte path: the capture lacks it until collected from the raw copy. */
  scanned = false;
  readonly #who: ChunkIdentity;
  readonly #capture: CompletionCapture;
  readonly #top = new TopLevel();
  readonly #id: Uint8Array;
  readonly #model: Uint8Array;
  readonly #created: Uint8Array;
  readonly #idMember: Uint8Array;
  readonly #modelMember: Uint8Array;
  readonly #createdMember: Uint8Array;
  readonly #carry = new ByteSink(1024);
  /** Bytes have come (a byte-order mark now is part of the data). */
  #seen = false;
  /** Set once the stream is handed whole to the SSE parser. */
  #parser: EventSourceParser | null = null;
  #decoder: TextDecoder | null = null;
  /** Edits of one event: [start, end, replacement index] × 4, sorted by start. */
  readonly #edits = new Int32Array(12);

  constructor(who: ChunkIdentity, capture: CompletionCapture) {
    this.#who = who;
    this.#capture = capture;
    this.#id = encoder.encode(JSON.stringify(who.id));
    this.#model = encoder.encode(JSON.stringify(who.model));
    this.#created = encoder.encode(JSON.stringify(who.created));
    this.#idMember = encoder.encode(`"id":${JSON.stringify(who.id)}`);
    this.#modelMember = encoder.encode(`"model":${JSON.stringify(who.model)}`);
    this.#createdMember = encoder.encode(`"created":${JSON.stringify(who.created)}`);
  }

  /** Takes one upstream read. Throws where a parse of the same bytes throws (a chunk of the wrong shape). */
  feed(chunk: Uint8Array): void {
    if (this.#parser) return this.#parser.feed(this.#decoder!.decode(chunk, { stream: true }));
    // An event split across reads waits in a buffer of the rewriter's own,
    // reused for the whole stream: no allocation per event.
    const carry = this.#carry;
    let b = chunk;
    if (carry.length) {
      carry.appendBytes(chunk);
      b = carry.view();
    }
    if (!this.#seen) {
      if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return this.#toParser(b, 0);
      this.#seen = true;
    }
    // One look for a CR per read; events before it still take the byte path.
    const cr = b.indexOf(CR);
    let pos = 0;
    let from = 0;
    let oneLine = true;
    for (;;) {
      const lf = b.indexOf(LF, from);
      if (lf === -1 || lf + 1 >= b.length) break;
      if (b[lf + 1] !== LF) {
        oneLine = false;
        from = lf + 1;
        continue;
      }
      if (cr !== -1 && cr < lf) return this.#toParser(b, pos);
      if (lf > pos) this.#event(b, pos, lf, oneLine);
      pos = from = lf + 2;
      oneLine = true;
    }
    if (pos < b.length && cr >= pos) return this.#toParser(b, pos);
    if (b === chunk) carry.append(chunk, pos, chunk.length);
    else carry.drop(pos);
  }

  /** From b[pos] on, the SSE parser takes the stream (pos is at the start of an event). */
  #toParser(b: Uint8Array, pos: number): void {
    // Only the stream's own first bytes may lose a byte-order mark, as the reader's decoder drops it.
    this.#decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: pos > 0 || this.#seen });
    this.#parser = createParser({ onEvent: (event) => this.#slow(event.data) });
    this.#parser.feed(this.#decoder.decode(b.subarray(pos), { stream: true }));
  }

  #slow(data: string): void {
    this.out.appendString(rewriteEvent(data, this.#who, this.flags, this.#capture));
  }

  /** One event, b[start, end), without its blank line. */
  #event(b: Uint8Array, start: number, end: number, oneLine: boolean): void {
    if (!oneLine || !isData(b, start)) {
      // Comments, other fields, data over several lines: the SSE parser reads it.
      const parser = createParser({ onEvent: (event) => this.#slow(event.data) });
      parser.feed(`${eventDecoder.decode(b.subarray(start, end))}\n\n`);
      return;
    }
    const data = b[start + 5] === 32 ? start + 6 : start + 5;
    if (end - data === 6 && isDone(b, data)) {
      this.flags.sawDone = true;
      return;
    }
    // Until the first token the event is parsed: its arrival time goes in the record.
    if (this.#capture.firstTokenAt === null || !this.#scan(b, data, end)) {
      this.#slow(eventDecoder.decode(b.subarray(data, end)));
    }
  }

  /** The byte path for one chunk's JSON b[start, end); false when it must be parsed instead. */
  #scan(b: Uint8Array, start: number, end: number): boolean {
    const top = this.#top;
    if (!scanChunk(b, start, end, top) || top.hasError) return false;
    const choicesEmpty = !top.hasChoices || top.choicesEnd - top.choicesStart === 2;
    if (top.hasChoices && b[top.choicesStart] !== OPEN_BRACKET) return false;
    this.scanned = true;
    const includeUsage = this.#who.includeUsage;
    const dropUsage = !includeUsage && top.usageKeyStart >= 0;
    if (dropUsage && choicesEmpty) return true; // a usage-only chunk the client did not ask for
    if (includeUsage && top.usageTruthy) this.flags.usageSent = true;

    const edits = this.#edits;
    let n = 0;
    if (top.idStart >= 0) n = this.#add(n, top.idStart, top.idEnd, 0);
    if (top.modelStart >= 0) n = this.#add(n, top.modelStart, top.modelEnd, 1);
    if (top.createdStart >= 0) n = this.#add(n, top.createdStart, top.createdEnd, 2);
    if (dropUsage) {
      // The member and one comma next to it, as deleting the key and writing again leaves it.
      if (b[top.usageKeyStart - 1] === COMMA) n = this.#add(n, top.usageKeyStart - 1, top.usageEnd, 3);
      else if (b[top.usageEnd] === COMMA) n = this.#add(n, top.usageKeyStart, top.usageEnd + 1, 3);
      else n = this.#add(n, top.usageKeyStart, top.usageEnd, 3);
    }
    const out = this.out;
    out.appendBytes(DATA_PREFIX);
    let at = start;
    for (let k = 0; k < n; k++) {
      out.append(b, at, edits[k * 3]);
      const what = edits[k * 3 + 2];
      if (what === 0) out.appendBytes(this.#id);
      else if (what === 1) out.appendBytes(this.#model);
      else if (what === 2) out.appendBytes(this.#created);
      at = edits[k * 3 + 1];
    }
    out.append(b, at, top.close);
    // Fields the chunk lacked are added at the end, in the order they are set.
    let members = top.keys - (dropUsage ? 1 : 0);
    if (top.idStart < 0) members = this.#member(this.#idMember, members);
    if (top.modelStart < 0) members = this.#member(this.#modelMember, members);
    if (top.createdStart < 0) this.#member(this.#createdMember, members);
    out.appendBytes(CLOSE_EVENT);
    return true;
  }

  /** Inserts edit [from, to) -> replacement `what` in start order (at most four); returns the new count. */
  #add(n: number, from: number, to: number, what: number): number {
    const edits = this.#edits;
    let k = n;
    while (k > 0 && edits[(k - 1) * 3] > from) {
      edits[k * 3] = edits[(k - 1) * 3];
      edits[k * 3 + 1] = edits[(k - 1) * 3 + 1];
      edits[k * 3 + 2] = edits[(k - 1) * 3 + 2];
      k--;
    }
    edits[k * 3] = from;
    edits[k * 3 + 1] = to;
    edits[k * 3 + 2] = what;
    return n + 1;
  }

  #member(member: Uint8Array, members: number): number {
    if (members > 0) this.out.append(COMMA_BYTE, 0, 1);
    this.out.appendBytes(member);
    return members + 1;
  }
}
const COMMA_BYTE = new Uint8Array([COMMA]);
