// Background export into R2 (EXPORTS binding). Filled in by the export work.
import { WorkflowEntrypoint } from "cloudflare:workers";

export class ExportWorkflow extends WorkflowEntrypoint<Env, { jobId: string }> {
  override async run(): Promise<void> {
    throw new Error("background export is not implemented yet");
  }
}
