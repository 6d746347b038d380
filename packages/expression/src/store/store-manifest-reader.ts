import type { Dataset, Lake } from "@omicslake/core";
import { OmicslakeError } from "@omicslake/core";
import { STORE_FORMAT, STORE_FORMAT_VERSION, STORE_POINTER, type StoreManifest } from "./store-layout.js";

/** A store's `store.json` as stored: its build number, and the parsed JSON to check before use. */
export interface StorePointer {
  readonly build: number;
  readonly json: Record<string, unknown>;
}

/**
 * Reads the store dataset's `store.json` through the lake's verifying reader (unless `known` is the pointer
 * with the sha256 the catalog records now); undefined when there is none
 * (nothing published yet). A pointer that is not JSON is an integrity error: the lake verified its bytes, so it
 * was written that way.
 */
export async function readStorePointer(
  lake: Lake,
  dataset: Dataset,
  known?: { readonly sha256: string; readonly pointer: StorePointer },
): Promise<(StorePointer & { readonly sha256: string }) | undefined> {
  const object = await lake.catalog.findObjectByKey(lake.objectKey(dataset, STORE_POINTER));
  if (object === undefined) return undefined;
  // Queries ask for the current build each time: an unchanged pointer is not read again.
  if (known !== undefined && known.sha256 === object.sha256)
    return { ...known.pointer, sha256: object.sha256 };
  const chunks: Buffer[] = [];
  for await (const chunk of await lake.readObject(object)) chunks.push(chunk as Buffer);
  let json: unknown;
  try {
    json = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (cause) {
    throw new OmicslakeError("integrity_error", `${object.key} is not JSON`, {
      details: { key: object.key },
      hint: "Build the store again to replace it",
      cause,
    });
  }
  if (typeof json !== "object" || json === null) {
    throw new OmicslakeError("integrity_error", `${object.key} is not a store manifest`, {
      details: { key: object.key },
    });
  }
  const build = (json as { build?: unknown }).build;
  return {
    build: typeof build === "number" && Number.isInteger(build) ? build : 0,
    // When the build was published: the pointer object's time in the catalog (not written in its bytes).
    json: { builtAt: object.createdAt.toISOString(), ...(json as Record<string, unknown>) },
    sha256: object.sha256,
  };
}

/**
 * The manifest of a pointer, refused when it was written for another layout: a reader of this version would
 * misread other files or columns.
 */
export function parseStoreManifest(pointer: StorePointer, dataset: string): StoreManifest {
  const { format, formatVersion } = pointer.json as { format?: unknown; formatVersion?: unknown };
  if (format !== STORE_FORMAT || formatVersion !== STORE_FORMAT_VERSION) {
    throw new OmicslakeError(
      "unsupported_format",
      `the expression store of "${dataset}" is ${JSON.stringify(format)} version ${JSON.stringify(formatVersion)}; this omicslake reads ${STORE_FORMAT} version ${STORE_FORMAT_VERSION}`,
      {
        details: {
          dataset,
          format,
          formatVersion,
          expected: { format: STORE_FORMAT, formatVersion: STORE_FORMAT_VERSION },
        },
        hint: `Rebuild it with this version: omicslake expr build ${dataset}`,
      },
    );
  }
  return pointer.json as unknown as StoreManifest;
}
