import { compressedInputError } from "../compression/compressed-input-error.js";
import type { TripletBatch, TripletSource, TripletValueType } from "../parquet/triplet-parquet-writer.js";
import { MtxParser } from "./mtx-parser.js";
import type { MtxBatch, MtxHeader } from "./mtx-parser.js";
import { InflateError, SyncByteReader } from "./sync-byte-reader.js";

export interface MtxTripletOptions {
  /**
   * Which matrix axis holds the genes. 10x files store genes x cells (`"rows"`, the default); a cells x genes file
   * says `"cols"`. The output `cell_idx`/`gene_idx` follow from it.
   */
  readonly genesOn?: "rows" | "cols";
  /** Called with compressed bytes read and the file size. */
  readonly onProgress?: (done: number, total?: number) => void;
  readonly signal?: AbortSignal;
  /** Largest chunk of (decompressed) input parsed at a time; default 1 MiB. Tests lower it to probe chunk edges. */
  readonly chunkSize?: number;
}

/** A Matrix Market file opened for streaming: its header, and a synchronous source of (cell, gene, value) batches. */
export interface MtxTripletStream {
  readonly header: MtxHeader;
  /** `int32` for integer and pattern files, `float64` for real ones. */
  readonly valueType: TripletValueType;
  readonly source: TripletSource;
  /** Data lines read and entries emitted so far (the latter after symmetric expansion). */
  readonly progress: () => {
    readonly entriesRead: number;
    readonly entriesEmitted: number;
    readonly gzip: boolean;
  };
  readonly close: () => void;
}

/**
 * Opens a `.mtx` or `.mtx.gz` (detected by content) and reads up to its size line, so the shape is known before
 * any output is written; the entries are then pulled batch by batch (memory bounded by a chunk of input).
 *
 * @example const m = openMtxTriplets("matrix.mtx.gz"); await writeTripletsParquet(out, m.source, { valueType: m.valueType }); m.close();
 */
export function openMtxTriplets(path: string, options: MtxTripletOptions = {}): MtxTripletStream {
  const reader = new SyncByteReader(
    path,
    options.chunkSize === undefined ? {} : { chunkSize: options.chunkSize },
  );
  const parser = new MtxParser(path);
  const genesOnRows = (options.genesOn ?? "rows") === "rows";
  let ended = false;
  const wrap = (error: unknown): unknown => {
    if (error instanceof InflateError && error.code?.startsWith("Z_") === true) {
      return compressedInputError({
        compression: "gzip",
        file: path,
        truncated: error.truncated,
        byteOffset: error.offset,
        detail: error.message,
        progress: `after ${parser.entriesRead} entries (line ${parser.lineNumber})`,
        cause: error,
      });
    }
    return error;
  };
  const pull = (): MtxBatch | undefined => {
    if (ended) return undefined;
    options.signal?.throwIfAborted();
    let chunk: Uint8Array | undefined;
    try {
      chunk = reader.next();
    } catch (error) {
      throw wrap(error);
    }
    options.onProgress?.(reader.bytesRead, reader.size);
    if (chunk === undefined) {
      ended = true;
      return parser.end();
    }
    try {
      return parser.push(chunk);
    } catch (error) {
      throw explainByDamage(error);
    }
  };
  // Damaged gzip data can inflate to garbage the parser rejects before zlib's checksum would notice: read on to
  // the end of the compressed stream and report the damage if there is one, else the parse error.
  const explainByDamage = (error: unknown): unknown => {
    if (!reader.gzip) return error;
    try {
      while (reader.next() !== undefined);
    } catch (damage) {
      const explained = wrap(damage);
      if (explained !== damage) return explained;
    }
    return error;
  };
  let first: MtxBatch | undefined;
  try {
    while (!parser.header && !ended) first = pull();
  } catch (error) {
    reader.close();
    throw error;
  }
  const header = parser.header;
  if (!header) {
    reader.close();
    throw new Error("unreachable: MtxParser.end() throws when there is no header");
  }
  const toTriplets = (b: MtxBatch): TripletBatch => ({
    cell: genesOnRows ? b.cols : b.rows,
    gene: genesOnRows ? b.rows : b.cols,
    value: b.values,
    length: b.length,
  });
  return {
    header,
    valueType: header.field === "real" ? "float64" : "int32",
    source: () => {
      try {
        if (first) {
          const b = first;
          first = undefined;
          return toTriplets(b);
        }
        const b = pull();
        return b === undefined ? undefined : toTriplets(b);
      } catch (error) {
        reader.close();
        throw error;
      }
    },
    progress: () => ({
      entriesRead: parser.entriesRead,
      entriesEmitted: parser.entriesEmitted,
      gzip: reader.gzip,
    }),
    close: () => reader.close(),
  };
}
