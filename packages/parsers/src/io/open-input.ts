import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { Worker } from "node:worker_threads";
import { createGunzip } from "node:zlib";
import { ParseError } from "../errors/parse-error.js";
import { GUNZIP_WORKER_SOURCE } from "./gunzip-worker-source.js";

/**
 * Options of {@link openInput}. gzip errors carry the compressed byte offset: the end of the input for a
 * truncated stream, and the start of the compressed chunk being inflated for a corrupt one (within
 * `chunkSize` before the damage).
 */
export interface OpenInputOptions {
  /** Called after each chunk read from the file or stdin, with the bytes read so far (compressed, as stored) and the file size when known. */
  readonly onProgress?: (bytesRead: number, totalBytes: number | undefined) => void;
  /** Size of the chunks read and of the inflated chunks delivered. Default 1 MiB. */
  readonly chunkSize?: number;
  /** Standard input to use for `-` (default `process.stdin`); tests pass their own stream. */
  readonly stdin?: AsyncIterable<Uint8Array>;
  /**
   * Decompress in a worker thread (default) so inflation and parsing run on two cores; `false` inflates
   * on the calling thread (useful where worker threads are unavailable).
   */
  readonly worker?: boolean;
}

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;
const DEFAULT_CHUNK = 1 << 20;
/** zlib refuses output chunks below this size: inflated chunks are at least this large whatever `chunkSize` says. */
const ZLIB_MIN_CHUNK = 64;
/** Inflated chunks in flight between the worker and the parser: bounds memory at about this many chunks. */
const MAX_OUTSTANDING = 4;
/** Compressed bytes handed to the worker and not yet inflated. */
const MAX_COMPRESSED_IN_FLIGHT = 4 << 20;

/**
 * Opens a file path, or `-` for standard input, as a stream of uncompressed bytes. gzip is recognised by its
 * magic bytes (not the file name) and inflated off the main thread.
 *
 * @example
 * for await (const record of parseSra(openInput("meta_run_set.xml.gz", { onProgress: (n, total) => bar.update(n / total!) }))) {}
 */
export function openInput(pathOrDash: string, options: OpenInputOptions = {}): AsyncIterable<Uint8Array> {
  const input: AsyncIterable<Uint8Array> & { [GZIP_INPUT]?: boolean } = {
    [Symbol.asyncIterator]: () =>
      openInputIterator(pathOrDash, options, () => {
        input[GZIP_INPUT] = true;
      }),
  };
  return input;
}

/** Set on an {@link openInput} iterable once its content turned out to be gzip. */
const GZIP_INPUT = Symbol("omicslake.gzipInput");

/**
 * After a parser failed on what `input` delivered: when `input` is a gzip file from {@link openInput}, reads the
 * rest of the compressed stream from `iterator` and returns its `corrupt_gzip` / `truncated_gzip` error, if any.
 * Damaged deflate data can inflate to garbage that a parser rejects before zlib reaches the checksum that proves
 * the damage; the damage, with its compressed offset, is the error to report then.
 */
export async function gzipDamageBehind(
  input: AsyncIterable<Uint8Array>,
  iterator: AsyncIterator<Uint8Array>,
): Promise<ParseError | undefined> {
  if ((input as { [GZIP_INPUT]?: boolean })[GZIP_INPUT] !== true) return undefined;
  try {
    while ((await iterator.next()).done !== true);
    return undefined;
  } catch (error) {
    return error instanceof ParseError && (error.code === "corrupt_gzip" || error.code === "truncated_gzip")
      ? error
      : undefined;
  }
}

/** Whether `bytes` starts with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === GZIP_MAGIC_0 && bytes[1] === GZIP_MAGIC_1;
}

async function* openInputIterator(
  pathOrDash: string,
  options: OpenInputOptions,
  onGzip: () => void,
): AsyncGenerator<Uint8Array> {
  const chunkSize = Math.max(1, options.chunkSize ?? DEFAULT_CHUNK);
  const file = pathOrDash === "-" ? "<stdin>" : pathOrDash;
  let totalBytes: number | undefined;
  let raw: AsyncIterable<Uint8Array>;
  if (pathOrDash === "-") {
    raw = options.stdin ?? (process.stdin as AsyncIterable<Uint8Array>);
  } else {
    try {
      const info = await stat(pathOrDash);
      totalBytes = info.isFile() ? info.size : undefined;
    } catch (error) {
      throw new ParseError(
        "input_not_found",
        `cannot open ${pathOrDash}: ${(error as Error).message}`,
        { file },
        {
          hint: "Check the path and the permissions",
          cause: error,
        },
      );
    }
    raw = createReadStream(pathOrDash, { highWaterMark: chunkSize });
  }

  let bytesRead = 0;
  const counted = (async function* () {
    for await (const chunk of raw) {
      bytesRead += chunk.byteLength;
      options.onProgress?.(bytesRead, totalBytes);
      yield chunk;
    }
  })();

  // Peek until two bytes are known (stdin may deliver a single byte first).
  const head: Uint8Array[] = [];
  let headBytes = 0;
  let exhausted = false;
  while (headBytes < 2) {
    const next = await counted.next();
    if (next.done === true) {
      exhausted = true;
      break;
    }
    head.push(next.value);
    headBytes += next.value.byteLength;
  }
  const first = head.length === 1 ? head[0]! : Buffer.concat(head);
  const replay = (async function* () {
    if (first.byteLength > 0) yield first;
    if (!exhausted) yield* counted;
  })();

  if (!isGzip(first)) {
    yield* replay;
    return;
  }
  onGzip();
  if (options.worker === false) yield* inflateHere(replay, file, chunkSize);
  else yield* inflateInWorker(replay, file, chunkSize);
}

function gzipError(
  truncated: boolean,
  file: string,
  offset: number,
  message: string,
  cause?: unknown,
): ParseError {
  return truncated
    ? new ParseError(
        "truncated_gzip",
        `the gzip stream ends early (${message})`,
        { file, byteOffset: offset },
        {
          hint: "The file is incomplete; download it again",
          cause,
        },
      )
    : new ParseError(
        "corrupt_gzip",
        `the gzip stream is corrupt (${message})`,
        { file, byteOffset: offset },
        {
          hint: "The file is damaged; download it again",
          cause,
        },
      );
}

async function* inflateHere(
  compressed: AsyncIterable<Uint8Array>,
  file: string,
  chunkSize: number,
): AsyncGenerator<Uint8Array> {
  let fed = 0;
  const source = Readable.from(
    (async function* () {
      for await (const chunk of compressed) {
        fed += chunk.byteLength;
        yield chunk;
      }
    })(),
  );
  const gunzip = createGunzip({ chunkSize: Math.max(ZLIB_MIN_CHUNK, chunkSize) });
  source.on("error", (error) => gunzip.destroy(error));
  source.pipe(gunzip);
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (error) {
    if (error instanceof ParseError) throw error;
    const e = error as NodeJS.ErrnoException;
    const truncated = e.code === "Z_BUF_ERROR" || /unexpected end/i.test(e.message);
    throw gzipError(truncated, file, truncated ? fed : gunzip.bytesWritten, e.message, e);
  } finally {
    source.destroy();
    gunzip.destroy();
  }
}

type WorkerMessage =
  | { type: "data"; chunk: Uint8Array }
  | { type: "consumed"; bytes: number }
  | { type: "end" }
  | { type: "error"; truncated: boolean; message: string; offset: number };

async function* inflateInWorker(
  compressed: AsyncIterable<Uint8Array>,
  file: string,
  chunkSize: number,
): AsyncGenerator<Uint8Array> {
  const worker = new Worker(GUNZIP_WORKER_SOURCE, {
    eval: true,
    workerData: { chunkSize: Math.max(ZLIB_MIN_CHUNK, chunkSize), maxOutstanding: MAX_OUTSTANDING },
  });
  const queue: Uint8Array[] = [];
  let done = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  let inFlight = 0;
  let fed = 0;
  let inputWake: (() => void) | undefined;
  let stopped = false;
  const notify = (): void => {
    wake?.();
    wake = undefined;
  };
  worker.on("message", (message: WorkerMessage) => {
    if (message.type === "data") queue.push(message.chunk);
    else if (message.type === "consumed") {
      inFlight -= message.bytes;
      inputWake?.();
      inputWake = undefined;
      return;
    } else if (message.type === "end") done = true;
    else {
      // A truncated stream is reported at its end: the compressed offset is the whole input read.
      failure = gzipError(message.truncated, file, message.truncated ? fed : message.offset, message.message);
    }
    notify();
  });
  worker.on("error", (error) => {
    failure = error;
    notify();
  });
  worker.on("exit", () => {
    if (!done && failure === undefined && !stopped)
      failure = new Error("the gzip worker thread exited unexpectedly");
    notify();
  });

  const feeding = (async () => {
    try {
      for await (const chunk of compressed) {
        if (stopped || failure !== undefined) return;
        // Own copy so the transfer never detaches a buffer shared with the read stream's pool.
        const copy = new Uint8Array(chunk);
        fed += copy.byteLength;
        inFlight += copy.byteLength;
        worker.postMessage({ type: "data", chunk: copy }, [copy.buffer]);
        while (inFlight > MAX_COMPRESSED_IN_FLIGHT && !stopped && failure === undefined) {
          await new Promise<void>((resolve) => (inputWake = resolve));
        }
      }
      if (!stopped) worker.postMessage({ type: "end" });
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
      notify();
    }
  })();

  try {
    for (;;) {
      const chunk = queue.shift();
      if (chunk !== undefined) {
        worker.postMessage({ type: "credit", count: 1 });
        yield chunk;
        continue;
      }
      if (failure !== undefined) throw failure;
      if (done) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    stopped = true;
    inputWake?.();
    await worker.terminate();
    // Not awaited: a pending read of stdin may never complete; the loop exits at its next chunk.
    void feeding;
  }
}
