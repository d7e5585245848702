// The counts a rollout evaluation reads, and the one port it reads them
// through. The evaluator never scans interactions: the reader answers from
// the hourly rollups, which only ever add up, so the counts since the rollout
// began (or since its step began) are "now minus the snapshot taken then".
// A rating changed after a snapshot moves those counts, as it should.
import type { ArmPair } from "./decision";

export interface CountsQuery {
  tenant: string;
  task: string;
  baseline: string;
  candidate: string;
  /** epoch ms; the reader includes the whole hour this falls in, and everything up to now. */
  sinceMs: number;
}

/** How the service reads both arms' cumulative counts, overall and per audience. */
export interface CountsReader {
  read(db: D1Database, query: CountsQuery): Promise<ArmPair>;
}

/** Both arms' counts when the rollout began and when its current step began. */
export interface Snapshots {
  start: ArmPair;
  step: ArmPair;
}
