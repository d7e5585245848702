// Reads what `npm start` printed during the run (--stack-log FILE, from the
// offset it had when the run began) and counts the log consumer's retries:
// a batch that failed whole and went message by message, a message handed
// back to the queue, and D1 failing several writes in a row
// (src/logging/log-consumer.ts prints one JSON line for each). Queue retries
// cannot be caused from outside the gateway; this shows whether any happened
// and, with lost = 0, that they lost nothing.
import { closeSync, openSync, readSync, statSync } from "node:fs";

export interface StackLogCounts {
  batchesSplit: number;
  messagesRetried: number;
  d1Failing: number;
  uncaught: number;
}

const MAX_BYTES = 64 * 1024 * 1024;

export function logOffset(file: string | null): number {
  if (!file) return 0;
  try {
    return statSync(file).size;
  } catch {
    throw new Error(`--stack-log ${file}: cannot read it`);
  }
}

export function countConsumerRetries(file: string, from: number): StackLogCounts {
  const size = statSync(file).size;
  const length = Math.min(MAX_BYTES, Math.max(0, size - from));
  const buffer = Buffer.alloc(length);
  const fd = openSync(file, "r");
  try {
    readSync(fd, buffer, 0, length, from);
  } finally {
    closeSync(fd);
  }
  const counts: StackLogCounts = { batchesSplit: 0, messagesRetried: 0, d1Failing: 0, uncaught: 0 };
  for (const line of buffer.toString("utf8").split("\n")) {
    if (line.includes("interaction batch failed")) counts.batchesSplit++;
    else if (line.includes("interaction message not fully written")) counts.messagesRetried++;
    else if (line.includes("D1 keeps failing")) counts.d1Failing++;
    else if (/Uncaught|unhandled/i.test(line)) counts.uncaught++;
  }
  return counts;
}
