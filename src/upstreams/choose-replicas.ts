// Which replicas a request may try, best first: among those whose circuit
// lets a request through, the ones known to hold the adapter version, then
// the others, each group in the version's rendezvous order (compiled into
// the snapshot, see rendezvous.ts). Pure: health and inventory come in as
// predicates.

const NONE: readonly string[] = Object.freeze([]);

export function chooseReplicas(
  ranked: readonly string[],
  available: (url: string) => boolean,
  holds: (url: string) => boolean,
): readonly string[] {
  // One replica (the common base_url case): no arrays built.
  if (ranked.length === 1) return available(ranked[0]) ? ranked : NONE;
  const holders: string[] = [];
  const others: string[] = [];
  for (const url of ranked) {
    if (!available(url)) continue;
    (holds(url) ? holders : others).push(url);
  }
  if (others.length === 0) return holders;
  if (holders.length === 0) return others;
  return holders.concat(others);
}
