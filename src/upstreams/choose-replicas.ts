// Which replicas a request may try, best first: the first replica, in the
// version's rendezvous order (compiled into the snapshot, see rendezvous.ts),
// that lets a request through and is known to hold the version; then every
// other one that lets a request through, in rendezvous order. A request tries
// at most two, so only the first place needs the inventory: in steady state
// the version's first-ranked replica holds it and the answer is the compiled
// array itself, with one inventory lookup and nothing allocated. Pure: health
// and inventory come in as predicates.

const NONE: readonly string[] = Object.freeze([]);

export function chooseReplicas(
  ranked: readonly string[],
  available: (url: string) => boolean,
  holds: (url: string) => boolean,
): readonly string[] {
  if (ranked.length === 1) return available(ranked[0]) ? ranked : NONE;
  let open = 0; // replicas whose circuit refuses requests
  let holder = -1;
  for (let i = 0; i < ranked.length; i++) {
    if (!available(ranked[i])) open++;
    else if (holder === -1 && holds(ranked[i])) holder = i;
  }
  if (open === 0) return leadWith(ranked, holder);
  const out: string[] = [];
  if (holder > 0) out.push(ranked[holder]);
  for (let i = 0; i < ranked.length; i++) if (i !== holder && available(ranked[i])) out.push(ranked[i]);
  return out;
}

/**
 * The order when every replica is available: `ranked[holder]` first (the
 * first one known to hold the version; -1 for none), the rest in rendezvous
 * order. Nothing to reorder: the compiled array itself.
 */
export function leadWith(ranked: readonly string[], holder: number): readonly string[] {
  if (holder <= 0) return ranked;
  const out = [ranked[holder]];
  for (let i = 0; i < ranked.length; i++) if (i !== holder) out.push(ranked[i]);
  return out;
}
