// The training-data formats an export can write. A plain constant without
// zod, so the wire schema (exports.ts) and the zod-free export transforms
// (src/export) share one list and schemas/ imports nothing from export/.
export const EXPORT_FORMATS = ["openai-sft", "openai-dpo", "trl-sft", "trl-dpo", "trl-kto"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
