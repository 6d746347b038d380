import { driveChunks } from "../io/drive-chunks.js";
import { GenbankEntryBuilder } from "./genbank-entry-builder.js";
import { LineSplitter } from "./genbank-line-splitter.js";
import type { GenbankRecord } from "./genbank-records.js";

export interface GenbankParseOptions {
  /** Name used in error messages. */
  readonly file?: string;
  /** Keep each record's ORIGIN sequence in `sequence` (one record's sequence is then held in memory). */
  readonly withSequence?: boolean;
  /** Longest line accepted. Default 64 MiB. */
  readonly maxLineBytes?: number;
  /** Most header and feature-summary text one record may hold (the sequence is not counted). Default 256 MiB. */
  readonly maxRecordBytes?: number;
}

/**
 * Streams a GenBank flat file (`.gb`, `.gbff`, a release `.seq` file with its header block) into one typed record
 * per entry. Memory holds one record's metadata (and, with `withSequence`, its sequence), whatever the file size.
 * Errors are `ParseError`s naming file, line and record; records yielded before an error stay valid.
 *
 * @example
 * for await (const r of parseGenbank(openInput("gbbct1.seq.gz"), { file: "gbbct1.seq.gz" }))
 *   console.log(r.accession, r.taxid, r.features.counts["CDS"]);
 */
export async function* parseGenbank(
  input: AsyncIterable<Uint8Array>,
  options: GenbankParseOptions = {},
): AsyncGenerator<GenbankRecord> {
  const builder = new GenbankEntryBuilder({
    ...(options.file === undefined ? {} : { file: options.file }),
    withSequence: options.withSequence === true,
    maxRecordBytes: options.maxRecordBytes ?? 256 * 1024 * 1024,
  });
  const splitter = new LineSplitter(builder.onLine, {
    ...(options.file === undefined ? {} : { file: options.file }),
    maxLineBytes: options.maxLineBytes ?? 64 * 1024 * 1024,
    record: () => builder.currentRecord,
    cutsLongLine: () => builder.readsLineStartOnly,
  });
  yield* driveChunks(input, {
    push: (chunk) => splitter.push(chunk),
    end: () => {
      splitter.end();
      builder.end(splitter.lineCount, splitter.byteCount);
    },
    out: builder.out,
  });
}
