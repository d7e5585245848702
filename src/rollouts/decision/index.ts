// The rollout decision rule's public surface: the settings schema, the totals
// it reads, and decide(). Everything here is pure; see docs/rollouts.md.
export {
  decide,
  type Decision,
  type DecisionAction,
  type DecisionInput,
  type DecisionStats,
  type Guard,
} from "./decide";
export {
  DEFAULTS,
  DEFAULT_STEPS,
  RolloutConfigSchema,
  RolloutGuardsSchema,
  defaultRolloutConfig,
  type RolloutConfig,
  type RolloutConfigInput,
  type RolloutGuards,
} from "./config-schema";
export { addTotals, emptyTotals, subtractTotals, type ArmPair, type ArmTotals, type SegmentTotals } from "./arm-totals";
export { ALPHA, ALPHA_TOTAL, MIN_ARM_COUNT } from "./measure";
export type { BucketEdges } from "./quantile-bound";
