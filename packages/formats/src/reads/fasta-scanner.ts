import type { ReadStats } from "./read-tally.js";
import { LineScanner, showByte } from "./read-scanner.js";

const enum State {
  /** Before the first header: only blank lines may come first. */
  BeforeFirst,
  Header,
  /** At the start of a line after a header: a sequence line, a blank line or the next header. */
  LineStart,
  Sequence,
}

const HINT =
  "A FASTA file is records of a >name line followed by sequence lines. Check that the file is FASTA " +
  "(head -c 300) and not cut or mixed with other text.";

/**
 * FASTA statistics from bytes pushed chunk by chunk: a record's sequence may span any number of lines
 * (and chunks); its length is the sum of its lines.
 *
 * @example const s = new FastaScanner("genome.fa"); for await (const c of chunks) s.push(c); const stats = s.end();
 */
export class FastaScanner extends LineScanner {
  private state = State.BeforeFirst;
  private sequenceLength = 0;

  constructor(label: string) {
    super(label, "fasta");
  }

  push(chunk: Uint8Array): void {
    let i = 0;
    if (this.pendingCr) {
      this.pendingCr = false;
      if (chunk.length > 0 && chunk[0] !== 0x0a && this.state === State.Sequence)
        throw this.error(`a sequence line holds ${showByte(0x0d)}`, HINT, -1);
    }
    const n = chunk.length;
    while (i < n) {
      switch (this.state) {
        case State.BeforeFirst:
        case State.LineStart: {
          const b = chunk[i]!;
          if (b === 0x0a) {
            this.lines++;
            i++;
          } else if (b === 0x0d) {
            i++; // the \r of a blank \r\n line
          } else if (b === 0x3e) {
            if (this.state === State.LineStart) this.tally.addRead(this.sequenceLength);
            this.record++;
            this.sequenceLength = 0;
            this.startId();
            this.state = State.Header;
            i++;
          } else if (this.state === State.BeforeFirst) {
            throw this.error(`a line before the first ">" header starts with ${showByte(b)}`, HINT, i);
          } else {
            this.state = State.Sequence;
          }
          break;
        }
        case State.Header: {
          const complete = this.lineSpan(chunk, i);
          this.captureId(chunk, i, this.contentEnd);
          i = this.lineEnd;
          if (complete) {
            this.lines++;
            i++;
            this.state = State.LineStart;
          }
          break;
        }
        case State.Sequence: {
          const complete = this.lineSpan(chunk, i);
          const bad = this.tally.addBases(chunk, i, this.contentEnd);
          if (bad !== -1) throw this.error(`a sequence line holds ${showByte(chunk[bad]!)}`, HINT, bad);
          this.sequenceLength += this.contentEnd - i;
          i = this.lineEnd;
          if (complete) {
            this.lines++;
            i++;
            this.state = State.LineStart;
          }
          break;
        }
      }
    }
    this.consumed += n;
  }

  end(): ReadStats {
    this.pendingCr = false;
    if (this.state !== State.BeforeFirst) this.tally.addRead(this.sequenceLength);
    this.state = State.BeforeFirst;
    return this.tally.summary("fasta");
  }
}
