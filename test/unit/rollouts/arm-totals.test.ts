// Per-step totals are the cumulative totals minus the snapshot taken when the
// step began: field by field, per audience and per latency bucket.
import { describe, expect, it } from "vitest";
import { addTotals, emptyTotals, subtractTotals, type ArmTotals } from "../../../src/rollouts/decision/arm-totals";

const now: ArmTotals = {
  requests: 500,
  errors: 7,
  rated: 120,
  positive: 90,
  negative: 30,
  scoreSum: 60.5,
  latency: [1, 5, 9],
  audiences: {
    web: { requests: 300, errors: 4, rated: 80, positive: 60, negative: 20 },
    kiosk: { requests: 200, errors: 3, rated: 40, positive: 30, negative: 10 },
  },
};
const snapshot: ArmTotals = {
  requests: 100,
  errors: 2,
  rated: 20,
  positive: 15,
  negative: 5,
  scoreSum: 10,
  latency: [1, 2],
  audiences: { web: { requests: 100, errors: 2, rated: 20, positive: 15, negative: 5 } },
};

describe("arm totals", () => {
  it("subtracts a snapshot field by field, per audience and per bucket", () => {
    expect(subtractTotals(now, snapshot)).toEqual({
      requests: 400,
      errors: 5,
      rated: 100,
      positive: 75,
      negative: 25,
      scoreSum: 50.5,
      latency: [0, 3, 9],
      audiences: {
        web: { requests: 200, errors: 2, rated: 60, positive: 45, negative: 15 },
        kiosk: { requests: 200, errors: 3, rated: 40, positive: 30, negative: 10 },
      },
    });
  });

  it("adding back the snapshot gives the cumulative totals again", () => {
    const back = addTotals(subtractTotals(now, snapshot), snapshot);
    expect(back).toEqual({ ...now, audiences: { ...now.audiences } });
  });

  it("the empty totals are the identity", () => {
    expect(addTotals(emptyTotals(), emptyTotals())).toEqual(emptyTotals());
    expect(subtractTotals(snapshot, emptyTotals())).toEqual(snapshot);
  });
});
