// Types of the values globalSetup files hand to tests via project.provide().
export {};

declare module "vitest" {
  export interface ProvidedContext {
    /** Base URL of the dev upstream, e.g. http://127.0.0.1:43123/v1. */
    devUpstreamUrl: string;
    /** Base URLs of four dev-upstream replicas that start with no LoRA loaded. */
    devReplicaUrls: string[];
  }
}
