// workerd has the native Uint8Array base64 methods, Node 20 does not: the
// gateway encodes with one, the unit tests and the CLI with the other, so
// both must give the same answers.
import { describe, expect, it } from "vitest";
import {
  decodeBase64url,
  decodeBase64urlPortable,
  encodeBase64url,
  encodeBase64urlPortable,
} from "../../src/base64url";

const bytesOf = (length: number, seed: number) => Uint8Array.from({ length }, (_, i) => (i * 131 + seed * 17) & 0xff);

describe("base64url: native (workerd) and portable paths agree", () => {
  it("uses the native methods here", () => {
    expect(typeof (new Uint8Array(0) as unknown as { toBase64?: unknown }).toBase64).toBe("function");
  });

  it.each([0, 1, 2, 3, 4, 31, 32, 33, 255, 100_000])("encodes and decodes %i bytes alike", (length) => {
    const bytes = bytesOf(length, length);
    const text = encodeBase64url(bytes);
    expect(text).toBe(encodeBase64urlPortable(bytes));
    expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
    expect(decodeBase64url(text)).toEqual(bytes);
    expect(decodeBase64urlPortable(text)).toEqual(bytes);
  });

  it.each(["a", "ab=c", "ab+c", "ab/c", "abc$", "=="])("rejects %j on both paths", (text) => {
    expect(decodeBase64url(text)).toBeNull();
    expect(decodeBase64urlPortable(text)).toBeNull();
  });
});
