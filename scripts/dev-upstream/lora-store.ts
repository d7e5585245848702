// The LoRAs a dev-upstream replica holds, as vLLM with runtime LoRA updating
// (VLLM_ALLOW_RUNTIME_LORA_UPDATING=True) keeps them: the ones it started with
// (--lora-modules), plus those loaded through /v1/load_lora_adapter, of which
// at most `maxLoras` stay, the least recently used evicted first. (Real vLLM
// swaps evicted weights back in from its CPU cache; the stand-in forgets them,
// so an eviction is visible as vLLM's 404 and the gateway's reload can be
// tested.) Counts every load and unload call, for the single-flight tests.

export type LoraStoreOptions = { preloaded: string[]; maxLoras?: number };

export type LoraError = { status: number; type: string; message: string };

/** Paths the stand-in cannot read, to test a failed load: any lora_path containing "missing". */
const UNREADABLE = /missing/;

export class LoraStore {
  private readonly preloaded: Set<string>;
  /** Runtime-loaded LoRAs, least recently used first (Map keeps insertion order). */
  private readonly runtime = new Map<string, string>();
  readonly maxLoras: number;
  loadCalls: Record<string, number> = {};
  /** Chat requests answered per LoRA. */
  served: Record<string, number> = {};
  unloadCalls: Record<string, number> = {};
  evicted: string[] = [];

  constructor(options: LoraStoreOptions) {
    this.preloaded = new Set(options.preloaded);
    this.maxLoras = options.maxLoras ?? 8;
  }

  /** Whether the LoRA is served; a runtime one becomes the most recently used. */
  use(name: string): boolean {
    const path = this.runtime.get(name);
    if (path !== undefined) {
      this.runtime.delete(name);
      this.runtime.set(name, path);
    } else if (!this.preloaded.has(name)) {
      return false;
    }
    this.served[name] = (this.served[name] ?? 0) + 1;
    return true;
  }

  list(): string[] {
    return [...this.preloaded, ...[...this.runtime.keys()].filter((n) => !this.preloaded.has(n))];
  }

  load(name: string, path: string): LoraError | null {
    this.loadCalls[name] = (this.loadCalls[name] ?? 0) + 1;
    if (this.preloaded.has(name) || this.runtime.has(name)) {
      return {
        status: 400,
        type: "BadRequestError",
        message: `The lora adapter '${name}' has already been loaded.`,
      };
    }
    if (UNREADABLE.test(path)) {
      return {
        status: 404,
        type: "NotFoundError",
        message: `Loading lora ${name} failed: No adapter found for ${path}`,
      };
    }
    while (this.runtime.size >= this.maxLoras) {
      const oldest = this.runtime.keys().next().value!;
      this.runtime.delete(oldest);
      this.evicted.push(oldest);
    }
    this.runtime.set(name, path);
    return null;
  }

  unload(name: string): LoraError | null {
    this.unloadCalls[name] = (this.unloadCalls[name] ?? 0) + 1;
    if (this.runtime.delete(name) || this.preloaded.delete(name)) return null;
    return { status: 404, type: "NotFoundError", message: `The lora adapter '${name}' cannot be found.` };
  }

  counts() {
    return {
      loads: this.loadCalls,
      unloads: this.unloadCalls,
      served: this.served,
      evicted: this.evicted,
      loaded: this.list(),
    };
  }
}
