// A finished background export's file: its R2 parts (job-store.ts names
// them) concatenated into one stream, read one part at a time on demand, so
// serving a large export holds one part in memory, not the file. The same
// serves the export's lineage file, whose parts sit beside the JSONL's.
import { lineagePartKey, partKey } from "./job-store";

export function partsStream(
  bucket: R2Bucket,
  tenant: string,
  id: string,
  parts: number,
  file: "examples" | "lineage" = "examples",
): ReadableStream<Uint8Array> {
  const keyOf = file === "examples" ? partKey : lineagePartKey;
  let next = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        while (next < parts) {
          const object = await bucket.get(keyOf(tenant, id, next++));
          if (!object) throw new Error(`export ${id}: ${file} part ${next - 1} is missing`);
          const bytes = new Uint8Array(await object.arrayBuffer());
          if (bytes.byteLength) {
            controller.enqueue(bytes);
            return;
          }
        }
        controller.close();
      },
    },
    { highWaterMark: 0 },
  );
}
