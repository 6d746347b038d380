import type { ReadStats } from "./read-tally.js";
import { LineScanner, showByte } from "./read-scanner.js";

const enum State {
  /** Before a record: expects `@` (blank lines between records are skipped). */
  RecordStart,
  Header,
  Sequence,
  /** After the sequence line: expects `+`. */
  PlusStart,
  Plus,
  Quality,
}

const HINT =
  "A FASTQ record is four lines: @name, the sequence on one line, +, and a quality line as long as the sequence. " +
  "A file cut short or a multi-line FASTQ are the usual causes: download the file again, or rewrite it with `seqkit seq` first.";

const STATE_WORDS: Record<State, string> = {
  [State.RecordStart]: "record start",
  [State.Header]: "header line",
  [State.Sequence]: "sequence line",
  [State.PlusStart]: "+ line",
  [State.Plus]: "+ line",
  [State.Quality]: "quality line",
};

/**
 * FASTQ statistics from bytes pushed chunk by chunk: the lines are found with `indexOf` and the sequence and
 * quality bytes counted in place, so no string is made per line and a record may be cut anywhere between chunks.
 *
 * @example const s = new FastqScanner("r1.fastq"); for await (const c of chunks) s.push(c); const stats = s.end();
 */
export class FastqScanner extends LineScanner {
  private state = State.RecordStart;
  private sequenceLength = 0;
  private qualityLength = 0;

  constructor(label: string) {
    super(label, "fastq");
  }

  push(chunk: Uint8Array): void {
    let i = 0;
    if (this.pendingCr) {
      this.pendingCr = false;
      if (chunk.length > 0 && chunk[0] !== 0x0a) this.strayCr();
    }
    const n = chunk.length;
    while (i < n) {
      switch (this.state) {
        case State.RecordStart: {
          const b = chunk[i]!;
          if (b === 0x0a) {
            this.lines++;
            i++;
          } else if (b === 0x0d) {
            i++; // the \r of a blank \r\n line
          } else if (b === 0x40) {
            this.record++;
            this.startId();
            this.state = State.Header;
            i++;
          } else {
            throw this.error(`expected "@" starting a record, got ${showByte(b)}`, HINT, i);
          }
          break;
        }
        case State.Header:
        case State.Plus: {
          const complete = this.lineSpan(chunk, i);
          if (this.state === State.Header) this.captureId(chunk, i, this.contentEnd);
          i = this.lineEnd;
          if (complete) {
            this.lines++;
            i++;
            if (this.state === State.Header) {
              this.state = State.Sequence;
              this.sequenceLength = 0;
            } else {
              this.state = State.Quality;
              this.qualityLength = 0;
              this.tally.ensurePositions(this.sequenceLength);
            }
          }
          break;
        }
        case State.Sequence: {
          const complete = this.lineSpan(chunk, i);
          const bad = this.tally.addBases(chunk, i, this.contentEnd);
          if (bad !== -1) throw this.error(`a sequence holds ${showByte(chunk[bad]!)}`, HINT, bad);
          this.sequenceLength += this.contentEnd - i;
          i = this.lineEnd;
          if (complete) {
            this.lines++;
            i++;
            this.state = State.PlusStart;
          }
          break;
        }
        case State.PlusStart: {
          const b = chunk[i]!;
          if (b !== 0x2b)
            throw this.error(
              `expected the "+" line after the sequence, got a line starting with ${showByte(b)}`,
              HINT,
              i,
            );
          this.state = State.Plus;
          i++;
          break;
        }
        case State.Quality: {
          // Fast path: the quality line is as long as the sequence, so its end is known; look there for the
          // newline instead of searching. Anything unusual (a bad byte, a shorter line) takes the path below,
          // which reports it (counts made here are then moot: that path always throws).
          const expectedEnd = i + (this.sequenceLength - this.qualityLength);
          const after = expectedEnd < n ? chunk[expectedEnd] : -1;
          if (after === 0x0a || (after === 0x0d && expectedEnd + 1 < n && chunk[expectedEnd + 1] === 0x0a)) {
            if (this.tally.addQualities(chunk, i, expectedEnd, this.qualityLength) === -1) {
              this.lines++;
              i = after === 0x0a ? expectedEnd + 1 : expectedEnd + 2;
              this.tally.addRead(this.sequenceLength);
              this.state = State.RecordStart;
              break;
            }
          }
          const complete = this.lineSpan(chunk, i);
          const to = this.contentEnd;
          // Never past the sequence's length: the per-position sums are sized to it.
          const stop = Math.min(to, i + (this.sequenceLength - this.qualityLength));
          const bad = this.tally.addQualities(chunk, i, stop, this.qualityLength);
          if (bad !== -1) throw this.error(`a quality line holds ${showByte(chunk[bad]!)}`, HINT, bad);
          this.qualityLength += stop - i;
          if (stop < to)
            throw this.error(
              `the quality line is longer than the sequence (${this.sequenceLength} bases)`,
              HINT,
              stop,
            );
          i = this.lineEnd;
          if (complete) {
            if (this.qualityLength !== this.sequenceLength)
              throw this.error(
                `the quality line has ${this.qualityLength} characters but the sequence ${this.sequenceLength}`,
                HINT,
                i,
              );
            this.lines++;
            i++;
            this.tally.addRead(this.sequenceLength);
            this.state = State.RecordStart;
          }
          break;
        }
      }
    }
    this.consumed += n;
  }

  end(): ReadStats {
    this.pendingCr = false;
    if (this.state === State.Quality && this.qualityLength === this.sequenceLength) {
      // The last record without a final newline.
      this.tally.addRead(this.sequenceLength);
      this.state = State.RecordStart;
    }
    if (this.state !== State.RecordStart)
      throw this.error(
        `the file ends inside the record's ${STATE_WORDS[this.state]}` +
          (this.state === State.Quality
            ? ` (${this.qualityLength} of ${this.sequenceLength} quality characters)`
            : ""),
        "The file is truncated: download or copy it again.",
        0,
      );
    return this.tally.summary("fastq");
  }

  /** A `\r` withheld at the end of the last chunk turned out not to end its line. */
  private strayCr(): void {
    if (this.state === State.Sequence || this.state === State.Quality)
      throw this.error(`a ${STATE_WORDS[this.state]} holds ${showByte(0x0d)}`, HINT, -1);
  }
}
