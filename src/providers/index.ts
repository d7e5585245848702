// Picks the provider for an upstream kind.
import { openAICompatibleProvider } from "./openai-compatible";
import type { Provider } from "./provider";
import { workersAiProvider } from "./workers-ai";

const providers: Record<string, Provider> = {
  "openai-compatible": openAICompatibleProvider,
  "workers-ai": workersAiProvider,
};

export function providerFor(kind: string): Provider {
  const provider = providers[kind];
  if (!provider) throw new Error(`No provider for upstream kind '${kind}'`);
  return provider;
}
