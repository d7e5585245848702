// Preset lookup precedence: task+audience -> tenant+audience -> tenant "*" -> none.
import { describe, expect, it } from "vitest";
import { TonePresetSchema, type TonePreset } from "../../../src/schemas/tone-preset";
import { indexPresets, lookupPreset, ToneIndexError } from "../../../src/tone/lookup-preset";

const preset = (name: string, audience: string): TonePreset =>
  TonePresetSchema.parse({ name, version: "1", audience, system_prompt: `${name} voice` });

const index = indexPresets(
  [preset("tenant-students", "students"), preset("tenant-legal", "legal"), preset("tenant-default", "*")],
  [
    { name: "support", tone: [preset("support-students", "students")] },
    { name: "tutor", tone: [] },
    { name: "summarize" },
  ],
);
const noDefault = indexPresets(
  [preset("tenant-legal", "legal")],
  [{ name: "support", tone: [preset("support-legal", "legal")] }],
);

describe("lookupPreset", () => {
  const cases = [
    {
      name: "task+audience beats tenant+audience",
      idx: index,
      task: "support",
      audience: "students",
      want: ["support-students", "task"],
    },
    {
      name: "tenant+audience when the task has none for it",
      idx: index,
      task: "support",
      audience: "legal",
      want: ["tenant-legal", "tenant"],
    },
    {
      name: "tenant+audience for a task with an empty tone list",
      idx: index,
      task: "tutor",
      audience: "students",
      want: ["tenant-students", "tenant"],
    },
    {
      name: "tenant+audience for a task without tone",
      idx: index,
      task: "summarize",
      audience: "legal",
      want: ["tenant-legal", "tenant"],
    },
    {
      name: "tenant default for an unknown audience",
      idx: index,
      task: "support",
      audience: "pirates",
      want: ["tenant-default", "tenant-default"],
    },
    {
      name: "tenant default when no audience was given",
      idx: index,
      task: "support",
      audience: null,
      want: ["tenant-default", "tenant-default"],
    },
    {
      name: "tenant default for an unknown task",
      idx: index,
      task: "nope",
      audience: null,
      want: ["tenant-default", "tenant-default"],
    },
    { name: "none: unknown audience, no default", idx: noDefault, task: "support", audience: "students", want: null },
    { name: "none: no audience, no default", idx: noDefault, task: "support", audience: null, want: null },
    {
      name: "task level without default",
      idx: noDefault,
      task: "support",
      audience: "legal",
      want: ["support-legal", "task"],
    },
    { name: "'*' is not matched as a task audience", idx: noDefault, task: "support", audience: "*", want: null },
  ] as const;

  it.each(cases)("$name", ({ idx, task, audience, want }) => {
    const match = lookupPreset(idx, task, audience);
    expect(match && [match.preset.name, match.level]).toEqual(want);
  });

  it("works on a hand-built index", () => {
    const p = preset("x", "kids");
    const idx = { task: new Map([["t", new Map([["kids", p]])]]), tenant: new Map() };
    expect(lookupPreset(idx, "t", "kids")).toEqual({ preset: p, level: "task" });
  });
});

describe("indexPresets", () => {
  it("rejects two tenant presets for one audience, naming the place", () => {
    expect(() => indexPresets([preset("a", "legal"), preset("b", "legal")], [])).toThrow(
      /tone\[1\]\.audience: duplicate preset for audience "legal"/,
    );
  });
  it("rejects two presets for one audience in a task", () => {
    expect(() => indexPresets([], [{ name: "support", tone: [preset("a", "kids"), preset("b", "kids")] }])).toThrow(
      /tasks\[support\]\.tone\[1\]\.audience/,
    );
  });
  it('rejects "*" at task level', () => {
    expect(() => indexPresets([], [{ name: "support", tone: [preset("a", "*")] }])).toThrow(ToneIndexError);
  });
  it("allows the same audience at tenant and task level", () => {
    const idx = indexPresets([preset("t", "kids")], [{ name: "s", tone: [preset("k", "kids")] }]);
    expect(idx.tenant.get("kids")?.name).toBe("t");
    expect(idx.task.get("s")?.get("kids")?.name).toBe("k");
  });
});
