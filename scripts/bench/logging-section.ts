// `logging` section: the LOG_QUEUE consumer on its own, records/s into D1
// from a backlog (consumer-drain.ts), on the stack the gateway section
// loaded. What logging costs per request is measured by the gateway section,
// which loads the gateway with logging on and off in the same rounds.
import { measureConsumer, type ConsumerDrain } from "./consumer-drain";
import type { BenchSection } from "./sections";

interface LoggingSummary {
  measured_at: string;
  consumer: ConsumerDrain;
}

function markdown(s: LoggingSummary): string {
  const c = s.consumer;
  return [
    "| measure | value |",
    "| --- | --- |",
    `| records (consumer batches) | ${c.records_in_d1} of ${c.records} (${c.consumer_batches}) |`,
    `| record size (bytes, JSON) | ${c.record_bytes} |`,
    `| queue filled (s after first send) | ${c.fill_s} (${c.in_d1_at_fill} already in D1) |`,
    `| all in D1 (s after first send) | ${c.drained_s} |`,
    c.records_per_s === null
      ? `| **consumer records/s** (backlog → D1) | **≥ ${c.end_to_end_records_per_s}**: it kept up with the sender (no backlog formed) |`
      : `| **consumer records/s** (backlog → D1) | **${c.records_per_s}** |`,
    `| end to end records/s (sends included) | ${c.end_to_end_records_per_s} |`,
    "",
    `Method: ${c.method}.`,
  ].join("\n");
}

export const loggingSection: BenchSection<LoggingSummary> = {
  name: "logging",
  title: "LOG_QUEUE consumer into D1",
  usesStack: true,
  async run(ctx) {
    const stack = await ctx.stack();
    ctx.log(`logging: consumer: ${Math.ceil(ctx.flags.consumerRecords / 100) * 100} records through LOG_QUEUE into D1`);
    return { measured_at: new Date().toISOString(), consumer: await measureConsumer(stack, ctx.flags.consumerRecords) };
  },
  render: markdown,
};
