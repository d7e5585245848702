// What every page gets: its root element, the hash route's path and query,
// the tenant's tasks, and a way to register cleanup (timers) for when the
// operator navigates away.
export interface ModelAdapter {
  name: string;
  version: string;
  base_model: string;
  upstream_kind: string;
}
export interface Model {
  id: string;
  owned_by: string;
  description: string | null;
  adapters: ModelAdapter[];
}

export interface PageContext {
  root: HTMLElement;
  /** Hash path segments after the page name: #/interactions/abc -> ["abc"]. */
  path: string[];
  params: URLSearchParams;
  tenant: string;
  models: Model[];
  /** Replaces the hash query (keeps the page), e.g. the Overview's time range. */
  setParams(params: URLSearchParams): void;
  onLeave(cleanup: () => void): void;
  /** Reloads the tenant's tasks on the next page (after a manifest apply adds or removes one). */
  invalidateModels(): void;
  /** Whether this page is still the one shown (async work checks before drawing). */
  live(): boolean;
}

export type Page = (ctx: PageContext) => Promise<void> | void;

export const taskOptions = (models: Model[], any = "any task"): Array<[string, string]> => [
  ["", any],
  ...models.map((m): [string, string] => [m.id, m.id]),
];

export const versionsOf = (models: Model[], task: string) =>
  models.find((m) => m.id === task)?.adapters.map((a) => a.version) ?? [];
