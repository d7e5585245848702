// Redaction: each kind is masked in its common spellings; the things that
// must survive (dates, versions, ids, identifiers, URLs …) come out unchanged.
import { describe, expect, it } from "vitest";
import { isCardNumber, luhnValid } from "../../../src/export/redact-numbers";
import { redactJsonText, redactMessages, redactText } from "../../../src/export/redact";
import type { Msg } from "../../../src/export/types";

describe("redactText masks", () => {
  const cases = [
    // emails
    ["email", "write to jane.doe@example.com today", "write to [EMAIL] today"],
    ["email with plus tag and subdomain", "cc: ops+alerts@mail.acme-shop.co.uk.", "cc: [EMAIL]."],
    ["email in angle brackets", "From: Sam <sam_lee99@corp.example.org>", "From: Sam <[EMAIL]>"],
    // phones
    ["international, grouped", "call +1 (415) 555-2671 now", "call [PHONE] now"],
    ["international, UK", "ring +44 20 7946 0958", "ring [PHONE]"],
    ["international, FR pairs", "tel +33 6 12 34 56 78", "tel [PHONE]"],
    ["international, bare E.164", "sms +14155552671", "sms [PHONE]"],
    ["international, trunk in parens", "+44 (0)20 7946 0958", "[PHONE]"],
    ["US dashes", "my number is 415-555-2671.", "my number is [PHONE]."],
    ["US parens", "(415) 555-2671", "[PHONE]"],
    ["US dots", "415.555.2671", "[PHONE]"],
    ["US spaces", "415 555 2671", "[PHONE]"],
    ["US toll-free with 1", "1-800-555-0199", "[PHONE]"],
    ["national UK", "020 7946 0958", "[PHONE]"],
    ["national FR", "06 12 34 56 78", "[PHONE]"],
    ["national DE", "030 12345678", "[PHONE]"],
    // cards (Luhn-valid test numbers)
    ["Visa, spaced", "card 4111 1111 1111 1111 exp 12/27", "card [CARD] exp 12/27"],
    ["Visa, dashed", "4111-1111-1111-1111", "[CARD]"],
    ["Visa, bare", "4111111111111111", "[CARD]"],
    ["Mastercard 2-series", "2223 0031 2200 3222", "[CARD]"],
    ["Amex 4-6-5", "3782 822463 10005", "[CARD]"],
    ["Discover", "6011111111111117.", "[CARD]."],
    ["Visa 13 digits", "4222222222222", "[CARD]"],
    ["card followed by another number", "4111 1111 1111 1111 2 times", "[CARD] 2 times"],
    // keys
    ["OpenAI key", "OPENAI_API_KEY=sk-proj-abcDEF1234567890abcdEFGH5678", "OPENAI_API_KEY=[SECRET]"],
    ["Anthropic key", "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUv", "[SECRET]"],
    ["Stripe live key", "key: sk_live_51HxYzAbCdEfGh1234567890", "key: [SECRET]"],
    ["AWS access key id", "aws AKIAIOSFODNN7EXAMPLE ok", "aws [SECRET] ok"],
    ["GitHub token", "ghp_1234567890abcdefghijABCDEFGHIJ123456", "[SECRET]"],
    ["GitHub fine-grained PAT", "github_pat_11ABCDEFG0123456789_abcdefghijklmnop", "[SECRET]"],
    ["Slack bot token", "xoxb-123456789012-abcdefghijklmn", "[SECRET]"],
    ["Google API key", "AIzaSyA-1234567890abcdefghijklmnopqrstu", "[SECRET]"],
    [
      "JWT",
      "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
      "Bearer [SECRET]",
    ],
    ["hex secret", "secret=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "secret=[SECRET]"],
    ["base64 token", "token aZ3kQ9xLmN7pR2sTuV4wX6yB8cD0eF1gH+/w=", "token [SECRET]"],
    [
      "token inside a URL",
      "https://hooks.example.com/T00000/aZ3kQ9xLmN7pR2sTuV4wX6yB8cD0eF1gH",
      "https://hooks.example.com/T00000/[SECRET]",
    ],
    // several at once
    ["mixed", "I'm jane@x.io, +1 415 555 2671, card 4111111111111111", "I'm [EMAIL], [PHONE], card [CARD]"],
  ] as const;
  it.each(cases)("%s", (_name, input, want) => {
    expect(redactText(input)).toBe(want);
  });
});

describe("redactText keeps", () => {
  const keep = [
    ["ordinary numbers", "I have 3 cats, 12 dogs and 12345 fish; 1,234,567.89 dollars; pi is 3.14159265358979"],
    ["ISO date and time", "due 2026-11-26 at 10:30:45, or 26/11/2026, or 2026-11-26T10:30:45.123Z"],
    ["version strings", "upgrade from v1.2.3 to 10.0.19045.3693 (node 20.19.0)"],
    ["IPv4", "server 192.168.100.200 and 10.0.0.1"],
    ["order and ticket ids", "order #123456, order 1234567890, ticket 987654321"],
    ["epoch timestamps", "ts 1767225600000 and 1767225600"],
    ["card failing Luhn", "4111 1111 1111 1112 and 4111111111111112"],
    ["UUID", "request 123e4567-e89b-12d3-a456-426614174000 failed"],
    ["UUID with a prefix", "req_123e4567-e89b-12d3-a456-426614174000"],
    ["short hex", "commit a1b2c3d, color #ff8800, 0xDEADBEEF"],
    ["URL without secrets", "https://docs.acme-shop.com/api/v2/users/1234/orders/5678/items?page=2&sort=desc"],
    [
      "code identifiers",
      "getUserAccountSettingsForTenantId handleOAuth2CallbackForTenantAndRegion computeSha256HmacForBase64Payload",
    ],
    ["snake and constant case", "test_user_account_settings_v2_tenant_id MAX_RETRY_COUNT_FOR_UPSTREAM_PROVIDER_2"],
    ["long slug", "how-to-reset-your-password-in-2-steps-without-losing-data"],
    ["scikit-learn", "pip install scikit-learn; from sklearn import svm; sk-learn"],
    ["ISBN", "ISBN 978-3-16-148410-0"],
    ["package specs and handles", "@scope/pkg react@18.2.0 user@localhost @jane"],
    ["prices and percentages", "$19.99, 15% off, 5-7 business days, 1-2 days"],
    ["short phone-like numbers", "ext. 1234, room 555-12, zip 94107-1234"],
    ["card-length run starting with 1", "1234567812345670"],
  ] as const;
  it.each(keep)("%s", (_name, input) => {
    expect(redactText(input)).toBe(input);
  });
});

describe("Luhn", () => {
  it.each([
    ["4111111111111111", true],
    ["4111111111111112", false],
    ["79927398713", true],
    ["378282246310005", true],
  ] as const)("luhnValid(%s) = %s", (digits, want) => {
    expect(luhnValid(digits)).toBe(want);
  });
  it("a card needs 13-19 digits starting 2-6", () => {
    expect(isCardNumber("4111 1111 1111 1111")).toBe(true);
    expect(isCardNumber("79927398713")).toBe(false);
    expect(isCardNumber("1234567812345670")).toBe(false);
  });
});

describe("redactJsonText (tool-call arguments)", () => {
  it("masks inside string values and keeps the formatting", () => {
    const args = '{"order_id": "48213", "email": "sam@example.org",\n "note": "call 415-555-2671"}';
    expect(redactJsonText(args)).toBe('{"order_id": "48213", "email": "[EMAIL]",\n "note": "call [PHONE]"}');
  });
  it("quotes a masked bare number, so the JSON stays valid", () => {
    const out = redactJsonText('{"card":4111111111111111,"qty":2}');
    expect(out).toBe('{"card":"[CARD]","qty":2}');
    expect(JSON.parse(out)).toEqual({ card: "[CARD]", qty: 2 });
  });
  it("does not break escapes next to a match", () => {
    const out = redactJsonText(JSON.stringify({ text: 'line\njane@example.com\ttab "q"' }));
    expect(JSON.parse(out)).toEqual({ text: 'line\n[EMAIL]\ttab "q"' });
  });
  it("leaves clean JSON byte for byte", () => {
    const args = '{ "a" : [1, 2.5, -3e2], "b": "\\u00e9" }';
    expect(redactJsonText(args)).toBe(args);
  });
  it("redacts non-JSON text as plain text", () => {
    expect(redactJsonText("email jane@example.com")).toBe("email [EMAIL]");
  });
});

describe("redactMessages", () => {
  it("masks content and tool-call arguments, not ids, and does not mutate its input", () => {
    const input: Msg[] = [
      { role: "user", content: "I'm jane@example.com" },
      {
        role: "assistant",
        tool_calls: [
          { id: "call_1", type: "function", function: { name: "lookup", arguments: '{"email":"jane@example.com"}' } },
        ],
      },
      { role: "tool", tool_call_id: "call_1", content: '{"phone":"+1 415 555 2671"}' },
    ];
    const before = structuredClone(input);
    expect(redactMessages(input)).toEqual([
      { role: "user", content: "I'm [EMAIL]" },
      {
        role: "assistant",
        tool_calls: [
          { id: "call_1", type: "function", function: { name: "lookup", arguments: '{"email":"[EMAIL]"}' } },
        ],
      },
      { role: "tool", tool_call_id: "call_1", content: '{"phone":"[PHONE]"}' },
    ]);
    expect(input).toEqual(before);
  });
});

describe("robustness", () => {
  it("stays fast on adversarial input (no catastrophic backtracking)", () => {
    const inputs = [
      "+" + "1".repeat(50_000),
      "1 ".repeat(25_000),
      "0 12 ".repeat(10_000),
      "aB3-".repeat(12_500),
      "x@".repeat(25_000),
      "(415) ".repeat(10_000),
    ];
    const start = performance.now();
    for (const s of inputs) redactText(s);
    expect(performance.now() - start).toBeLessThan(2_000);
  });

  it("catches nearly all random base64 keys (seeded)", () => {
    let seed = 7;
    const rnd = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let caught = 0;
    for (let k = 0; k < 500; k++) {
      let key = "";
      for (let i = 0; i < 40; i++) key += alphabet[Math.floor(rnd() * alphabet.length)];
      if (redactText(`key ${key}.`) === "key [SECRET].") caught++;
    }
    expect(caught / 500).toBeGreaterThan(0.98);
  });
});
