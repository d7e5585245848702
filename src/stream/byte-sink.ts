// Output bytes gathered between two writes to the client: spans copied from
// upstream reads and the few bytes the gateway puts in their place. One
// growing buffer, copied out once per write (each write to the client is a
// call into the runtime, so they are few and large).
const encoder = new TextEncoder();
/** Spans shorter than this are copied by a loop: cheaper than a subarray view and a native set. */
const LOOP_COPY = 24;

export class ByteSink {
  #buf: Uint8Array;
  length = 0;

  constructor(capacity = 8192) {
    this.#buf = new Uint8Array(capacity);
  }

  #room(extra: number): Uint8Array {
    const need = this.length + extra;
    if (need > this.#buf.length) {
      const grown = new Uint8Array(Math.max(need, this.#buf.length * 2));
      grown.set(this.#buf.subarray(0, this.length));
      this.#buf = grown;
    }
    return this.#buf;
  }

  /** Appends src[from, to). */
  append(src: Uint8Array, from: number, to: number): void {
    const n = to - from;
    if (n <= 0) return;
    const buf = this.#room(n);
    if (n < LOOP_COPY) {
      let at = this.length;
      for (let i = from; i < to; i++) buf[at++] = src[i];
    } else {
      buf.set(src.subarray(from, to), this.length);
    }
    this.length += n;
  }

  appendBytes(src: Uint8Array): void {
    this.append(src, 0, src.length);
  }

  appendString(text: string): void {
    if (text) this.appendBytes(encoder.encode(text));
  }

  /** Everything gathered so far, without copying (valid until the next append). */
  view(): Uint8Array {
    return this.#buf.subarray(0, this.length);
  }

  /** Drops the first `n` bytes, moving the rest to the front (no allocation). */
  drop(n: number): void {
    if (n >= this.length) {
      this.length = 0;
      return;
    }
    this.#buf.copyWithin(0, n, this.length);
    this.length -= n;
  }

  /** Everything gathered, as its own buffer; the sink is empty after. */
  take(): Uint8Array {
    const out = this.#buf.slice(0, this.length);
    this.length = 0;
    return out;
  }
}
