// An exact sliding-window log: the times of the requests admitted in the
// last `spanMs`, oldest first, so requests_per_minute holds for ANY 60 s, not
// only within fixed clock minutes (a fixed window lets 2N through around a
// minute boundary). Counting is O(1) amortized: expired times are dropped
// from the front as time passes. Memory is one number per admitted request of
// the last span, which the manifest's cap on requests_per_minute bounds.
// Pure: the Durable Object keeps one per scope and persists the same times in
// SQLite, from which it rebuilds the window after a restart.
export class SlidingWindow {
  readonly spanMs: number;
  #times: number[];
  #head = 0;

  /** `times` must be sorted, oldest first. */
  constructor(spanMs: number, times: number[] = []) {
    this.spanMs = spanMs;
    this.#times = times;
  }

  /** Requests in (nowMs - span, nowMs]. */
  count(nowMs: number): number {
    this.#expire(nowMs);
    return this.#times.length - this.#head;
  }

  /** The oldest time still in the window (after the last count), if any. */
  oldest(): number | undefined {
    return this.#head < this.#times.length ? this.#times[this.#head] : undefined;
  }

  newest(): number | undefined {
    return this.#head < this.#times.length ? this.#times[this.#times.length - 1] : undefined;
  }

  /**
   * Records a request at `atMs` and returns the time stored. Callers' clocks
   * may disagree by a little; a time earlier than the newest is stored as the
   * newest, which keeps the log sorted at the price of that skew.
   */
  add(atMs: number): number {
    const at = Math.max(atMs, this.newest() ?? atMs);
    this.#times.push(at);
    return at;
  }

  #expire(nowMs: number): void {
    const edge = nowMs - this.spanMs;
    const times = this.#times;
    while (this.#head < times.length && times[this.#head] <= edge) this.#head++;
    // Compact once the dead prefix is most of the array, so memory follows the live count.
    if (this.#head === times.length) {
      this.#times = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > times.length) {
      this.#times = times.slice(this.#head);
      this.#head = 0;
    }
  }
}
