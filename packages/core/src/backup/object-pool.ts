import { IntegrityError, OmicslakeError } from "../errors/omicslake-error.js";
import type { ObjectStore } from "../object-store/object-store.js";
import { poolKey } from "./backup-layout.js";

/** An object of the catalog as a backup holds it. */
export interface PooledObject {
  readonly key: string;
  readonly sha256: string;
  readonly size: number;
  readonly dataset: number;
  readonly mediaType: string | null;
}

/**
 * Puts one lake object into the destination's pool unless the pool holds its sha256 already (so a
 * backup copies only what no earlier backup at that destination holds). The bytes stream from the
 * lake's store through the destination's put, which hashes them on the way, writes them to a temp name
 * and publishes them only if they hash to the catalog's sha256: a corrupted object fails the backup,
 * naming its key, the expected and the actual sha256, and nothing enters the pool under its name.
 * Returns the bytes copied (0 when the pool had it).
 */
export async function copyToPool(
  source: ObjectStore,
  destination: ObjectStore,
  object: PooledObject,
  signal?: AbortSignal,
): Promise<number> {
  const target = poolKey(object.sha256);
  const held = await destination.head(target);
  if (held !== undefined && held.size === object.size) return 0;
  const body = await source.get(object.key);
  try {
    await destination.put(target, body, {
      expectedSha256: object.sha256,
      mediaType: "application/octet-stream",
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    body.destroy();
    if (error instanceof IntegrityError) {
      const details = (error.details ?? {}) as { actualSha256?: string; size?: number };
      throw new IntegrityError(
        `object ${JSON.stringify(object.key)} no longer matches its checksum: sha256 expected ${object.sha256}, got ${details.actualSha256 ?? "?"}`,
        {
          details: {
            key: object.key,
            expectedSha256: object.sha256,
            actualSha256: details.actualSha256,
            expectedSize: object.size,
            actualSize: details.size,
          },
          hint: 'The stored bytes changed after they were recorded; run "omicslake fsck" and restore the object from an earlier backup or its source',
          cause: error,
        },
      );
    }
    if (error instanceof OmicslakeError) throw error;
    throw new Error(`copying ${object.key} into the backup pool failed: ${String(error)}`, { cause: error });
  }
  return object.size;
}
