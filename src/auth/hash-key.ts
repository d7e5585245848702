// API keys are stored and looked up only as hex SHA-256 digests (WebCrypto),
// so a leaked database or snapshot does not leak usable keys.
const encoder = new TextEncoder();

export async function sha256Hex(value: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(value));
  let hex = "";
  for (const byte of new Uint8Array(digest)) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

/**
 * sha256Hex for the bearer keys of requests, remembered per isolate for keys
 * that turned out live: a busy key is hashed once, not on every request. It
 * maps a key to its digest and nothing more (whether the digest names a live
 * key is looked up each time), so a revoked key stays revoked. Keys that named
 * nothing are not kept, so made-up keys cannot fill it; it is bounded anyway.
 */
export class KeyDigests {
  private readonly known = new Map<string, string>();
  constructor(private readonly max = 1024) {}

  /** The digest, and whether it came from memory. */
  async digest(key: string): Promise<{ hash: string; remembered: boolean }> {
    const hash = this.known.get(key);
    return hash === undefined ? { hash: await sha256Hex(key), remembered: false } : { hash, remembered: true };
  }

  /** Keeps a key that named a live key. */
  remember(key: string, hash: string): void {
    if (this.known.size >= this.max) this.known.clear();
    this.known.set(key, hash);
  }

  get size(): number {
    return this.known.size;
  }
}
