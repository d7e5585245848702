// The bench's extension point: a registry of named sections. Each section
// gets the shared context (flags, a lazily started stack, a logger) and
// returns its JSON, stored under its name in bench/results.json (other
// sections' keys are kept), and renders that JSON as Markdown for
// bench/RESULTS.md. Rendering reads only the JSON, so the report can be
// rebuilt from results.json alone. Sections that load the Workers run first,
// on one stack; the others run after it is shut down, so they do not compete
// with it for the 2 cores.
import { exportSection } from "./export-section";
import type { BenchFlags } from "./flags";
import { gatewaySection } from "./gateway-section";
import { limitsSection } from "./limits-section";
import { loggingSection } from "./logging-section";
import { pacedSection } from "./paced-section";
import { routingSection } from "./routing-section";
import type { Stack, StackOptions } from "./start-stack";

export interface BenchContext {
  flags: BenchFlags;
  /** Starts the dev upstream and the Workers on first call; later calls share them. */
  stack(): Promise<Stack>;
  log(message: string): void;
}

export interface BenchSection<T = unknown> {
  name: string;
  /** Heading of the section in bench/RESULTS.md. */
  title: string;
  /** True if the section loads the Workers (runs before the stack is closed). */
  usesStack: boolean;
  /** What the shared stack must also start for this section (merged over the selected sections). */
  stackOptions?: Pick<StackOptions, "loggingOff">;
  run(ctx: BenchContext): Promise<T>;
  /** Markdown for the section's JSON, without its heading (`title`). */
  render(json: T): string;
}

export const SECTIONS: readonly BenchSection[] = [
  gatewaySection,
  pacedSection,
  limitsSection,
  loggingSection,
  exportSection,
  routingSection,
];

export function selectSections(flags: BenchFlags, all: readonly BenchSection[] = SECTIONS): BenchSection[] {
  const known = new Set(all.map((s) => s.name));
  for (const name of [...(flags.only ?? []), ...flags.skip]) {
    if (!known.has(name)) throw new Error(`unknown section '${name}'; known: ${[...known].join(", ")}`);
  }
  const chosen = all.filter((s) => (flags.only ? flags.only.includes(s.name) : true) && !flags.skip.includes(s.name));
  return [...chosen.filter((s) => s.usesStack), ...chosen.filter((s) => !s.usesStack)];
}
