// A manifest `when` condition compiled to flat data (PredicateSpec), and how
// one is built. The snapshot compiler (registry/compile-tenant.ts) builds
// them once per manifest; route resolution (resolve.ts) evaluates them on
// every chat completion, so the shape is chosen for evaluation speed.
import type { Predicate } from "../schemas/manifest";
import { shared } from "./shared-strings";

/**
 * One `when` condition as flat data rather than a closure: evaluating it
 * touches one small object, which matters when 10,000 tenants' snapshots
 * compete for the CPU cache (scripts/bench-routing.ts). Every spec has every
 * field, so property access stays monomorphic.
 */
export interface PredicateSpec {
  readonly fact: FactKind;
  /** The metadata key for FACT_METADATA, "" otherwise. */
  readonly key: string;
  readonly op: PredicateOp;
  /** equals / prefix operand. */
  readonly value: string;
  /** `in` operands; a Set only for long lists, where it beats a scan. */
  readonly list: readonly string[];
  readonly set: ReadonlySet<string> | null;
  /** `exists` operand. */
  readonly exists: boolean;
}

export const FACT_AUDIENCE = 0;
export const FACT_USER = 1;
export const FACT_REGION = 2;
export const FACT_METADATA = 3;
export type FactKind = typeof FACT_AUDIENCE | typeof FACT_USER | typeof FACT_REGION | typeof FACT_METADATA;

export const OP_EQUALS = 0;
export const OP_IN = 1;
export const OP_EXISTS = 2;
export const OP_PREFIX = 3;
export type PredicateOp = typeof OP_EQUALS | typeof OP_IN | typeof OP_EXISTS | typeof OP_PREFIX;

const SET_THRESHOLD = 16;
const NO_VALUES: readonly string[] = Object.freeze([]);

/** A manifest predicate (`{equals}`, `{in}`, `{exists}`, `{prefix}`) on a fact path, as a PredicateSpec. */
export function compilePredicate(path: string, predicate: Predicate): PredicateSpec {
  const fact: FactKind =
    path === "audience" ? FACT_AUDIENCE : path === "user" ? FACT_USER : path === "region" ? FACT_REGION : FACT_METADATA;
  // Keys and operands are shared between tenants (shared-strings.ts): a request compares against them.
  const key = fact === FACT_METADATA ? shared(path.slice("metadata.".length)) : "";
  if ("equals" in predicate) return spec(fact, key, OP_EQUALS, shared(predicate.equals), NO_VALUES, false);
  if ("prefix" in predicate) return spec(fact, key, OP_PREFIX, shared(predicate.prefix), NO_VALUES, false);
  if ("exists" in predicate) return spec(fact, key, OP_EXISTS, "", NO_VALUES, predicate.exists);
  return spec(fact, key, OP_IN, "", Object.freeze(predicate.in.map(shared)), false);
}

// One object literal for every spec: one hidden class, all fields in-object.
// (Specs built with `{...base, op}` are larger and slower to evaluate: V8
// puts the overridden fields out of line.)
function spec(
  fact: FactKind,
  key: string,
  op: PredicateOp,
  value: string,
  list: readonly string[],
  exists: boolean,
): PredicateSpec {
  return Object.freeze({ fact, key, op, value, list, set: list.length > SET_THRESHOLD ? new Set(list) : null, exists });
}
