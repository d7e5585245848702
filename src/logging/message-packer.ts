// Packs log messages that arrive close together into one queue message.
// Every queue message costs a queue write, read and delete (billed per
// message) and, locally, a trip through Miniflare's broker, which cost the
// most CPU of any log step when each record travelled alone (docs/performance.md).
// A pack is sent when its window ends, or at once when it is full, so a
// message waits at most windowMs.
//
// Which request keeps the isolate alive until a pack is sent: the one that
// does the sending. add() returns the work the CALLER is responsible for,
// and the caller hands it to ctx.waitUntil: the request that opens a pack
// owns its window timer (and the send when the window ends); a request whose
// message fills a pack sends it; everyone else has nothing to wait for,
// because their message sits in a pack another live request will send.
// No promise is shared between requests: a timer fires, and an I/O promise
// settles, only in the request that started it, and workerd reports errors
// when a promise made in one request is settled from another.

export interface PackLimits {
  /** How long the first message of a pack waits for others; 0 sends each message alone. */
  windowMs: number;
  /** Budget for the joined bodies in UTF-8 bytes, one separator byte per body included. */
  maxBytes: number;
  maxMessages: number;
}

import type { Clock } from "../clock";

export type SendPack<T> = (bodies: string[], items: T[]) => Promise<void>;

interface Pack<T> {
  bodies: string[];
  items: T[];
  bytes: number;
  sealed: boolean;
  openedAt: number;
}

export class MessagePacker<T> {
  #open: Pack<T> | null = null;

  constructor(
    private readonly limits: PackLimits,
    private readonly send: SendPack<T>,
    private readonly clock: Clock,
  ) {}

  /**
   * Adds one message (its UTF-8 size in bytes) and the item it stands for.
   * Returns what the caller must keep alive (ctx.waitUntil): its pack's
   * window and send if it opened or filled that pack, otherwise nothing.
   */
  add(body: string, bytes: number, item: T): Promise<void> {
    const duties: Promise<void>[] = [];
    let pack = this.#open;
    // Past its window the pack should be gone: its timer is late, or was
    // cancelled with the request that set it (say, one stopped at its CPU
    // limit). Either way this caller sends it. (Records in a pack when the
    // whole isolate dies are lost with its memory, as any in-flight work is.)
    if (
      pack &&
      (pack.bytes + bytes + 1 > this.limits.maxBytes ||
        this.clock.monotonicMs() - pack.openedAt >= this.limits.windowMs)
    ) {
      duties.push(this.#seal(pack));
      pack = null;
    }
    if (!pack) {
      pack = { bodies: [], items: [], bytes: 0, sealed: false, openedAt: this.clock.monotonicMs() };
      this.#open = pack;
      if (this.limits.windowMs > 0) duties.push(this.#sealAfterWindow(pack));
    }
    pack.bodies.push(body);
    pack.items.push(item);
    pack.bytes += bytes + 1;
    if (pack.bodies.length >= this.limits.maxMessages || this.limits.windowMs <= 0) duties.push(this.#seal(pack));
    if (duties.length === 0) return Promise.resolve(); // a fresh one: nothing shared across requests
    return duties.length === 1 ? duties[0] : Promise.all(duties).then(() => undefined);
  }

  #sealAfterWindow(pack: Pack<T>): Promise<void> {
    // Never cleared: when the pack was sealed early (full), this settles as a no-op.
    return new Promise<void>((resolve) => setTimeout(resolve, this.limits.windowMs)).then(() => this.#seal(pack));
  }

  /** Sends the pack unless it was sent already; settles when the send has. */
  #seal(pack: Pack<T>): Promise<void> {
    if (pack.sealed) return Promise.resolve();
    pack.sealed = true;
    if (this.#open === pack) this.#open = null;
    return this.send(pack.bodies, pack.items);
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
