// The flat match table a task's rules compile to, and the first-match scan
// over it: each predicate kind, rule order, and facts that are not there.
import { describe, expect, it } from "vitest";
import type { CompiledRule } from "../../../src/routing/compiled";
import { buildMatchTable, firstMatch, OP_IN_SET, type RequestFacts } from "../../../src/routing/match-table";
import { compilePredicate, FACT_METADATA, FACT_REGION, OP_EXISTS, OP_IN } from "../../../src/routing/predicate";
import type { Predicate } from "../../../src/schemas/manifest";

// Rules are opaque to the table: tagged stand-ins are enough.
const rule = (id: string) => ({ id }) as unknown as CompiledRule;
const when = (conditions: Record<string, Predicate>) =>
  Object.entries(conditions).map(([path, p]) => compilePredicate(path, p));

const vip = rule("vip");
const beta = rule("beta");
const eu = rule("eu");
const rest = rule("default");
const table = buildMatchTable([
  { rule: vip, tests: when({ "metadata.tier": { equals: "vip" } }) },
  { rule: beta, tests: when({ audience: { in: ["developer", "tester"] }, "metadata.beta": { exists: true } }) },
  { rule: eu, tests: when({ region: { prefix: "eu-" } }) },
  { rule: rest, tests: [] },
]);
const match = (facts: Omit<RequestFacts, "requestId">) => firstMatch(table, { requestId: "r", ...facts })?.id;

describe("buildMatchTable", () => {
  it("lays out rule, test count, then (code, key, operand) per test", () => {
    expect(table.slice(0, 5)).toEqual([vip, 1, (FACT_METADATA << 3) | 0, "tier", "vip"]);
    expect(table.slice(5, 13)).toEqual([
      beta,
      2,
      0 | OP_IN,
      "",
      ["developer", "tester"],
      (FACT_METADATA << 3) | OP_EXISTS,
      "beta",
      true,
    ]);
    expect(table.slice(-2)).toEqual([rest, 0]);
    expect(Object.isFrozen(table)).toBe(true);
  });

  it("keeps a long `in` list as its Set", () => {
    const list = Array.from({ length: 40 }, (_, i) => `r${i}`);
    const t = buildMatchTable([{ rule: eu, tests: when({ region: { in: list } }) }]);
    expect(t[2]).toBe((FACT_REGION << 3) | OP_IN_SET);
    expect(t[4]).toBeInstanceOf(Set);
    expect(firstMatch(t, { requestId: "r", region: "r39" })).toBe(eu);
    expect(firstMatch(t, { requestId: "r", region: "r40" })).toBeUndefined();
  });

  it("an empty rule list gives an empty table that matches nothing", () => {
    expect(firstMatch(buildMatchTable([]), { requestId: "r" })).toBeUndefined();
  });
});

describe("firstMatch", () => {
  it.each([
    ["equals", { metadata: { tier: "vip" } }, "vip"],
    ["equals is exact", { metadata: { tier: "VIP" } }, "default"],
    ["all tests of a rule must hold", { audience: "developer" }, "default"],
    ["in + exists", { audience: "tester", metadata: { beta: "" } }, "beta"],
    ["in is exact", { audience: "Tester", metadata: { beta: "1" } }, "default"],
    ["prefix", { region: "eu-west" }, "eu"],
    ["prefix needs the start", { region: "west-eu-" }, "default"],
    ["the first rule that holds wins", { region: "eu-west", metadata: { tier: "vip" } }, "vip"],
    ["no facts: the catch-all", {}, "default"],
  ])("%s", (_, facts, expected) => {
    expect(match(facts as Omit<RequestFacts, "requestId">)).toBe(expected);
  });

  it("a metadata key inherited from the prototype is absent", () => {
    expect(match({ metadata: Object.create({ tier: "vip" }) })).toBe("default");
    const t = buildMatchTable([{ rule: vip, tests: when({ "metadata.constructor": { exists: true } }) }]);
    expect(firstMatch(t, { requestId: "r", metadata: {} })).toBeUndefined();
    expect(firstMatch(t, { requestId: "r", metadata: { constructor: "x" } })).toBe(vip);
  });

  it("a fact that is not a string is absent", () => {
    const facts = { requestId: "r", region: 7, metadata: { tier: ["vip"], beta: null } } as unknown as RequestFacts;
    expect(firstMatch(table, facts)).toBe(rest);
    const missing = buildMatchTable([{ rule: vip, tests: when({ "metadata.beta": { exists: false } }) }]);
    expect(firstMatch(missing, facts)).toBe(vip);
  });

  it("exists: false holds only without the fact", () => {
    const t = buildMatchTable([{ rule: vip, tests: when({ user: { exists: false } }) }]);
    expect(firstMatch(t, { requestId: "r" })).toBe(vip);
    expect(firstMatch(t, { requestId: "r", user: "u" })).toBeUndefined();
  });
});
