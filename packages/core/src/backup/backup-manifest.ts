import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { ValidationError } from "../errors/omicslake-error.js";
import type { DumpedTable } from "./catalog-dump.js";
import type { BackupKind } from "./backup-layout.js";
import type { PooledObject } from "./object-pool.js";

export const MANIFEST_FORMAT = "omicslake-backup/1";

/**
 * `manifest.json`, written last: a backup folder without one is incomplete and never used. It lists
 * the catalog dump files and every object the backup holds, each with its sha256.
 */
export interface BackupManifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly id: number;
  readonly kind: BackupKind;
  readonly created_at: string;
  readonly finished_at: string;
  /** The lake's store the objects were copied from. */
  readonly source: string;
  readonly migrations: readonly string[];
  readonly catalog: readonly DumpedTable[];
  /** The lake's omicslake.toml without its secrets (absent when the backup was made without a config file). */
  readonly config?: { readonly key: string; readonly sha256: string; readonly size: number };
  readonly objects: readonly {
    key: string;
    sha256: string;
    size: number;
    dataset: number;
    media_type: string | null;
  }[];
  readonly object_count: number;
  readonly bytes: number;
  readonly bytes_copied: number;
}

type Header = Omit<BackupManifest, "objects" | "object_count" | "bytes" | "bytes_copied">;

/**
 * The manifest's bytes, streamed: the objects come from `objects` one at a time (read back from the
 * objects dump), so a lake with millions of objects does not build its manifest in memory.
 */
export async function* manifestChunks(
  header: Header,
  objects: AsyncIterable<PooledObject>,
  bytesCopied: number,
): AsyncGenerator<Uint8Array> {
  const head = JSON.stringify(header, null, 1);
  yield Buffer.from(`${head.slice(0, -2)},\n "objects": [`);
  let count = 0;
  let bytes = 0;
  for await (const object of objects) {
    const entry = {
      key: object.key,
      sha256: object.sha256,
      size: object.size,
      dataset: object.dataset,
      media_type: object.mediaType,
    };
    yield Buffer.from(`${count === 0 ? "\n" : ",\n"}  ${JSON.stringify(entry)}`);
    count++;
    bytes += object.size;
  }
  yield Buffer.from(
    `\n ],\n "object_count": ${count},\n "bytes": ${bytes},\n "bytes_copied": ${bytesCopied}\n}\n`,
  );
}

/** The objects of an `objects` table dump, one row a line. */
export async function* objectsOfDump(stream: Readable): AsyncGenerator<PooledObject> {
  for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
    if (line.trim() === "") continue;
    const row = JSON.parse(line) as {
      key: string;
      sha256: string;
      size: number;
      dataset_id: number;
      media_type: string | null;
    };
    yield {
      key: row.key,
      sha256: row.sha256,
      size: Number(row.size),
      dataset: Number(row.dataset_id),
      mediaType: row.media_type ?? null,
    };
  }
}

/** Parses and checks a manifest's text; `where` names it in errors. */
export function parseManifest(text: string, where: string): BackupManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`${where} is not valid JSON`, {
      details: { manifest: where },
      hint: "Give the folder of a complete backup",
      cause: error,
    });
  }
  const manifest = value as Partial<BackupManifest> | null;
  if (
    manifest === null ||
    typeof manifest !== "object" ||
    manifest.format !== MANIFEST_FORMAT ||
    !Array.isArray(manifest.catalog) ||
    !Array.isArray(manifest.objects) ||
    !Array.isArray(manifest.migrations)
  ) {
    throw new ValidationError(`${where} is not an omicslake backup manifest (format ${MANIFEST_FORMAT})`, {
      details: { manifest: where },
      hint: "Give the folder of a backup made by omicslake backup",
    });
  }
  return manifest as BackupManifest;
}
