import { availableParallelism } from "node:os";
import { ParseError } from "../errors/parse-error.js";
import { recordParser, type RecordFormat } from "../parse/record-parsers.js";
import { SRA_RECORD_ELEMENTS } from "../sra/sra-parser.js";
import { receiveParseError, type KindLines, type ParseTask, type TaskResult } from "./parse-task.js";
import { ParseWorkerPool } from "./parse-worker-pool.js";
import { RecordLines } from "./run-parse-task.js";
import { closingTags } from "./xml-preamble.js";
import { SliceMemory, sliceCapacity, sliceXml, type XmlSlice } from "./xml-slicer.js";

/** One input of {@link parseInParallel}: the name its errors carry and its (uncompressed) bytes. */
export interface ParallelInput {
  readonly file: string;
  readonly input: AsyncIterable<Uint8Array>;
}

export interface ParallelParseOptions {
  /** Worker threads that parse (at least 1). Default: the machine's cores. */
  readonly threads?: number;
  /** Size at which a file is cut into another slice, at the next record (default 4 MiB). */
  readonly sliceBytes?: number;
  /** Only records of these kinds (all when absent). */
  readonly kinds?: ReadonlySet<string>;
  /** Element names cut before (default: each file's first record name); see `SliceOptions.cutBefore`. */
  readonly cutBefore?: readonly string[];
  /** The worker module (default: this package's); tests give a failing one. Ignored with `pool`. */
  readonly workerUrl?: URL;
  /**
   * Workers to use, kept open afterwards (starting threads costs tens of milliseconds each; a caller that
   * parses many inputs in turn keeps one pool). Default: a pool of `threads` workers, closed at the end.
   */
  readonly pool?: ParseWorkerPool;
  /**
   * For processing: each piece is a segment whose lines are tagged `{"_i":segment,"_l":n,…}` (n counts the
   * segment's records from 0) and grouped by kind in `byKind`; `kinds` does not apply.
   */
  readonly segments?: boolean;
}

/** A run of NDJSON lines, in input order, and how many records (lines) it holds. */
export interface NdjsonPiece {
  /** Which of the inputs the records come from. */
  readonly input: number;
  readonly ndjson: Uint8Array;
  readonly count: number;
  /** With `segments`: the segment's id (its lines' `_i`) and its lines by kind. */
  readonly segment?: number;
  readonly byKind?: readonly KindLines[];
}

/**
 * The record elements a file of each XML format is cut before. GEO SOFT and GenBank are line formats whose
 * errors carry line numbers, which a slice cannot know: those files are parsed whole, one at a time, on the
 * calling thread.
 */
const SPLIT_RECORDS: Partial<Record<RecordFormat, readonly string[]>> = {
  sra: SRA_RECORD_ELEMENTS,
  biosample: ["BioSample"],
  bioproject: ["Package", "DocumentSummary"],
  pubmed: ["PubmedArticle", "PubmedBookArticle", "DeleteCitation"],
};

/** The formats whose files are cut and parsed on several threads (others are parsed whole, on one thread). */
export const PARALLEL_FORMATS: readonly RecordFormat[] = Object.keys(SPLIT_RECORDS) as RecordFormat[];

const DEFAULT_SLICE_BYTES = 4 << 20;
/** NDJSON handed out at a time by the calling thread's own parses. */
const FLUSH_BYTES = 1 << 20;
const EMPTY = Buffer.alloc(0);

type Job =
  | {
      readonly kind: "slice";
      readonly index: number;
      readonly file: string;
      readonly slice: XmlSlice;
      readonly task: ParseTask;
      readonly result: Promise<TaskResult>;
    }
  | {
      readonly kind: "serial";
      readonly index: number;
      readonly file: string;
      readonly input: AsyncIterable<Uint8Array>;
    }
  | { readonly kind: "failed"; readonly index: number; readonly file: string; readonly error: unknown };

/**
 * Parses files on several threads and yields their records as NDJSON, byte for byte and in the order that
 * parsing them one after another on one thread writes (`writeNdjson`). XML files are cut into slices at record
 * start tags and the slices parsed by a pool of workers, several files at once; a slice whose cut turns out
 * not to lie between records (the tag stood in a comment or CDATA section) is parsed again joined to the next.
 * gzip input is inflated as it is read here (openInput does that on its own thread) and handed out as
 * uncompressed slices: a compressed stream cannot be entered in the middle. An error is the serial parser's:
 * the same code and message at the same byte offset, after the records that precede it.
 *
 * @example
 * for await (const { ndjson } of parseInParallel("sra", [{ file, input: openInput(file) }], { threads: 4 })) process.stdout.write(ndjson);
 */
export async function* parseInParallel(
  format: RecordFormat,
  inputs: readonly ParallelInput[],
  options: ParallelParseOptions = {},
): AsyncGenerator<NdjsonPiece> {
  const threads = options.pool?.size ?? Math.max(1, Math.floor(options.threads ?? availableParallelism()));
  const pool = options.pool ?? new ParseWorkerPool(threads, options.workerUrl);
  // Slices dispatched ahead of the one being written: enough to keep every worker busy, and a bound on memory.
  const maxAhead = threads * 2 + 1;
  // Slice memory comes back from the workers with their results and is reused for the next slices.
  const recycled = new SliceMemory(
    sliceCapacity(options.sliceBytes ?? DEFAULT_SLICE_BYTES),
    maxAhead + threads,
  );
  let segments = 0;
  const nextSegment = options.segments === true ? (): number => segments++ : (): undefined => undefined;
  const producer = jobs(format, inputs, pool, { ...options, recycled }, nextSegment);
  const ahead: Job[] = [];
  let produced = false;
  const pull = async (): Promise<Job | undefined> => {
    if (produced) return undefined;
    const next = await producer.next();
    if (next.done === true) {
      produced = true;
      return undefined;
    }
    return next.value;
  };
  /** The next job, pulled from the producer when none is waiting. */
  const shift = async (): Promise<Job | undefined> => ahead.shift() ?? (await pull());
  try {
    for (;;) {
      // A serial job reads the producer's current input: nothing is pulled past it until it is done.
      while (ahead.length < maxAhead && ahead.at(-1)?.kind !== "serial") {
        const job = await pull();
        if (job === undefined) break;
        ahead.push(job);
      }
      let job = ahead.shift();
      if (job === undefined) return;
      if (job.kind === "failed") throw job.error;
      if (job.kind === "serial") {
        yield* parseHere(format, job, options.segments === true ? undefined : options.kinds, nextSegment);
        continue;
      }
      let result = await job.result;
      while (!result.ok && result.phase === "tail" && !job.slice.last) {
        // The cut was not between records: parse this slice again together with the next one.
        const next = await shift();
        if (next?.kind !== "slice" || next.index !== job.index)
          throw new Error(`slice of ${job.file} at byte ${job.slice.start} has no following slice to join`);
        // Both bodies were transferred to workers: their results hand them back.
        const mine = result.body;
        const theirs = (await next.result).body;
        const bytes = Buffer.allocUnsafeSlow(mine.byteLength + theirs.byteLength);
        bytes.set(mine);
        bytes.set(theirs, mine.byteLength);
        recycled.give(mine);
        recycled.give(theirs);
        const slice: XmlSlice = { start: job.slice.start, bytes, last: next.slice.last };
        const { suffix: _suffix, segment: _segment, ...rest } = job.task;
        const segment = nextSegment();
        const task: ParseTask = {
          ...rest,
          ...(segment === undefined ? {} : { segment }),
          body: slice.bytes,
          ...(next.task.suffix === undefined ? {} : { suffix: next.task.suffix }),
        };
        job = { ...job, slice, task, result: handled(pool.run(task, [bytes.buffer])) };
        result = await job.result;
      }
      // The body is no one's any more once its records are out: its memory serves a later slice.
      recycled.give(result.body);
      if (result.count > 0) yield piece(job.index, job.task.segment, result);
      if (result.ok) continue;
      if (result.bug !== undefined || result.parseError === undefined) {
        throw new Error(
          `parsing ${job.file} failed near byte ${job.slice.start}: ${result.bug?.message ?? "unknown error"}`,
        );
      }
      const error = receiveParseError(result.parseError, job.slice.start - job.task.prefix.byteLength);
      // As the serial reader does: damage later in a gzip stream is the error to report (it explains this one).
      for (
        let later = await shift();
        later !== undefined && later.index === job.index;
        later = await shift()
      ) {
        if (later.kind === "failed" && isGzipDamage(later.error)) throw later.error;
      }
      throw error;
    }
  } finally {
    await producer.return(undefined);
    if (options.pool === undefined) await pool.close();
  }
}

/** The inputs as jobs, in order: each slice already dispatched to the pool. */
async function* jobs(
  format: RecordFormat,
  inputs: readonly ParallelInput[],
  pool: ParseWorkerPool,
  options: ParallelParseOptions & { readonly recycled: SliceMemory },
  nextSegment: () => number | undefined,
): AsyncGenerator<Job> {
  const records = SPLIT_RECORDS[format];
  const kinds = options.kinds === undefined || options.segments === true ? {} : { kinds: [...options.kinds] };
  for (const [index, { file, input }] of inputs.entries()) {
    if (records === undefined) {
      yield { kind: "serial", index, file, input };
      continue;
    }
    try {
      const sliced = await sliceXml(input, records, {
        sliceBytes: options.sliceBytes ?? DEFAULT_SLICE_BYTES,
        ...(options.cutBefore === undefined ? {} : { cutBefore: options.cutBefore }),
        recycled: options.recycled,
      });
      if (sliced.kind === "whole") {
        yield { kind: "serial", index, file, input: sliced.input };
        continue;
      }
      const suffix = closingTags(sliced.preamble);
      for await (const slice of sliced.slices) {
        const segment = nextSegment();
        const task: ParseTask = {
          ...(segment === undefined ? {} : { segment }),
          format,
          file,
          prefix: slice.start === 0 ? EMPTY : sliced.prefix,
          body: slice.bytes,
          ...(slice.last ? {} : { suffix }),
          ...kinds,
        };
        // The slice owns its memory (see sliceXml): it moves to the worker instead of being copied.
        const transfer = [slice.bytes.buffer as ArrayBuffer];
        yield { kind: "slice", index, file, slice, task, result: handled(pool.run(task, transfer)) };
      }
    } catch (error) {
      yield { kind: "failed", index, file, error };
    }
  }
}

/** A file parsed on this thread (a line format, or XML that could not be cut safely), a batch at a time. */
async function* parseHere(
  format: RecordFormat,
  job: { readonly index: number; readonly file: string; readonly input: AsyncIterable<Uint8Array> },
  kinds: ReadonlySet<string> | undefined,
  nextSegment: () => number | undefined,
): AsyncGenerator<NdjsonPiece> {
  let segment = nextSegment();
  let lines = new RecordLines(kinds, segment);
  const take = (): NdjsonPiece => {
    const taken = piece(job.index, segment, lines.take());
    segment = nextSegment();
    lines = new RecordLines(kinds, segment);
    return taken;
  };
  try {
    for await (const record of recordParser(format)(job.input, { file: job.file })) {
      lines.add(record);
      if (lines.size >= FLUSH_BYTES) yield take();
    }
  } catch (error) {
    // Records parsed before the error are complete and valid: they are written, then the error.
    if (lines.records > 0) yield take();
    throw error;
  }
  if (lines.records > 0) yield take();
}

function piece(
  input: number,
  segment: number | undefined,
  lines: { ndjson: Uint8Array; count: number; byKind?: readonly KindLines[] },
): NdjsonPiece {
  return {
    input,
    ndjson: lines.ndjson,
    count: lines.count,
    ...(segment === undefined ? {} : { segment }),
    ...(lines.byKind === undefined ? {} : { byKind: lines.byKind }),
  };
}

/** The promise, marked handled: jobs left unread when a parse stops early must not raise unhandled rejections. */
function handled(result: Promise<TaskResult>): Promise<TaskResult> {
  result.catch(() => undefined);
  return result;
}

function isGzipDamage(error: unknown): boolean {
  return error instanceof ParseError && (error.code === "corrupt_gzip" || error.code === "truncated_gzip");
}
