import { gzipDamageBehind } from "./open-input.js";

/** A push parser: it takes chunks, collects finished records in `out`, and checks the end of input. */
export interface ChunkSink<T> {
  push(chunk: Uint8Array): void;
  /** The input ended: flush the last record, or throw if the input stopped inside one. */
  end(): void;
  readonly out: T[];
}

/**
 * Feeds `input` to a push parser and yields its records as they complete. Records finished before a failure
 * in the same chunk are still handed out; a failure caused by a damaged gzip stream is reported as that; an
 * input left early (an error, or the consumer stopped) is released so a file stream is closed.
 */
export async function* driveChunks<T>(
  input: AsyncIterable<Uint8Array>,
  sink: ChunkSink<T>,
): AsyncGenerator<T> {
  const iterator = input[Symbol.asyncIterator]();
  let done = false;
  try {
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) {
      let failure: Error | undefined;
      try {
        sink.push(next.value);
      } catch (error) {
        failure = asError(error);
      }
      if (sink.out.length > 0) yield* sink.out.splice(0);
      if (failure !== undefined) throw (await gzipDamageBehind(input, iterator)) ?? failure;
    }
    done = true;
  } finally {
    if (!done) await iterator.return?.();
  }
  let failure: Error | undefined;
  try {
    sink.end();
  } catch (error) {
    failure = asError(error);
  }
  yield* sink.out.splice(0);
  if (failure !== undefined) throw failure;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
