// A task's rules and their `when` tests laid out as one flat array (the match
// table), and the first-match scan that route resolution runs over it.
//
// Resolution runs before every upstream call, and an isolate may hold
// thousands of tenants' snapshots, so what it reads is mostly not in the CPU
// cache: every separate object it visits is a likely miss. A rule list of
// objects, each with its own array of test objects, costs several misses per
// rule tried; one array read front to back costs a few adjacent cache lines
// (the hardware prefetches the next) for the whole task. Layout, rule after
// rule in manifest order:
//
//   rule, n, code, key, operand, code, key, operand, ...   (n triples)
//
// `code` is fact * 8 + op (OP_* from predicate.ts, or OP_IN_SET for an `in`
// list long enough to be a Set); `key` is the metadata key ("" for the other
// facts); `operand` is the equals/prefix string, the `in` list or Set, or the
// `exists` boolean.
import type { CompiledRule, MatchSlot, MatchTable } from "./compiled";
import {
  FACT_AUDIENCE,
  FACT_REGION,
  FACT_USER,
  OP_EQUALS,
  OP_EXISTS,
  OP_IN,
  OP_PREFIX,
  type PredicateSpec,
} from "./predicate";

/** What `when` conditions and sticky splits look at. */
export interface RequestFacts {
  audience?: string;
  user?: string;
  region?: string;
  metadata?: Readonly<Record<string, string>>;
  requestId: string;
}

/** `in` whose operand is a Set (long lists, see predicate.ts). */
export const OP_IN_SET = 4;
const OP_BITS = 3;
const OP_MASK = 7;

/** The table for rules in manifest order, each with its compiled tests (empty: matches every request). */
export function buildMatchTable(rules: readonly { rule: CompiledRule; tests: readonly PredicateSpec[] }[]): MatchTable {
  const out: MatchSlot[] = [];
  for (const { rule, tests } of rules) {
    out.push(rule, tests.length);
    for (const p of tests) {
      const op = p.op === OP_IN && p.set !== null ? OP_IN_SET : p.op;
      const operand = op === OP_IN_SET ? p.set! : op === OP_IN ? p.list : op === OP_EXISTS ? p.exists : p.value;
      out.push((p.fact << OP_BITS) | op, p.key, operand);
    }
  }
  return Object.freeze(out);
}

/** The first rule whose tests all hold; undefined when none does. */
export function firstMatch(table: MatchTable, facts: RequestFacts): CompiledRule | undefined {
  const end = table.length;
  let i = 0;
  outer: while (i < end) {
    const stop = i + 2 + 3 * (table[i + 1] as number);
    for (let j = i + 2; j < stop; j += 3) {
      if (!holds(table[j] as number, table[j + 1] as string, table[j + 2], facts)) {
        i = stop;
        continue outer;
      }
    }
    return table[i] as CompiledRule;
  }
  return undefined;
}

/** Facts are strings; anything else, or an inherited metadata key, is absent. */
function factValue(fact: number, key: string, facts: RequestFacts): string | undefined {
  let v: unknown;
  switch (fact) {
    case FACT_AUDIENCE:
      v = facts.audience;
      break;
    case FACT_USER:
      v = facts.user;
      break;
    case FACT_REGION:
      v = facts.region;
      break;
    default: {
      const md = facts.metadata;
      v = md !== undefined && md !== null && Object.hasOwn(md, key) ? md[key] : undefined;
    }
  }
  return typeof v === "string" ? v : undefined;
}

function holds(code: number, key: string, operand: MatchSlot, facts: RequestFacts): boolean {
  const v = factValue(code >> OP_BITS, key, facts);
  switch (code & OP_MASK) {
    case OP_EQUALS:
      return v === operand;
    case OP_IN:
      return v !== undefined && (operand as readonly string[]).includes(v);
    case OP_IN_SET:
      return v !== undefined && (operand as ReadonlySet<string>).has(v);
    case OP_EXISTS:
      return (v !== undefined) === operand;
    case OP_PREFIX:
      return v !== undefined && v.startsWith(operand as string);
    default:
      return false;
  }
}
