// The byte scan may only accept what a parse and JSON.stringify give back
// unchanged: otherwise the client would get other bytes than before.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scanChunk, TopLevel } from "../../../src/stream/json-scan";

const encode = (text: string) => new TextEncoder().encode(text);
function scan(text: string) {
  const b = encode(text);
  const top = new TopLevel();
  return { ok: scanChunk(b, 0, b.length, top), top, b };
}
const span = (b: Uint8Array, start: number, end: number) => new TextDecoder().decode(b.subarray(start, end));

describe("scanChunk", () => {
  it("finds the top-level fields of a chunk and ignores nested ones", () => {
    const { ok, top, b } = scan(
      '{"id":"c-1","object":"chat.completion.chunk","created":17,"model":"m","choices":[{"index":0,"delta":{"id":"x","content":"é🙂"}}],"usage":null}',
    );
    expect(ok).toBe(true);
    expect(span(b, top.idStart, top.idEnd)).toBe('"c-1"');
    expect(span(b, top.modelStart, top.modelEnd)).toBe('"m"');
    expect(span(b, top.createdStart, top.createdEnd)).toBe("17");
    expect(span(b, top.usageKeyStart, top.usageEnd)).toBe('"usage":null');
    expect(top.usageTruthy).toBe(false);
    expect(span(b, top.choicesStart, top.choicesEnd)).toMatch(/^\[\{"index":0/);
    expect(top.keys).toBe(6);
    expect(top.hasError).toBe(false);
  });

  it.each([
    ['{"usage":{"prompt_tokens":1}}', true],
    ['{"usage":0}', false],
    ['{"usage":""}', false],
    ['{"usage":false}', false],
    ['{"usage":0.5}', true],
    ['{"usage":"x"}', true],
  ])("usage truthiness of %s is %s", (text, truthy) => {
    const { ok, top } = scan(text);
    expect(ok).toBe(true);
    expect(top.usageTruthy).toBe(truthy);
  });

  it.each([
    ['{"a": 1}', "whitespace"],
    ['{"a":1} ', "trailing whitespace"],
    ['{"a":"\\/"}', "an escaped slash"],
    ['{"a":"\\u0041"}', "a \\u escape of a printable character"],
    ['{"a":"\\u000A"}', "uppercase hex"],
    ['{"a":"\\u000a"}', "a \\u escape of a control with a short form"],
    ['{"a":"\\ud800"}', "a lone surrogate escape"],
    ['{"a":1e5}', "an exponent"],
    ['{"a":1.50}', "a trailing fraction zero"],
    ['{"a":-0}', "minus zero"],
    ['{"a":0.0000001}', "a number JSON.stringify writes with an exponent"],
    ['{"a":1234567890123456}', "16 significant digits"],
    ['{"a":{"1":2}}', "an integer-like key"],
    ['{"id":"a","id":"b"}', "a duplicate top-level id"],
    ['{"a":01}', "a leading zero"],
    ['{"a":"x', "an unterminated string"],
    ['{"a":tru}', "a broken literal"],
    ["[1]", "a top-level array"],
    ['{"a":1,}', "a trailing comma"],
  ])("refuses %s (%s)", (text) => {
    expect(scan(text).ok).toBe(false);
  });

  it("refuses bytes that are not UTF-8", () => {
    for (const bad of [[0xc3], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xff]]) {
      const b = new Uint8Array([...encode('{"a":"'), ...bad, ...encode('"}')]);
      expect(scanChunk(b, 0, b.length, new TopLevel())).toBe(false);
    }
  });

  it("accepts what JSON.stringify writes for chunk-like values", () => {
    const value = fc.record({
      id: fc.string(),
      created: fc.integer({ min: 0, max: 2 ** 40 }),
      choices: fc.array(
        fc.record({
          index: fc.nat(8),
          delta: fc.record({ content: fc.string({ unit: "grapheme" }) }),
          logprob: fc.option(fc.integer({ min: -99999, max: 0 }).map((n) => n / 1000)),
        }),
      ),
    });
    fc.assert(
      fc.property(value, (v) => {
        const text = JSON.stringify(v);
        // Lone surrogates are written as escapes, which the scan leaves to the parser.
        fc.pre(!/\\ud[89a-f]/.test(text));
        expect(scan(text).ok).toBe(true);
      }),
      { seed: 19 },
    );
  });

  it("accepts only bytes that a parse and JSON.stringify give back unchanged", () => {
    // Canonical text, then one random edit: whatever the scan still accepts must round-trip.
    const pieces = [
      "1e5",
      "1.0",
      "-0",
      " ",
      "\\u0041",
      "\\/",
      "\\ud83d\\ude00",
      "\u00e9",
      '"7":1,',
      "0.0000001",
      '"',
      ",",
    ];
    const text = fc
      .tuple(fc.object({ maxDepth: 2 }), fc.nat(), fc.constantFrom(...pieces), fc.nat(3))
      .map(([v, at, piece, cut]) => {
        const base = JSON.stringify(v);
        const i = at % (base.length + 1);
        return base.slice(0, i) + piece + base.slice(i + cut);
      });
    fc.assert(
      fc.property(text, (t) => {
        if (!scan(t).ok) return;
        expect(JSON.stringify(JSON.parse(t))).toBe(t);
      }),
      { numRuns: 3000, seed: 19 },
    );
  });
});
