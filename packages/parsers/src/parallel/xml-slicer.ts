import { NEED_MORE, UNSURE, scanPreamble, type XmlPreamble } from "./xml-preamble.js";

/** A run of a file's bytes that starts at a record's `<` (or at the file's start) and ends before another. */
export interface XmlSlice {
  /** Byte offset of the slice's first byte in the (uncompressed) file. */
  readonly start: number;
  readonly bytes: Buffer;
  /** The file's last slice: it holds the end of the document. */
  readonly last: boolean;
}

export type SlicedXml =
  | {
      readonly kind: "sliced";
      readonly preamble: XmlPreamble;
      readonly prefix: Buffer;
      readonly slices: AsyncGenerator<XmlSlice>;
    }
  /** No safe way to cut this file was found: its bytes, replayed from the start, for one thread. */
  | { readonly kind: "whole"; readonly input: AsyncIterable<Uint8Array> };

export interface SliceOptions {
  /** Bytes a slice reaches before it is cut at the next record start. */
  readonly sliceBytes: number;
  /**
   * Element names cut before. Default: the first record's name only, which in NCBI files is the name of
   * every top-level record. Tests name nested elements too, to prove that wrong cuts are caught and mended.
   */
  readonly cutBefore?: readonly string[];
  /** Slice memory handed back by the workers, reused instead of fresh memory (whose first touch costs page faults). */
  readonly recycled?: SliceMemory;
}

/**
 * Buffers of one size for slices, handed out and taken back once a worker has returned them: the main
 * thread's copy of the input then writes to memory already mapped.
 */
export class SliceMemory {
  private readonly free: ArrayBuffer[] = [];

  constructor(
    readonly size: number,
    private readonly keep: number,
  ) {}

  take(): Buffer {
    const buffer = this.free.pop();
    return buffer === undefined ? Buffer.allocUnsafeSlow(this.size) : Buffer.from(buffer);
  }

  /** Memory no one refers to any more (a slice's body once its records are out); other sizes are left to GC. */
  give(bytes: Uint8Array): void {
    const buffer = bytes.buffer as ArrayBuffer;
    if (buffer.byteLength === this.size && this.free.length < this.keep && !this.free.includes(buffer))
      this.free.push(buffer);
  }
}

/** The capacity of slice buffers for slices of `sliceBytes`: the slice, and the record that ends it. */
export function sliceCapacity(sliceBytes: number): number {
  return Math.min(Math.max(1, sliceBytes), 64 << 20) + (1 << 20);
}

/** The preamble is searched for in at most this many bytes; beyond that the file is parsed whole. */
const MAX_PREAMBLE = 1 << 20;

/**
 * Cuts an XML byte stream into slices at record start tags, without parsing it. A cut is only a guess: `<NAME`
 * can stand in a comment or CDATA section, so each slice is checked by the worker that parses it (see
 * `ParseTask.suffix`). Bytes are copied as they arrive, so a source that reuses its buffer is safe, and
 * memory holds only the slices in flight.
 */
export async function sliceXml(
  input: AsyncIterable<Uint8Array>,
  records: readonly string[],
  options: SliceOptions,
): Promise<SlicedXml> {
  const iterator = input[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let headBytes = 0;
  let scan: ReturnType<typeof scanPreamble> = NEED_MORE;
  let ended = false;
  try {
    while (scan === NEED_MORE && headBytes <= MAX_PREAMBLE) {
      const next = await iterator.next();
      if (next.done === true) {
        ended = true;
        break;
      }
      head.push(Buffer.from(next.value));
      headBytes += next.value.byteLength;
      scan = scanPreamble(head.length === 1 ? head[0]! : Buffer.concat(head), records);
    }
  } catch (error) {
    await iterator.return?.();
    throw error;
  }
  if (ended || scan === NEED_MORE || scan === UNSURE) {
    // One slice for the whole file: replay what was read, then the rest of the stream.
    const rest: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => iterator,
    };
    return {
      kind: "whole",
      input: (async function* () {
        yield* head;
        if (!ended) yield* rest;
      })(),
    };
  }
  const preamble = scan;
  const first = head.length === 1 ? head[0]! : Buffer.concat(head);
  return {
    kind: "sliced",
    preamble,
    prefix: Buffer.from(first.subarray(0, preamble.length)),
    slices: cut(first, iterator, preamble, options),
  };
}

async function* cut(
  first: Buffer,
  iterator: AsyncIterator<Uint8Array>,
  preamble: XmlPreamble,
  options: SliceOptions,
): AsyncGenerator<XmlSlice> {
  const markers = (options.cutBefore ?? [preamble.record]).map((name) => Buffer.from(`<${name}`, "latin1"));
  const target = Math.max(1, options.sliceBytes);
  // Bytes are copied once, as they arrive, into the slice's own memory: a source may reuse its buffer, and a
  // slice of its own can be handed to a worker (transferred) without another copy.
  const memory = options.recycled ?? new SliceMemory(sliceCapacity(target), 0);
  const slice = new SliceBuffer(memory);
  let start = 0;
  let finished = false;
  try {
    for (let piece: Uint8Array | undefined = first; piece !== undefined;) {
      let from = 0;
      for (;;) {
        // Cut at the first marker once the slice has its size; never before the first record.
        const length = slice.length;
        const after = Math.max(
          from + Math.max(0, target - length),
          preamble.length + 1 - start - length + from,
        );
        const at = nextMarker(piece, markers, Math.max(from, after));
        if (at === -1) break;
        slice.append(piece.subarray(from, at));
        const bytes = slice.take();
        const sliceStart = start;
        // Counted before the yield: the consumer may transfer the bytes to a worker, detaching them here.
        start += bytes.byteLength;
        yield { start: sliceStart, bytes, last: false };
        from = at;
      }
      slice.append(piece.subarray(from));
      let next: IteratorResult<Uint8Array>;
      try {
        next = await iterator.next();
      } catch (error) {
        // A damaged stream: what was read is parsed as the file's end, as the serial reader would, then the error.
        finished = true;
        yield { start, bytes: slice.take(), last: true };
        throw error;
      }
      piece = next.done === true ? undefined : next.value;
    }
    finished = true;
    yield { start, bytes: slice.take(), last: true };
  } finally {
    if (!finished) await iterator.return?.();
  }
}

/** A growing byte buffer whose contents are handed out as a Buffer owning its whole ArrayBuffer (transferable). */
class SliceBuffer {
  private buffer: Buffer;
  private used = 0;

  constructor(private readonly memory: SliceMemory) {
    this.buffer = memory.take();
  }

  get length(): number {
    return this.used;
  }

  append(bytes: Uint8Array): void {
    if (this.used + bytes.byteLength > this.buffer.byteLength) {
      const grown = Buffer.allocUnsafeSlow(
        Math.max(this.buffer.byteLength * 2, this.used + bytes.byteLength),
      );
      this.buffer.copy(grown, 0, 0, this.used);
      this.memory.give(this.buffer);
      this.buffer = grown;
    }
    this.buffer.set(bytes, this.used);
    this.used += bytes.byteLength;
  }

  /** The bytes so far, in a buffer of their own; the next slice starts empty. */
  take(): Buffer {
    const bytes = this.used === this.buffer.byteLength ? this.buffer : this.buffer.subarray(0, this.used);
    this.buffer = this.memory.take();
    this.used = 0;
    return bytes;
  }
}

/**
 * The first position at or after `from` where one of the markers starts and is followed by a name delimiter
 * (whitespace, `>` or `/`), or -1. A marker cut by the end of the piece is not seen: the cut comes later.
 */
function nextMarker(piece: Uint8Array, markers: readonly Buffer[], from: number): number {
  const bytes = Buffer.isBuffer(piece)
    ? piece
    : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
  let best = -1;
  for (const marker of markers) {
    let at = bytes.indexOf(marker, from);
    while (at !== -1 && (best === -1 || at < best)) {
      const c = bytes[at + marker.byteLength];
      if (c === 32 || c === 9 || c === 10 || c === 13 || c === 62 || c === 47) {
        best = at;
        break;
      }
      at = bytes.indexOf(marker, at + 1);
    }
  }
  return best;
}
