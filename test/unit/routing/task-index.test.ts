// The flat task index route resolution looks tasks up in: every task is found
// under its own name and nothing else, also when two names share a key.
import { describe, expect, it } from "vitest";
import type { CompiledTask, TaskIndex } from "../../../src/routing/compiled";
import { buildTaskIndex, findTask, TASK_SLOTS, taskKey } from "../../../src/routing/task-index";
import { compileValid, fixtureManifest } from "./fixture-manifest";

const snap = compileValid(fixtureManifest());

describe("buildTaskIndex / findTask", () => {
  it("finds each task of the snapshot, with its name, object and match table", () => {
    expect(snap.taskIndex.length).toBe(snap.tasks.size * TASK_SLOTS);
    for (const task of snap.tasks.values()) {
      const i = findTask(snap.taskIndex, task.name);
      expect(i).toBeGreaterThanOrEqual(0);
      expect(snap.taskIndex.slice(i, i + TASK_SLOTS)).toEqual([taskKey(task.name), task.name, task, task.match]);
    }
    expect(Object.isFrozen(snap.taskIndex)).toBe(true);
  });

  it.each(["", "cha", "chat ", "Chat", "chat@a-v1", "ghost"])("finds nothing for %j", (name) => {
    expect(findTask(snap.taskIndex, name)).toBe(-1);
  });

  it("an empty index finds nothing", () => {
    expect(findTask(buildTaskIndex([]), "chat")).toBe(-1);
  });

  it("a name with another task's key is still told apart", () => {
    const chat = snap.tasks.get("chat")!;
    // An index whose first entry claims the key of "faq" under another name.
    const forged: TaskIndex = [taskKey("faq"), "not-faq", chat, chat.match, ...snap.taskIndex];
    const i = findTask(forged, "faq");
    expect(forged[i + 2]).toBe(snap.tasks.get("faq") as CompiledTask);
  });

  it("keys are 30-bit integers", () => {
    for (const name of ["", "chat", "ü-task", "x".repeat(200)]) {
      const k = taskKey(name);
      expect(Number.isInteger(k) && k >= 0 && k < 2 ** 30).toBe(true);
    }
  });
});
