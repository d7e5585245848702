// The rollout state machine: which action each state allows, where it leads.
import { describe, expect, it } from "vitest";
import { move, ROLLOUT_STATES, type Position, type RolloutState } from "../../../src/rollouts/rollout-machine";

const STEPS = [5, 25, 50, 100];
const at = (state: RolloutState, step = 0, share = STEPS[step]): Position => ({ state, step, share });

describe("move", () => {
  it.each([
    ["advance from the first step", at("running", 0), "advance", { state: "running", step: 1, share: 25 }],
    ["advance onto a step of 100%: promote", at("running", 2), "advance", { state: "promoted", step: 3, share: 100 }],
    ["promote", at("running", 1), "promote", { state: "promoted", step: 3, share: 100 }],
    ["roll back", at("running", 1), "rollback", { state: "rolled_back", step: 1, share: 0 }],
    ["pause keeps the share", at("running", 1), "pause", { state: "paused", step: 1, share: 25 }],
    ["resume", at("paused", 1), "resume", { state: "running", step: 1, share: 25 }],
    ["abort a paused one", at("paused", 1), "abort", { state: "aborted", step: 1, share: 0 }],
  ] as const)("%s", (_name, from, action, to) => {
    const m = move(from, action, STEPS);
    expect(m.ok && m.to).toEqual(to);
  });

  it("advances past a last step below 100% into promotion", () => {
    const m = move(at("running", 1, 25), "advance", [5, 25]);
    expect(m).toMatchObject({ ok: true, action: "promote", to: { state: "promoted", share: 100 } });
  });

  it("refuses what a state does not allow", () => {
    const allowed: Record<string, RolloutState[]> = {
      advance: ["running"],
      promote: ["running"],
      rollback: ["running"],
      pause: ["running"],
      resume: ["paused"],
      abort: ["running", "paused"],
    };
    for (const [action, states] of Object.entries(allowed)) {
      for (const state of ROLLOUT_STATES) {
        const m = move(at(state, 1), action as "advance", STEPS);
        expect(m.ok, `${action} from ${state}`).toBe(states.includes(state));
      }
    }
  });
});
