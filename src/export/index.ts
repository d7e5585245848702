// The export core's public surface: what api/, the feed endpoint, the Workflow
// and scripts/ import. Pure: nothing here touches bindings.
export { ExampleBuilder, statsLine, type ExampleBuilderLimits, type ExampleBuilderState } from "./example-builder";
export { resolveExportOptions, ExportOptionsError, DEFAULT_VAL_RATIO, type ExportOptionsInput } from "./options";
export { validateExample } from "./validate-example";
export { redactText, redactMessages, redactJsonText } from "./redact";
export { splitOf, splitPoint } from "./split";
export { hash53, unitInterval, canonicalJson } from "./stable-hash";
export { aggregateFeedback, type Verdict } from "./aggregate-feedback";
export { normalizePrompt } from "./normalize-messages";
export * from "./types";
