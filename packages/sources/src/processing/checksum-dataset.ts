import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { CancelledError, IntegrityError, type Lake, type StepOptions } from "@omicslake/core";
import { errorMessage } from "./processing-error.js";

/** What the checksum step found. */
export interface ChecksumResult {
  readonly runId: number;
  readonly checked: number;
}

/**
 * The `checksum` step: reads every object of raw `<name>` back through the verified read (the bytes are
 * hashed against the catalog's sha256 as they stream) as one `checksum:<name>` run, and fails naming
 * every object whose bytes are not the recorded ones.
 */
export async function checksumDataset(
  lake: Lake,
  name: string,
  options: StepOptions = {},
): Promise<ChecksumResult> {
  const raw = await lake.dataset(`raw:${name}`);
  let checked = 0;
  const { run } = await lake.withRun(
    `checksum:${name}`,
    {
      parameters: { dataset: name },
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    },
    async (ctx, step) => {
      const progress = step.stage("objects", "objects");
      const bad: { key: string; problem: string }[] = [];
      let cursor: string | undefined;
      do {
        const page = await lake.catalog.listObjects(raw.id, { limit: 500, ...(cursor ? { cursor } : {}) });
        for (const object of page.items) {
          step.throwIfAborted();
          try {
            await pipeline(await lake.readObject(object), new Writable({ write: (_c, _e, done) => done() }));
          } catch (error) {
            if (error instanceof CancelledError) throw error;
            bad.push({ key: object.key, problem: errorMessage(error) });
          }
          ctx.input({ key: object.key, datasetId: raw.id, sha256: object.sha256, size: object.size });
          progress.report(++checked, raw.objectCount, object.name);
        }
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      ctx.log(`checked ${checked} objects, ${bad.length} do not match`);
      if (bad.length > 0) {
        throw new IntegrityError(
          `raw/${name}: ${bad.length} of ${checked} objects do not match their recorded sha256: ${bad
            .slice(0, 5)
            .map((b) => `${b.key} (${b.problem})`)
            .join("; ")}${bad.length > 5 ? "; …" : ""}`,
          {
            details: { dataset: name, objects: bad.map((b) => b.key) },
            hint: 'Run "omicslake fsck" for the whole lake; restore the damaged objects from a backup',
          },
        );
      }
    },
  );
  return { runId: run.id, checked };
}
