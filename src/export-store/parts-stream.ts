// A finished background export's file: its R2 parts (job-store.ts names
// them) concatenated into one stream, read one part at a time on demand, so
// serving a large export holds one part in memory, not the file.
import { partKey } from "./job-store";

export function partsStream(bucket: R2Bucket, tenant: string, id: string, parts: number): ReadableStream<Uint8Array> {
  let next = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        while (next < parts) {
          const object = await bucket.get(partKey(tenant, id, next++));
          if (!object) throw new Error(`export ${id}: part ${next - 1} is missing`);
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
