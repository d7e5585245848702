import { describe, expect, it } from "vitest";
import { numberVar } from "../../../src/vars";

describe("numberVar", () => {
  it.each([
    ["20", 20],
    ["0", 0],
    ["2.5", 2.5],
    [" 7 ", 7],
    [undefined, 5],
    [null, 5],
    ["", 5],
    ["  ", 5],
    ["-1", 5],
    ["soon", 5],
    ["Infinity", 5],
  ])("reads %j as %d (fallback 5)", (value, expected) => {
    expect(numberVar(value, 5)).toBe(expected);
  });
});
