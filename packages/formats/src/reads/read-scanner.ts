import { FormatError } from "../convert/format-error.js";
import { ReadTally } from "./read-tally.js";
import type { ReadStats } from "./read-tally.js";

/**
 * A push parser of one sequence format: fed the (decompressed) bytes chunk by chunk, it counts into a
 * `ReadTally` and keeps nothing of a chunk after `push` returns, so chunks may be reused by the caller.
 */
export interface ReadScanner {
  push(chunk: Uint8Array): void;
  /** Ends the input: a record left open is reported, and the statistics are returned. */
  end(): ReadStats;
}

/** Longest part of a record's header line kept to name the record in errors. */
const ID_BYTES = 200;

/**
 * What the FASTQ and FASTA scanners share: line and byte positions, the current record's number and name, and
 * the errors that carry them. A `\r` ending a line is withheld until the next byte shows whether a `\n` follows,
 * so Windows line endings are dropped even when a chunk ends between the two.
 */
export abstract class LineScanner implements ReadScanner {
  protected readonly tally = new ReadTally();
  /** Newlines seen: the current line is `lines + 1`. */
  protected lines = 0;
  /** Bytes of earlier chunks, for the byte offset of an error. */
  protected consumed = 0;
  /** 1-based number of the current record; 0 before the first. */
  protected record = 0;
  /** A `\r` was the last byte of the previous chunk and has not been given to the line yet. */
  protected pendingCr = false;
  private readonly id = new Uint8Array(ID_BYTES);
  private idLength = 0;
  /** The name ended (a blank) or filled ID_BYTES: the rest of the header is not kept. */
  private idDone = false;

  constructor(
    /** How errors name the input. */
    protected readonly label: string,
    protected readonly format: "fastq" | "fasta",
  ) {}

  abstract push(chunk: Uint8Array): void;
  abstract end(): ReadStats;

  /** Set by `lineSpan`: the index of the line's `\n`, or the chunk's length when the line goes on. */
  protected lineEnd = 0;
  /** Set by `lineSpan`: `lineEnd` less a `\r` before it. */
  protected contentEnd = 0;

  /**
   * Finds where the line starting at `from` ends in `chunk` (fields, not a returned object: this runs for every
   * line) and whether its `\n` is in this chunk. A `\r` ending the chunk is withheld (`pendingCr`).
   */
  protected lineSpan(chunk: Uint8Array, from: number): boolean {
    const nl = chunk.indexOf(0x0a, from);
    const complete = nl !== -1;
    const end = complete ? nl : chunk.length;
    let contentEnd = end;
    if (contentEnd > from && chunk[contentEnd - 1] === 0x0d) {
      contentEnd--;
      if (!complete) this.pendingCr = true;
    }
    this.lineEnd = end;
    this.contentEnd = contentEnd;
    return complete;
  }

  /** Starts keeping the name of a new record (the header line after its `@` or `>`). */
  protected startId(): void {
    this.idLength = 0;
    this.idDone = false;
  }

  /** Keeps the header bytes `chunk[from, to)` up to the first blank, within ID_BYTES. */
  protected captureId(chunk: Uint8Array, from: number, to: number): void {
    if (this.idDone) return;
    for (let i = from; i < to; i++) {
      const b = chunk[i]!;
      if (b === 0x20 || b === 0x09 || this.idLength === ID_BYTES) {
        this.idDone = true;
        return;
      }
      this.id[this.idLength++] = b;
    }
  }

  private recordName(): string {
    return Buffer.from(this.id.subarray(0, this.idLength)).toString("latin1");
  }

  /** A malformed-input error at byte `index` of the chunk being read, naming the record, line and byte. */
  protected error(problem: string, hint: string, chunkOffset: number, line = this.lines + 1): FormatError {
    // The location (file, line, byte, record name) is added to the message by the error itself.
    const name = this.record > 0 ? this.recordName() : "";
    return new FormatError(
      "reads_malformed",
      `${this.format.toUpperCase()}${this.record > 0 ? ` record #${this.record}` : ""}: ${problem}`,
      {
        file: this.label,
        line,
        byteOffset: this.consumed + chunkOffset,
        ...(this.record > 0 ? { record: name === "" ? `#${this.record}` : name } : {}),
        hint,
      },
    );
  }
}

/** Shows one input byte in a message: the character when printable, its code otherwise. */
export function showByte(b: number): string {
  return b >= 0x21 && b <= 0x7e
    ? JSON.stringify(String.fromCharCode(b))
    : `byte 0x${b.toString(16).padStart(2, "0")}`;
}
