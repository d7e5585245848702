import { describe, expect, it } from "vitest";
import { formatIssues, toJsonPointer, validateManifest } from "../../../src/registry/validate-manifest";
import { demoManifest, fixtureManifest } from "../routing/fixture-manifest";

// The fixture's layout, for reading the pointers below: tasks/0 = chat
// (rules vip, staff, beta, eu, default), tasks/1 = faq, tasks/2 = dyn;
// upstreams/0 = up (openai-compatible), upstreams/1 = ai (workers-ai).
type M = ReturnType<typeof fixtureManifest> & Record<string, unknown>;
type Row = { name: string; mutate: (m: M) => void; pointer: string; message: RegExp };

function issuesOf(mutate: (m: M) => void) {
  const m = fixtureManifest() as M;
  mutate(m);
  const result = validateManifest(m);
  if (result.ok) throw new Error("expected the manifest to be rejected");
  return result.issues;
}

describe("validateManifest", () => {
  it("accepts the fixture and the demo manifests", () => {
    for (const input of [fixtureManifest(), demoManifest("acme"), demoManifest("globex")]) {
      const result = validateManifest(input);
      expect(result.ok ? [] : formatIssues(result.issues)).toEqual([]);
    }
  });

  it("fills defaults", () => {
    const result = validateManifest(fixtureManifest());
    expect(result.ok && result.manifest.upstreams[1].timeout_ms).toBe(30000);
    expect(result.ok && result.manifest.tasks[1].allow_pinning).toBe(false);
  });

  const semantic: Row[] = [
    {
      name: "target names no adapter version",
      mutate: (m) => void (m.tasks[0].rules[0].target = "a-v9"),
      pointer: "/tasks/0/rules/0/target",
      message: /names no adapter version: "a-v9"/,
    },
    {
      name: "split entry names no adapter version",
      mutate: (m) =>
        void (m.tasks[0].rules[4].target = {
          split: [
            { version: "a-v1", weight: 1 },
            { version: "zz", weight: 1 },
          ],
        }),
      pointer: "/tasks/0/rules/4/target/split/1/version",
      message: /names no adapter version: "zz"/,
    },
    {
      name: "split with no positive weight",
      mutate: (m) =>
        void (m.tasks[0].rules[4].target = {
          split: [
            { version: "a-v1", weight: 0 },
            { version: "a-v2", weight: 0 },
          ],
        }),
      pointer: "/tasks/0/rules/4/target/split",
      message: /positive weight/,
    },
    {
      name: "split lists a version twice",
      mutate: (m) =>
        void (m.tasks[0].rules[4].target = {
          split: [
            { version: "a-v1", weight: 1 },
            { version: "a-v1", weight: 1 },
          ],
        }),
      pointer: "/tasks/0/rules/4/target/split/1/version",
      message: /listed twice/,
    },
    {
      name: "fallback names no adapter version",
      mutate: (m) => void (m.tasks[0].rules[0].fallback = ["nope"]),
      pointer: "/tasks/0/rules/0/fallback/0",
      message: /names no adapter version: "nope"/,
    },
    {
      name: "fallback names no task",
      mutate: (m) => void (m.tasks[0].rules[0].fallback = ["a-v1", "task:nope"]),
      pointer: "/tasks/0/rules/0/fallback/1",
      message: /names no task: "nope"/,
    },
    {
      name: "fallback lists an entry twice",
      mutate: (m) => void (m.tasks[0].rules[0].fallback = ["a-v1", "a-v1"]),
      pointer: "/tasks/0/rules/0/fallback/1",
      message: /listed twice/,
    },
    {
      name: "fallback cycle: chain revisits the rule's own target",
      mutate: (m) => void (m.tasks[0].rules[0].fallback = ["a-v1", "a-v3"]),
      pointer: "/tasks/0/rules/0/fallback/1",
      message: /fallback cycle.*own target "a-v3"/,
    },
    {
      name: "fallback cycle: task to itself",
      mutate: (m) => void (m.tasks[1].rules[0].fallback = ["task:faq"]),
      pointer: "/tasks/1/rules/0/fallback/0",
      message: /fallback cycle: faq -> faq/,
    },
    {
      // faq -> dyn closes chat -> faq -> dyn -> chat (and faq -> dyn -> faq);
      // each cycle is reported once, at the entry where the search closes it.
      name: "fallback cycle: across tasks",
      mutate: (m) => void (m.tasks[1].rules[0].fallback = ["a-v1", "task:dyn"]),
      pointer: "/tasks/2/rules/0/fallback/0",
      message: /fallback cycle: chat -> faq -> dyn -> chat/,
    },
    {
      name: "duplicate rule id",
      mutate: (m) => void (m.tasks[0].rules[1].id = "vip"),
      pointer: "/tasks/0/rules/1/id",
      message: /duplicate rule id "vip"/,
    },
    {
      name: "duplicate task name",
      mutate: (m) => void (m.tasks[2].name = "faq"),
      pointer: "/tasks/2/name",
      message: /duplicate task name "faq"/,
    },
    {
      name: "adapter names no upstream",
      mutate: (m) => void (m.adapters[0].upstream = "gone"),
      pointer: "/adapters/0/upstream",
      message: /names no upstream: "gone"/,
    },
    {
      name: "duplicate adapter version",
      mutate: (m) => void (m.adapters[1].version = "a-v1"),
      pointer: "/adapters/1/version",
      message: /duplicate adapter version "a-v1"/,
    },
    {
      name: "duplicate upstream id",
      mutate: (m) => void (m.upstreams[1].id = "up"),
      pointer: "/upstreams/1/id",
      message: /duplicate upstream id/,
    },
    {
      name: "openai-compatible without base_url",
      mutate: (m) => void delete m.upstreams[0].base_url,
      pointer: "/upstreams/0/base_url",
      message: /required for an openai-compatible/,
    },
    {
      name: "workers-ai with base_url",
      mutate: (m) => void (m.upstreams[1].base_url = "https://x.test"),
      pointer: "/upstreams/1/base_url",
      message: /not allowed for a workers-ai/,
    },
    {
      name: '"*" audience at task level',
      mutate: (m) => void (m.tasks[0].tone = [{ name: "x", version: "1", audience: "*", system_prompt: "Be nice." }]),
      pointer: "/tasks/0/tone/0/audience",
      message: /only allowed in the tenant-level/,
    },
    {
      name: "duplicate audience at one level",
      mutate: (m) =>
        void (m.tone = [
          { name: "a", version: "1", audience: "customer", system_prompt: "One." },
          { name: "b", version: "1", audience: "customer", system_prompt: "Two." },
        ]),
      pointer: "/tone/1/audience",
      message: /duplicate preset for audience "customer"/,
    },
  ];

  const structural: Row[] = [
    {
      name: "base_url that is not http(s)",
      mutate: (m) => void (m.upstreams[0].base_url = "ftp://files.test/v1"),
      pointer: "/upstreams/0/base_url",
      message: /http\(s\) URL/,
    },
    {
      name: "base_url that does not parse",
      mutate: (m) => void (m.upstreams[0].base_url = "http://[bad"),
      pointer: "/upstreams/0/base_url",
      message: /http\(s\) URL/,
    },
    {
      name: "missing required field",
      mutate: (m) => void delete (m as Partial<M>).tenant,
      pointer: "/tenant",
      message: /is required/,
    },
    {
      name: "tenant not a slug",
      mutate: (m) => void (m.tenant = "Shop Inc"),
      pointer: "/tenant",
      message: /lowercase slug/,
    },
    {
      name: "unknown field (typo)",
      mutate: (m) => void ((m.tasks[0].rules[0] as Record<string, unknown>).fallbacks = []),
      pointer: "/tasks/0/rules/0/fallbacks",
      message: /unknown field "fallbacks"/,
    },
    {
      name: "predicate of no known kind",
      mutate: (m) => void (m.tasks[0].rules[0].when = { "metadata.tier": { is: "vip" } as never }),
      pointer: "/tasks/0/rules/0/when/metadata.tier",
      message: /exactly one of/,
    },
    {
      name: "predicate with a wrong value type",
      mutate: (m) => void (m.tasks[0].rules[0].when = { "metadata.tier": { equals: 3 } as never }),
      pointer: "/tasks/0/rules/0/when/metadata.tier/equals",
      message: /string/,
    },
    {
      name: "unknown fact path",
      mutate: (m) => void (m.tasks[0].rules[0].when = { tier: { equals: "vip" } }),
      pointer: "/tasks/0/rules/0/when/tier",
      message: /fact path/,
    },
    {
      name: "negative split weight",
      mutate: (m) => void (m.tasks[0].rules[4].target = { split: [{ version: "a-v1", weight: -1 }] }),
      pointer: "/tasks/0/rules/4/target/split/0/weight",
      message: />=0|too small/i,
    },
    {
      name: "target of the wrong type",
      mutate: (m) => void (m.tasks[0].rules[0].target = 7 as never),
      pointer: "/tasks/0/rules/0/target",
      message: /adapter version or \{split/,
    },
    {
      name: "fallback entry of the wrong form",
      mutate: (m) => void (m.tasks[0].rules[0].fallback = ["task:"]),
      pointer: "/tasks/0/rules/0/fallback/0",
      message: /task:<task name>/,
    },
    {
      name: "tone preset default outside its limits",
      mutate: (m) =>
        void (m.tone = [
          {
            name: "c",
            version: "1",
            audience: "customer",
            system_prompt: "Hi.",
            defaults: { temperature: 0.9 },
            limits: { temperature: { max: 0.7 } },
          },
        ]),
      pointer: "/tone/0/defaults/temperature",
      message: /outside limits/,
    },
  ];

  it.each([...semantic, ...structural])("rejects $name at $pointer", ({ mutate, pointer, message }) => {
    const issues = issuesOf(mutate);
    const hit = issues.find((i) => i.pointer === pointer);
    expect(hit, formatIssues(issues)).toBeDefined();
    expect(hit!.message).toMatch(message);
  });

  it("reports every problem at once", () => {
    const issues = issuesOf((m) => {
      m.tasks[0].rules[0].target = "a-v9";
      m.adapters[0].upstream = "gone";
    });
    expect(issues.map((i) => i.pointer).sort()).toEqual(["/adapters/0/upstream", "/tasks/0/rules/0/target"]);
  });

  it("rejects what is not an object", () => {
    for (const input of [null, "x", [], 42]) {
      const result = validateManifest(input);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.issues[0].pointer).toBe("");
    }
  });
});

describe("toJsonPointer", () => {
  it("escapes ~ and / per RFC 6901", () => {
    expect(toJsonPointer([])).toBe("");
    expect(toJsonPointer(["tasks", 0, "a/b", "c~d"])).toBe("/tasks/0/a~1b/c~0d");
  });
});
