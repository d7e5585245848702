// Packs log messages that arrive close together into one queue message.
// Every queue message costs a queue write, read and delete (billed per
// message) and, locally, a trip through Miniflare's broker: about 300 µs of
// CPU per request when each record travelled alone (scripts/bench/PROFILE.md).
// A pack is sent when its window ends, or at once when it is full, so a
// record waits at most windowMs. Each caller gets the promise of the pack
// that carries its message and hands it to ctx.waitUntil, so the isolate
// stays alive until every pack it holds is sent.

export interface PackLimits {
  /** How long the first message of a pack waits for others; 0 sends each message alone. */
  windowMs: number;
  /** Budget for the joined bodies in UTF-8 bytes, one separator byte per body included. */
  maxBytes: number;
  maxMessages: number;
}

export type SendPack<T> = (bodies: string[], items: T[]) => Promise<void>;

interface Pack<T> {
  bodies: string[];
  items: T[];
  bytes: number;
  sealed: boolean;
  sent: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class MessagePacker<T> {
  #open: Pack<T> | null = null;

  constructor(
    private readonly limits: PackLimits,
    private readonly send: SendPack<T>,
  ) {}

  /** Adds one message (its UTF-8 size in bytes) and the item it stands for; settles once its pack is sent. */
  add(body: string, bytes: number, item: T): Promise<void> {
    let pack = this.#open;
    if (pack && pack.bytes + bytes + 1 > this.limits.maxBytes) {
      this.#seal(pack);
      pack = null;
    }
    pack ??= this.#start();
    pack.bodies.push(body);
    pack.items.push(item);
    pack.bytes += bytes + 1;
    if (pack.bodies.length >= this.limits.maxMessages || this.limits.windowMs <= 0) this.#seal(pack);
    return pack.sent;
  }

  #start(): Pack<T> {
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const sent = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const pack: Pack<T> = { bodies: [], items: [], bytes: 0, sealed: false, sent, resolve, reject };
    this.#open = pack;
    // Never cleared: a pack sealed early by size makes this a no-op, and a
    // timer cannot be cleared from another request's context anyway.
    if (this.limits.windowMs > 0) setTimeout(() => this.#seal(pack), this.limits.windowMs);
    return pack;
  }

  #seal(pack: Pack<T>): void {
    if (pack.sealed) return;
    pack.sealed = true;
    if (this.#open === pack) this.#open = null;
    this.send(pack.bodies, pack.items).then(pack.resolve, pack.reject);
  }
}

/** UTF-8 size of a string without encoding it. */
export function utf8ByteLength(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) {
      bytes += 1;
    } else if (code <= 0xdbff && code >= 0xd800 && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2; // a surrogate pair: 4 bytes for 2 units
      i++;
    } else {
      bytes += 2; // 3 bytes (a lone surrogate becomes U+FFFD, also 3)
    }
  }
  return bytes;
}
