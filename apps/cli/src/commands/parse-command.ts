import { availableParallelism } from "node:os";
import { basename } from "node:path";
import type { Writable } from "node:stream";
import {
  PARALLEL_FORMATS,
  RECORD_FORMATS,
  SEQUENCE_FORMATS,
  formatParseWarning,
  isRecordFormat,
  openInput,
  parseInParallel,
  recordParser,
  writeNdjson,
  type RecordFormat,
} from "@omicslake/parsers/streaming";
import type { Command } from "commander";
import { UsageError } from "../cli-error.js";
import { cliIo } from "../cli-io.js";
import { writeStderrLine } from "../output/terminal-text.js";

interface ParseOptions {
  kind?: string[];
  limit?: string;
  withSequence?: boolean;
  threads?: string;
}

/**
 * Below this much input, the default thread count parses on this thread: starting workers costs more than
 * they save on a small file. `--threads N` with N > 1 always uses them.
 */
const PARALLEL_FROM_BYTES = 16 << 20;

/** A progress bar per file while stderr is a terminal (cli-progress is loaded only then). */
interface Bars {
  onProgress(file: string): ((bytes: number, size: number | undefined) => void) | undefined;
  stop(): void;
}

async function progressBars(): Promise<Bars> {
  if (cliIo().stderr.isTTY !== true) return { onProgress: () => undefined, stop: () => undefined };
  const { Output } = await import("../output/output.js");
  const out = new Output(false);
  const bars = new Map<string, ReturnType<InstanceType<typeof Output>["progress"]>>();
  return {
    onProgress: (file) => (bytes, size) => {
      if (size === undefined) return;
      let bar = bars.get(file);
      if (bar === undefined) {
        bar = out.progress(basename(file), size, "bytes");
        bars.set(file, bar);
      }
      bar.update(bytes);
    },
    stop: () => {
      for (const bar of bars.values()) bar.stop();
    },
  };
}

export function registerParse(program: Command): void {
  program
    .command("parse")
    .description(`stream NCBI metadata files (plain or .gz, - for stdin) to NDJSON records on stdout`)
    .argument("<format>", RECORD_FORMATS.join(" | "))
    .argument("<file...>", "files to parse; - reads standard input")
    .option(
      "-k, --kind <kind>",
      "only records of this kind, e.g. sra_run or geo_sample (repeatable, or comma-separated)",
      (v: string, prev: string[] = []) => [...prev, ...v.split(",")],
    )
    .option("-n, --limit <n>", "stop after N records")
    .option(
      "--with-sequence",
      `include each record's sequence (${SEQUENCE_FORMATS.join(", ")} only; one record's sequence is held in memory)`,
    )
    .option(
      "-j, --threads <n>",
      `threads that parse ${PARALLEL_FORMATS.join(", ")} files, several files and slices of one large file at once, with the output of one thread (default: the machine's cores when it has 4 or more and the input is 16 MB or more, else 1: this thread only)`,
    )
    .action(async (format: string, files: string[], options: ParseOptions) => {
      if (!isRecordFormat(format))
        throw new UsageError(`unknown format "${format}"; use one of ${RECORD_FORMATS.join(", ")}`);
      const withSequence = options.withSequence === true;
      if (withSequence && !SEQUENCE_FORMATS.includes(format))
        throw new UsageError(
          `--with-sequence applies to ${SEQUENCE_FORMATS.join(", ")} records only; ${format} records have no sequence`,
        );
      let limit: number | undefined;
      if (options.limit !== undefined) {
        limit = Number(options.limit);
        if (!Number.isInteger(limit) || limit < 0)
          throw new UsageError(`--limit must be a non-negative integer, got "${options.limit}"`);
      }
      const threads = await threadCount(format, files, options.threads);
      const kinds = options.kind ? new Set(options.kind.map((k) => k.trim()).filter(Boolean)) : undefined;
      const bars = await progressBars();
      let total = 0;
      try {
        total =
          threads > 1
            ? await parseOnThreads(format, files, threads, bars, kinds, limit)
            : await parseHere(format, files, bars, kinds, limit, withSequence);
      } finally {
        bars.stop();
      }
      if (cliIo().stderr.isTTY) cliIo().stderr.write(`${total} record(s)\n`);
    });
}

/** How many threads parse: the option's, else the cores when the input is large and its format can be cut. */
async function threadCount(
  format: RecordFormat,
  files: readonly string[],
  option: string | undefined,
): Promise<number> {
  if (option !== undefined) {
    const n = Number(option);
    if (!Number.isInteger(n) || n < 1)
      throw new UsageError(`--threads must be a positive integer, got "${option}"`);
    if (n > 1 && !PARALLEL_FORMATS.includes(format))
      throw new UsageError(
        `--threads applies to ${PARALLEL_FORMATS.join(", ")} files; ${format} files are parsed on one thread`,
        { hint: "Leave out --threads for this format" },
      );
    return n;
  }
  const cores = availableParallelism();
  // Two cores gain nothing from workers (measured: about 1.5x the CPU, no shorter wall time), so they parse here.
  if (cores < 4 || !PARALLEL_FORMATS.includes(format) || files.includes("-")) return 1;
  const { stat } = await import("node:fs/promises");
  let bytes = 0;
  for (const file of files)
    // gzip'd NCBI XML inflates more than eightfold, and it is the inflated bytes that are parsed.
    bytes += await stat(file).then(
      (s) => s.size * (file.endsWith(".gz") ? 8 : 1),
      () => 0,
    );
  return bytes >= PARALLEL_FROM_BYTES ? cores : 1;
}

/** The serial path: one file after another on this thread. */
async function parseHere(
  format: RecordFormat,
  files: readonly string[],
  bars: Bars,
  kinds: ReadonlySet<string> | undefined,
  limit: number | undefined,
  withSequence: boolean,
): Promise<number> {
  const parse = recordParser(format);
  let remaining = limit;
  let total = 0;
  for (const file of files) {
    if (remaining !== undefined && remaining <= 0) break;
    const onProgress = bars.onProgress(file);
    const input = openInput(file, onProgress === undefined ? {} : { onProgress });
    const { written } = await writeNdjson(
      parse(input, {
        file: file === "-" ? "<stdin>" : file,
        ...(withSequence ? { withSequence } : {}),
        // Records go to stdout; what the parser had to interpret goes to stderr, as it happens.
        onWarning: (warning) => writeStderrLine(formatParseWarning(warning)),
      }),
      cliIo().stdout,
      { ...(kinds ? { kinds } : {}), ...(remaining !== undefined ? { limit: remaining } : {}) },
    );
    total += written;
    if (remaining !== undefined) remaining -= written;
  }
  return total;
}

/** Worker threads parse; this thread reads, cuts and writes, in order. */
async function parseOnThreads(
  format: RecordFormat,
  files: readonly string[],
  threads: number,
  bars: Bars,
  kinds: ReadonlySet<string> | undefined,
  limit: number | undefined,
): Promise<number> {
  const inputs = files.map((file) => {
    const onProgress = bars.onProgress(file);
    return {
      file: file === "-" ? "<stdin>" : file,
      input: openInput(file, onProgress === undefined ? {} : { onProgress }),
    };
  });
  const stdout = cliIo().stdout;
  let total = 0;
  if (limit === 0) return 0;
  for await (const piece of parseInParallel(format, inputs, { threads, ...(kinds ? { kinds } : {}) })) {
    let bytes = piece.ndjson;
    let count = piece.count;
    if (limit !== undefined && total + count >= limit) {
      count = limit - total;
      bytes = bytes.subarray(0, endOfLine(bytes, count));
    }
    await write(stdout, bytes);
    total += count;
    // Leaving the loop stops the parse: the workers are ended and the open file is closed.
    if (limit !== undefined && total >= limit) break;
  }
  return total;
}

/** The offset just after the `count`-th newline (NDJSON lines hold no raw newline). */
function endOfLine(bytes: Uint8Array, count: number): number {
  let at = 0;
  for (let i = 0; i < count; i++) at = bytes.indexOf(10, at) + 1;
  return at;
}

async function write(out: Writable, bytes: Uint8Array): Promise<void> {
  if (bytes.byteLength === 0) return;
  if (!out.write(bytes)) await new Promise<void>((resolve) => out.once("drain", resolve));
}
