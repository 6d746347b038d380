import { ParseError } from "../errors/parse-error.js";

/**
 * Receives each line of the input: the bytes `buf[start, end)` without the `\n` (a `\r` may remain), its
 * 1-based number and the byte offset of its start. `buf` is only valid during the call.
 */
export type LineHandler = (buf: Buffer, start: number, end: number, line: number, byteOffset: number) => void;

export interface LineSplitterOptions {
  readonly file?: string;
  /** Longest line accepted (kept in memory while it spans chunks). */
  readonly maxLineBytes: number;
  /** The record being read, for the error when a line is too long. */
  readonly record: () => string | undefined;
  /**
   * Asked when a line starts to span chunks: true when the consumer reads only the start of the line being
   * read (a sequence line whose letters are not kept). Such a line is cut to its first `CUT_LINE_BYTES` bytes
   * instead of being held whole, so a sequence written on one 100 MB line costs no more memory than a short one.
   */
  readonly cutsLongLine?: () => boolean;
}

/** What is kept of a line the consumer reads only the start of: enough for its first words and a preview. */
export const CUT_LINE_BYTES = 1024;

const NL = 0x0a;

/**
 * Cuts a byte stream into lines without decoding them, so the consumer decides which lines are worth a string
 * (sequence lines of a GenBank ORIGIN block are mostly skipped). A line split across chunks is copied, never
 * kept as a view: the caller may reuse a chunk's memory once `push` returns.
 */
export class LineSplitter {
  private readonly onLine: LineHandler;
  private readonly options: LineSplitterOptions;
  private lines = 0;
  private consumed = 0;
  private carry: Buffer[] = [];
  private carryBytes = 0;
  private carryOffset = 0;
  /** The line being carried is cut to its start (see `cutsLongLine`). */
  private cutting = false;

  constructor(onLine: LineHandler, options: LineSplitterOptions) {
    this.onLine = onLine;
    this.options = options;
  }

  /** Lines handed out so far. */
  get lineCount(): number {
    return this.lines;
  }

  /** Bytes of input consumed so far. */
  get byteCount(): number {
    return this.consumed;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    const n = buf.length;
    let p = 0;
    if (this.carryBytes > 0) {
      const nl = buf.indexOf(NL);
      if (nl < 0) {
        this.extendCarry(buf, 0, n);
        this.consumed += n;
        return;
      }
      this.extendCarry(buf, 0, nl);
      const line = Buffer.concat(this.carry, this.carryBytes);
      this.carry = [];
      this.carryBytes = 0;
      this.onLine(line, 0, line.length, ++this.lines, this.carryOffset);
      p = nl + 1;
    }
    for (let nl = buf.indexOf(NL, p); nl >= 0; nl = buf.indexOf(NL, p)) {
      this.onLine(buf, p, nl, ++this.lines, this.consumed + p);
      p = nl + 1;
    }
    if (p < n) {
      this.carryOffset = this.consumed + p;
      this.extendCarry(buf, p, n);
    }
    this.consumed += n;
  }

  /** Hands out a last line that has no newline. */
  end(): void {
    if (this.carryBytes === 0) return;
    const line = Buffer.concat(this.carry, this.carryBytes);
    this.carry = [];
    this.carryBytes = 0;
    this.onLine(line, 0, line.length, ++this.lines, this.carryOffset);
  }

  private extendCarry(buf: Buffer, start: number, end: number): void {
    if (this.carryBytes === 0) this.cutting = this.options.cutsLongLine?.() === true;
    if (this.cutting) {
      const keep = Math.min(end - start, CUT_LINE_BYTES - this.carryBytes);
      if (keep <= 0) return;
      this.carryBytes += keep;
      this.carry.push(Buffer.from(buf.subarray(start, start + keep)));
      return;
    }
    this.carryBytes += end - start;
    if (this.carryBytes > this.options.maxLineBytes) {
      throw new ParseError(
        "record_too_large",
        `GenBank: line ${this.lines + 1} is longer than ${this.options.maxLineBytes} bytes`,
        {
          file: this.options.file,
          line: this.lines + 1,
          byteOffset: this.carryOffset,
          record: this.options.record(),
        },
        { hint: "The input is not a GenBank flat file, or raise maxLineBytes" },
      );
    }
    // Copy: the caller may reuse the chunk's memory after push returns.
    this.carry.push(Buffer.from(buf.subarray(start, end)));
  }
}
