// Pure: the rollout state machine. Which action each state allows and where
// it leads; the store writes the result, the service decides when.
//
//   running --advance--> running (next step)      running --rollback--> rolled_back (share 0)
//   running --advance past the last step, or promote--> promoted (share 100)
//   running --pause--> paused --resume--> running   running|paused --abort--> aborted (share 0)
//
// promoted, rolled_back and aborted are final.

export const ROLLOUT_STATES = ["running", "paused", "promoted", "rolled_back", "aborted"] as const;
export type RolloutState = (typeof ROLLOUT_STATES)[number];

export const ACTIVE_STATES: readonly RolloutState[] = ["running", "paused"];

/** What a transition did (history's `action`); `start` is the creation. */
export type TransitionAction = "start" | "advance" | "promote" | "rollback" | "pause" | "resume" | "abort";

export interface Position {
  state: RolloutState;
  /** Index into the steps. */
  step: number;
  /** Candidate share in percent. */
  share: number;
}

export type Move = { ok: true; action: TransitionAction; to: Position } | { ok: false; action: TransitionAction };

const FROM: Record<Exclude<TransitionAction, "start">, readonly RolloutState[]> = {
  advance: ["running"],
  promote: ["running"],
  rollback: ["running"],
  pause: ["running"],
  resume: ["paused"],
  abort: ["running", "paused"],
};

/** The position after `action`, or a refusal when the state does not allow it. */
export function move(from: Position, action: Exclude<TransitionAction, "start">, steps: readonly number[]): Move {
  if (!FROM[action].includes(from.state)) return { ok: false, action };
  switch (action) {
    case "advance": {
      const next = from.step + 1;
      // Past the last step, or onto a step of 100 %: nothing is left to compare, so that is the promotion.
      if (next >= steps.length || steps[next] >= 100) return promoted(from, steps);
      return { ok: true, action, to: { state: "running", step: next, share: steps[next] } };
    }
    case "promote":
      return promoted(from, steps);
    case "rollback":
      return { ok: true, action, to: { state: "rolled_back", step: from.step, share: 0 } };
    case "pause":
      return { ok: true, action, to: { ...from, state: "paused" } };
    case "resume":
      return { ok: true, action, to: { ...from, state: "running" } };
    case "abort":
      return { ok: true, action, to: { state: "aborted", step: from.step, share: 0 } };
  }
}

function promoted(from: Position, steps: readonly number[]): Move {
  return {
    ok: true,
    action: "promote",
    to: { state: "promoted", step: Math.max(from.step, steps.length - 1), share: 100 },
  };
}

/** Whether the action changes who gets which version (so it writes a manifest version). */
export const movesTraffic = (from: Position, to: Position): boolean => from.share !== to.share;
