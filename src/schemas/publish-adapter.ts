// Body of POST /admin/tenants/{tenant}/adapters: one new adapter version, as
// the manifest declares one (src/schemas/manifest.ts), with served_name
// optional (default `<tenant>-<version>`, unique per tenant by construction)
// and `load` defaulting to on_demand when a vLLM upstream gets a source.
import * as z from "zod";
import { AdapterSchema } from "./manifest";

export const PublishAdapterSchema = AdapterSchema.extend({
  served_name: AdapterSchema.shape.served_name.optional().describe("default: <tenant>-<version>"),
}).describe("a new adapter version");

export type PublishAdapter = z.infer<typeof PublishAdapterSchema>;
