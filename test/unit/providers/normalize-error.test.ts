import { describe, expect, it } from "vitest";
import { normalizeErrorBody } from "../../../src/providers/normalize-error";

describe("normalizeErrorBody", () => {
  it.each([
    [
      "vLLM >= 0.10.1",
      404,
      '{"error":{"message":"The model `x` does not exist.","type":"NotFoundError","param":"model","code":404}}',
      { message: "The model `x` does not exist.", upstreamType: "NotFoundError" },
    ],
    [
      "vLLM < 0.10.1 (flat)",
      400,
      '{"object":"error","message":"max_tokens is too large","type":"BadRequestError","param":null,"code":400}',
      { message: "max_tokens is too large", upstreamType: "BadRequestError" },
    ],
    [
      "OpenAI",
      429,
      '{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}',
      { message: "Rate limit reached", upstreamType: "requests" },
    ],
    [
      "LoRAX / TGI",
      422,
      '{"error":"Input validation error: `inputs` must have less than 4096 tokens","error_type":"validation"}',
      { message: "Input validation error: `inputs` must have less than 4096 tokens", upstreamType: "validation" },
    ],
    ["plain text", 502, "Bad Gateway", { message: "Bad Gateway", upstreamType: null }],
    ["empty body", 503, "", { message: "HTTP 503", upstreamType: null }],
    ["JSON without a message", 500, '{"detail":"boom"}', { message: "HTTP 500", upstreamType: null }],
  ])("%s", (_, status, body, expected) => {
    expect(normalizeErrorBody(status, body)).toEqual(expected);
  });
});
