// Runs work items with at most `concurrency` in flight, in order, until they
// are done or the deadline passes (items not started by then are skipped and
// counted). Progress goes to stderr every few seconds, so a long run shows
// that it moves.
export interface PoolResult<R> {
  results: R[];
  skipped: number;
  seconds: number;
}

export async function runPool<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<R>,
  options: { deadline: number; label: string; progressMs?: number },
): Promise<PoolResult<R>> {
  const results: R[] = [];
  const started = performance.now();
  let next = 0;
  let skipped = 0;
  const progress = setInterval(() => {
    const seconds = (performance.now() - started) / 1000;
    console.error(
      `[${options.label}] ${results.length}/${items.length} done in ${seconds.toFixed(0)} s (${(results.length / seconds).toFixed(0)}/s)`,
    );
  }, options.progressMs ?? 10_000);
  async function worker(): Promise<void> {
    while (next < items.length) {
      if (Date.now() >= options.deadline) {
        skipped = items.length - next;
        next = items.length;
        return;
      }
      results.push(await work(items[next++]));
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  } finally {
    clearInterval(progress);
  }
  return { results, skipped, seconds: (performance.now() - started) / 1000 };
}
