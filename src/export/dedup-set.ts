// A set of 53-bit hashes in one Float64Array (open addressing, linear
// probing), for dedup across a whole export.
//
// Why not `new Set<number>()`: 53-bit values are not small integers, so V8
// boxes each one (a 16-byte heap number plus ~24 bytes of table), about
// 40 bytes an entry. Here an entry costs 8 bytes at a load factor of at most
// 1/2, so 16 bytes: 200,000 hashes ≈ 4 MB, the default cap of 1,000,000
// ≈ 16 MB (32 MB for the moment a resize holds both tables). That keeps the
// builder well inside a Worker's 128 MB. Past the cap, new hashes are not
// remembered (add() returns "untracked") and dedup becomes best-effort,
// rather than letting memory grow with the export.

export const DEFAULT_DEDUP_CAP = 1_000_000;

export type AddResult = "added" | "duplicate" | "untracked";

export class DedupSet {
  // 0 marks an empty slot, so a stored key is hash + 1 (still exact: < 2^53 + 1).
  private slots = new Float64Array(1024);
  private count = 0;

  constructor(private readonly cap = DEFAULT_DEDUP_CAP) {}

  get size(): number {
    return this.count;
  }

  /** Adds a hash in [0, 2^53); says whether it was new. */
  add(hash: number): AddResult {
    const key = hash + 1;
    const mask = this.slots.length - 1;
    // `>>> 0` keeps the low 32 bits exactly for any integer below 2^53.
    let i = (key >>> 0) & mask;
    while (this.slots[i] !== 0) {
      if (this.slots[i] === key) return "duplicate";
      i = (i + 1) & mask;
    }
    if (this.count >= this.cap) return "untracked";
    this.slots[i] = key;
    this.count++;
    if (this.count * 2 > this.slots.length) this.grow();
    return "added";
  }

  has(hash: number): boolean {
    const key = hash + 1;
    const mask = this.slots.length - 1;
    let i = (key >>> 0) & mask;
    while (this.slots[i] !== 0) {
      if (this.slots[i] === key) return true;
      i = (i + 1) & mask;
    }
    return false;
  }

  /** The remembered hashes as little-endian float64s, 8 bytes each (for a saved builder state). */
  toBytes(): Uint8Array {
    const out = new DataView(new ArrayBuffer(this.count * 8));
    let at = 0;
    for (const key of this.slots) {
      if (key === 0) continue;
      out.setFloat64(at, key - 1, true);
      at += 8;
    }
    return new Uint8Array(out.buffer);
  }

  /** A set holding the hashes of toBytes(). */
  static fromBytes(bytes: Uint8Array, cap = DEFAULT_DEDUP_CAP): DedupSet {
    if (bytes.length % 8 !== 0) throw new Error("dedup state: length is not a multiple of 8");
    const set = new DedupSet(Math.max(cap, bytes.length / 8));
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let at = 0; at < bytes.length; at += 8) set.add(view.getFloat64(at, true));
    return set;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Float64Array(old.length * 2);
    const mask = this.slots.length - 1;
    for (const key of old) {
      if (key === 0) continue;
      let i = (key >>> 0) & mask;
      while (this.slots[i] !== 0) i = (i + 1) & mask;
      this.slots[i] = key;
    }
  }
}
