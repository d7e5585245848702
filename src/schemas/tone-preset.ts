// Tone preset: a system prompt plus sampling defaults and limits, chosen per
// audience at tenant or task level (DESIGN.md, Tone presets). The manifest
// schema nests TonePresetSchema; the manifest validator decides where "*" (the
// tenant default) may appear.
//
// Bad presets fail when the manifest is loaded, not on a later request
// (STYLE.md habit 6), so the cross-field checks live here: limits with
// min > max, and defaults outside their own limits. Because of those
// refinements zod 4 refuses `.pick()`/`.omit()` on this schema; nest it as is.
import * as z from "zod";

/** Short slug for audiences and preset names (32 chars: it goes into headers and logs). */
export const AUDIENCE_PATTERN = /^[a-z0-9][a-z0-9_-]{0,31}$/;

export const AudienceSchema = z
  .string()
  .regex(AUDIENCE_PATTERN, "must be a lowercase slug of 1-32 characters: [a-z0-9][a-z0-9_-]*");

/** "*" marks the tenant default preset. */
export const DEFAULT_AUDIENCE = "*";

// OpenAI's ranges: temperature 0..2, top_p 0..1.
const Temperature = z.number().min(0).max(2);
const TopP = z.number().min(0).max(1);
const MaxTokens = z.number().int().min(1);

const RangeOf = (n: typeof Temperature) => z.strictObject({ min: n.optional(), max: n.optional() });

export const TonePresetSchema = z
  .strictObject({
    name: AudienceSchema.describe("preset name (slug)"),
    // The version goes out verbatim in `x-switchyard-tone: name@version`, so it
    // must be header-safe: visible ASCII only (no spaces, CR/LF or non-Latin-1,
    // which Headers.set() would reject at request time).
    version: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[\x21-\x7e]+$/, "must be visible ASCII without spaces (it is sent in a header)"),
    audience: z.union([AudienceSchema, z.literal(DEFAULT_AUDIENCE)]),
    system_prompt: z.string().min(1).max(8000),
    placement: z.enum(["prepend", "append", "replace"]).default("prepend"),
    defaults: z
      .strictObject({
        temperature: Temperature.optional(),
        top_p: TopP.optional(),
        max_tokens: MaxTokens.optional(),
      })
      .optional(),
    limits: z
      .strictObject({
        temperature: RangeOf(Temperature).optional(),
        top_p: RangeOf(TopP).optional(),
        max_tokens: z.strictObject({ max: MaxTokens.optional() }).optional(),
      })
      .optional(),
    // OpenAI accepts at most 4 stop sequences.
    stop: z.array(z.string().min(1)).max(4).optional(),
  })
  .superRefine((p, ctx) => {
    for (const key of ["temperature", "top_p"] as const) {
      const range = p.limits?.[key];
      if (range?.min !== undefined && range.max !== undefined && range.min > range.max) {
        ctx.addIssue({
          code: "custom",
          path: ["limits", key],
          message: `min (${range.min}) is greater than max (${range.max})`,
        });
      }
      const d = p.defaults?.[key];
      if (
        d !== undefined &&
        range &&
        ((range.min !== undefined && d < range.min) || (range.max !== undefined && d > range.max))
      ) {
        ctx.addIssue({
          code: "custom",
          path: ["defaults", key],
          message: `default ${d} is outside limits.${key} [${range.min ?? "-"}, ${range.max ?? "-"}]`,
        });
      }
    }
    const maxTokens = p.limits?.max_tokens?.max;
    const d = p.defaults?.max_tokens;
    if (d !== undefined && maxTokens !== undefined && d > maxTokens) {
      ctx.addIssue({
        code: "custom",
        path: ["defaults", "max_tokens"],
        message: `default ${d} is above limits.max_tokens.max (${maxTokens})`,
      });
    }
  });

export type TonePreset = z.infer<typeof TonePresetSchema>;
/** What a manifest author writes (placement may be omitted). */
export type TonePresetInput = z.input<typeof TonePresetSchema>;
export type TonePlacement = TonePreset["placement"];
export type Audience = z.infer<typeof AudienceSchema>;
