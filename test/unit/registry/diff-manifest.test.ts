import { describe, expect, it } from "vitest";
import { diffManifests, formatDiff } from "../../../src/registry/diff-manifest";
import { validateManifest } from "../../../src/registry/validate-manifest";
import type { Manifest } from "../../../src/schemas/manifest";
import { demoManifest } from "../routing/fixture-manifest";

function acme(edit?: (m: Manifest) => void): Manifest {
  const result = validateManifest(demoManifest("acme"));
  if (!result.ok) throw new Error("acme.json is invalid");
  edit?.(result.manifest);
  return result.manifest;
}
const paths = (before: Manifest | null, after: Manifest) =>
  diffManifests(before, after).map((c) => `${c.op} ${c.path}`);

describe("diffManifests", () => {
  it("is empty for equal manifests, whatever the key order or $schema", () => {
    expect(diffManifests(acme(), acme())).toEqual([]);
    expect(diffManifests(acme(), { ...acme(), $schema: "https://elsewhere/schema.json" })).toEqual([]);
    const b = acme(
      (m) =>
        (m.upstreams[0] = {
          timeout_ms: 30000,
          dialect: "vllm",
          replicas: ["http://127.0.0.1:8788/v1", "http://127.0.0.1:8789/v1"],
          kind: "openai-compatible",
          id: "dev-vllm",
        }),
    );
    expect(diffManifests(acme(), b)).toEqual([]);
  });

  it("lists everything as added when there is no previous manifest", () => {
    expect(paths(null, acme())).toEqual([
      "add /tenant",
      "add /display_name",
      "add /upstreams/dev-vllm",
      "add /upstreams/workers-ai",
      "add /adapters/support-v1",
      "add /adapters/support-v2",
      "add /adapters/billing-v1",
      "add /adapters/docs-v1",
      "add /adapters/support-edge-v1",
      "add /tasks/support",
      "add /tasks/billing",
      "add /tasks/docs-qa",
      "add /tone/customer",
      "add /tone/developer",
      "add /tone/executive",
      "add /tone/*",
    ]);
  });

  it.each([
    {
      name: "a rule's target changes",
      edit: (m: Manifest) => void (m.tasks[0].rules[2].target = "support-v2"),
      expected: ["change /tasks/support/rules/default"],
    },
    {
      name: "an adapter is added and another removed",
      edit: (m: Manifest) => {
        m.adapters.push({
          name: "acme-docs",
          version: "docs-v2",
          upstream: "dev-vllm",
          base_model: "b",
          served_name: "acme-docs-v2",
        });
        m.adapters.splice(3, 1, m.adapters[3]);
      },
      expected: ["add /adapters/docs-v2"],
    },
    {
      name: "an upstream setting changes",
      edit: (m: Manifest) => void (m.upstreams[0].timeout_ms = 5000),
      expected: ["change /upstreams/dev-vllm"],
    },
    {
      name: "a rule is appended",
      edit: (m: Manifest) => void m.tasks[1].rules.push({ id: "late", target: "billing-v1" }),
      expected: ["add /tasks/billing/rules/late"],
    },
    {
      name: "a rule is inserted ahead of existing ones (precedence changes)",
      edit: (m: Manifest) => void m.tasks[1].rules.unshift({ id: "first", target: "billing-v1" }),
      expected: ["add /tasks/billing/rules/first", "change /tasks/billing/rules"],
    },
    {
      name: "rules are reordered",
      edit: (m: Manifest) => void m.tasks[0].rules.reverse(),
      expected: ["change /tasks/support/rules"],
    },
    {
      name: "a task flag and a task-level preset change",
      edit: (m: Manifest) => {
        m.tasks[1].allow_pinning = true;
        m.tasks[1].tone![0].version = "v2";
      },
      expected: ["change /tasks/billing/allow_pinning", "change /tasks/billing/tone/customer"],
    },
    {
      name: "a tenant preset is removed and a task is removed",
      edit: (m: Manifest) => {
        m.tone = m.tone!.filter((p) => p.audience !== "executive");
        m.tasks.pop();
        m.tasks[0].rules[2].fallback = ["support-edge-v1"];
      },
      // Within a collection, removals come first, then additions and changes in the new order.
      expected: ["remove /tasks/docs-qa", "change /tasks/support/rules/default", "remove /tone/executive"],
    },
  ])("$name", ({ edit, expected }) => {
    expect(paths(acme(), acme(edit))).toEqual(expected);
  });

  it("carries before and after values", () => {
    const [change] = diffManifests(
      acme(),
      acme((m) => (m.display_name = "Acme")),
    );
    expect(change).toEqual({ op: "change", path: "/display_name", before: "Acme Cloud", after: "Acme" });
  });
});

describe("formatDiff", () => {
  it("prints one +/-/~ line per change", () => {
    const after = acme((m) => {
      m.display_name = "Acme";
      m.tasks.pop();
      m.tasks[0].rules[2].fallback = ["support-edge-v1"];
      m.upstreams.push({ id: "lorax", kind: "openai-compatible", base_url: "https://lorax.test/v1", timeout_ms: 1000 });
    });
    const lines = formatDiff(diffManifests(acme(), after)).split("\n");
    expect(lines.map((l) => l.split(" ").slice(0, 2).join(" "))).toEqual([
      "~ /display_name",
      "+ /upstreams/lorax",
      "- /tasks/docs-qa",
      "~ /tasks/support/rules/default",
    ]);
    expect(lines[0]).toBe('~ /display_name "Acme Cloud" -> "Acme"');
  });

  it("says so when nothing changed", () => {
    expect(formatDiff([])).toBe("no changes");
  });
});
