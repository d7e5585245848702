import { describe, expect, it } from "vitest";
import { chooseReplicas } from "../../../src/upstreams/choose-replicas";
import { rendezvousOrder } from "../../../src/upstreams/rendezvous";

const replicas = ["http://a:8000/v1", "http://b:8000/v1", "http://c:8000/v1", "http://d:8000/v1"];
const names = Array.from({ length: 400 }, (_, i) => `tenant-lora-${i}`);

describe("rendezvousOrder", () => {
  it("is a permutation, the same for the same key whatever the input order", () => {
    for (const name of names.slice(0, 20)) {
      const order = rendezvousOrder(name, replicas);
      expect([...order].sort()).toEqual([...replicas].sort());
      expect(rendezvousOrder(name, [...replicas].reverse())).toEqual(order);
    }
  });

  it("spreads versions over the replicas", () => {
    const firsts = new Map<string, number>();
    for (const name of names) {
      const first = rendezvousOrder(name, replicas)[0];
      firsts.set(first, (firsts.get(first) ?? 0) + 1);
    }
    for (const url of replicas) expect(firsts.get(url) ?? 0).toBeGreaterThan(60); // 100 expected each
  });

  it("removing a replica moves only the versions it ranked first", () => {
    const gone = replicas[1];
    const rest = replicas.filter((r) => r !== gone);
    for (const name of names) {
      const before = rendezvousOrder(name, replicas);
      const after = rendezvousOrder(name, rest);
      expect(after).toEqual(before.filter((r) => r !== gone));
    }
  });
});

describe("chooseReplicas", () => {
  const ranked = ["r1", "r2", "r3"];
  const cases: [string, string[], string[], string[]][] = [
    ["all healthy, none known to hold it: rendezvous order", ranked, [], ranked],
    ["a holder comes first", ranked, ["r3"], ["r3", "r1", "r2"]],
    ["the first holder in rendezvous order leads, the rest keep theirs", ranked, ["r3", "r2"], ["r2", "r1", "r3"]],
    ["an open replica is left out, even a holder", ["r1", "r3"], ["r2"], ["r1", "r3"]],
    ["an open first replica: the holder behind it leads", ["r2", "r3"], ["r3"], ["r3", "r2"]],
    ["all open: nothing", [], ["r1"], []],
  ];
  it.each(cases)("%s", (_, available, holders, expected) => {
    expect(
      chooseReplicas(
        ranked,
        (u) => available.includes(u),
        (u) => holders.includes(u),
      ),
    ).toEqual(expected);
  });

  it("one replica: itself when available, else nothing", () => {
    expect(
      chooseReplicas(
        ["r"],
        () => true,
        () => false,
      ),
    ).toEqual(["r"]);
    expect(
      chooseReplicas(
        ["r"],
        () => false,
        () => true,
      ),
    ).toEqual([]);
  });
});
