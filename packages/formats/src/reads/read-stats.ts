import { bunzipFile, unxzFile } from "../compression/compressed-file.js";
import { open } from "node:fs/promises";
import { isGzipFile, readDecompressed } from "../compression/read-decompressed.js";
import { FastaScanner } from "./fasta-scanner.js";
import { FastqScanner } from "./fastq-scanner.js";
import type { ReadScanner } from "./read-scanner.js";
import type { ReadStats } from "./read-tally.js";

export interface ReadStatsOptions {
  /** How errors name the input (default: the path). */
  readonly label?: string;
  /** The compression around the content, as sniffed; gzip is also recognised by its magic bytes. */
  readonly compressed?: "gzip" | "bzip2" | "xz";
  /** Largest piece of (decompressed) input handed to the scanner at once; tests go down to 1 byte. */
  readonly chunkSize?: number;
  /** Called with decompressed bytes read so far. */
  readonly onProgress?: (done: number) => void;
  readonly signal?: AbortSignal;
}

const DEFAULT_CHUNK = 1 << 20;

/**
 * Reads a FASTQ or FASTA file (plain, gzip, bzip2 or xz) once, streaming, and returns its statistics.
 * Malformed content is a `reads_malformed` FormatError naming the line, byte and record; damaged compression a
 * `compressed_*` one. Memory stays flat with the input size for plain, gzip and bzip2 input; xz is decoded
 * whole (the only xz decoder at hand is one-shot).
 *
 * @example const stats = await readStats("x_1.fastq.gz", "fastq"); // stats.reads, stats.quality?.q30Fraction
 */
export async function readStats(
  path: string,
  format: "fastq" | "fasta",
  options: ReadStatsOptions = {},
): Promise<ReadStats> {
  const label = options.label ?? path;
  const scanner: ReadScanner = format === "fastq" ? new FastqScanner(label) : new FastaScanner(label);
  const chunkSize = Math.max(1, options.chunkSize ?? DEFAULT_CHUNK);
  let done = 0;
  const feed = (chunk: Uint8Array): void => {
    scanner.push(chunk);
    done += chunk.length;
  };
  if (options.compressed === "bzip2") {
    // bzip2 decodes synchronously into the scanner; progress and cancellation are checked per piece.
    bunzipFile(path, {
      chunkSize,
      onOutput: (piece) => {
        options.signal?.throwIfAborted();
        feed(piece);
        options.onProgress?.(done);
      },
    });
  } else if (options.compressed === "xz") {
    const bytes = await unxzFile(path);
    for (let i = 0; i < bytes.length; i += chunkSize) {
      options.signal?.throwIfAborted();
      feed(bytes.subarray(i, i + chunkSize));
    }
    options.onProgress?.(done);
  } else if (options.compressed === undefined && !(await isGzipFile(path))) {
    // Plain: one buffer read into again and again (the scanner keeps nothing of a chunk), which spares the
    // garbage collector a fresh megabyte per read.
    const fh = await open(path, "r");
    try {
      const buffer = new Uint8Array(chunkSize);
      for (;;) {
        options.signal?.throwIfAborted();
        const { bytesRead } = await fh.read(buffer, 0, chunkSize, null);
        if (bytesRead === 0) break;
        feed(bytesRead === chunkSize ? buffer : buffer.subarray(0, bytesRead));
        options.onProgress?.(done);
      }
    } finally {
      await fh.close();
    }
  } else {
    for await (const chunk of readDecompressed(path, { chunkSize })) {
      options.signal?.throwIfAborted();
      feed(chunk);
      options.onProgress?.(done);
    }
  }
  return scanner.end();
}
