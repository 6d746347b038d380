/** Per-file statistics of a FASTQ or FASTA file, as `read_stats.parquet` holds them (one row per file). */
export interface ReadStats {
  readonly format: "fastq" | "fasta";
  readonly reads: number;
  readonly bases: number;
  /** Null when the file holds no read. */
  readonly minLength: number | null;
  readonly meanLength: number | null;
  readonly maxLength: number | null;
  /** The length L such that reads of length ≥ L hold at least half the bases. */
  readonly n50: number | null;
  /** (G + C) / bases, case-insensitive, over every base including N (as `seqkit stats` counts it). */
  readonly gcFraction: number | null;
  readonly nFraction: number | null;
  /** FASTQ only (null for FASTA, and for a FASTQ without bases). */
  readonly quality: QualityStats | null;
  /** Read count per length, ascending by length. */
  readonly lengthHistogram: readonly { readonly length: number; readonly count: number }[];
}

export interface QualityStats {
  /** Guessed from the range of quality characters seen: Phred+33 (Sanger, Illumina 1.8+) or Phred+64. */
  readonly encoding: "phred33" | "phred64";
  /** Whether the characters seen fit both encodings, so the guess is the modern default rather than evidence. */
  readonly ambiguous: boolean;
  /** Arithmetic mean of the per-base Phred scores. */
  readonly meanQuality: number;
  readonly q20Fraction: number;
  readonly q30Fraction: number;
  /** Per 1-based position: mean Phred score of the bases there and how many reads reach that far. */
  readonly byPosition: readonly {
    readonly position: number;
    readonly meanQuality: number;
    readonly reads: number;
  }[];
}

/** Bytes a sequence may not hold: anything but printable ASCII without space (IUPAC letters, gaps, `*`, `.`). */
const NOT_SEQUENCE = new Uint8Array(256).fill(1);
for (let b = 0x21; b <= 0x7e; b++) NOT_SEQUENCE[b] = 0;

/** Bytes a quality line may not hold: anything outside `!` (Q0 in Phred+33) to `~`. */
const NOT_QUALITY = NOT_SEQUENCE;

/** The lowest quality character Phred+64 data holds (Solexa scores go down to -5, `;`). */
const PHRED64_MIN = 59;
/** The highest quality character Illumina 1.8+ Phred+33 writes (`J`, Q41); above it only Phred+64 or long reads. */
const PHRED33_ILLUMINA_MAX = 74;

/**
 * The counters behind `ReadStats`, fed base by base: a few scalars, reads per length, quality characters by
 * value (so the encoding can be decided at the end) and quality sums per position (which grow with the longest
 * read only). Nothing here holds on to the input.
 */
export class ReadTally {
  reads = 0;
  bases = 0;
  /** Count of each sequence byte. */
  private readonly baseBytes = new Float64Array(256);
  private readonly lengths = new Map<number, number>();
  /** Count of each quality character. */
  readonly qualityBytes = new Float64Array(256);
  /** Sum of quality characters at each 0-based position (raw bytes; the offset is taken off at the end). */
  positionSums = new Float64Array(256);

  /**
   * Counts the bases of `bytes[from, to)`; returns the index of the first byte that cannot be in a sequence, or
   * -1. Each byte only bumps its own counter (no branch on which base it is: that branch mispredicts on random
   * bases and halved the speed); G/C and N are summed from the counters at the end.
   */
  addBases(bytes: Uint8Array, from: number, to: number): number {
    const counts = this.baseBytes;
    let bad = 0;
    for (let i = from; i < to; i++) {
      const b = bytes[i]!;
      counts[b] = counts[b]! + 1;
      bad |= NOT_SEQUENCE[b]!;
    }
    this.bases += to - from;
    if (bad === 0) return -1;
    let i = from;
    while (NOT_SEQUENCE[bytes[i]!] === 0) i++;
    return i;
  }

  /**
   * Counts the quality characters `bytes[from, to)`, the first at 0-based read position `position` (the sums
   * must have room: `ensurePositions`); returns the index of the first byte that is no quality character, or -1.
   */
  addQualities(bytes: Uint8Array, from: number, to: number, position: number): number {
    const counts = this.qualityBytes;
    const sums = this.positionSums;
    let bad = 0;
    for (let i = from, p = position; i < to; i++, p++) {
      const q = bytes[i]!;
      counts[q] = counts[q]! + 1;
      sums[p] = sums[p]! + q;
      bad |= NOT_QUALITY[q]!;
    }
    if (bad === 0) return -1;
    let i = from;
    while (NOT_QUALITY[bytes[i]!] === 0) i++;
    return i;
  }

  /** Records one finished read. */
  addRead(length: number): void {
    this.reads++;
    this.lengths.set(length, (this.lengths.get(length) ?? 0) + 1);
  }

  /** Makes room for quality sums up to position `length - 1`. */
  ensurePositions(length: number): void {
    if (length <= this.positionSums.length) return;
    let size = this.positionSums.length;
    while (size < length) size *= 2;
    const grown = new Float64Array(size);
    grown.set(this.positionSums);
    this.positionSums = grown;
  }

  /** The statistics of everything counted so far; `withQuality` for FASTQ. */
  summary(format: "fastq" | "fasta"): ReadStats {
    const histogram = [...this.lengths.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([length, count]) => ({ length, count }));
    const empty = this.reads === 0;
    const count = (letters: string): number =>
      [...letters].reduce((sum, c) => sum + this.baseBytes[c.charCodeAt(0)]!, 0);
    const gc = count("GCgc");
    const n = count("Nn");
    return {
      format,
      reads: this.reads,
      bases: this.bases,
      minLength: empty ? null : histogram[0]!.length,
      meanLength: empty ? null : this.bases / this.reads,
      maxLength: empty ? null : histogram[histogram.length - 1]!.length,
      n50: empty ? null : n50(histogram, this.bases),
      gcFraction: this.bases === 0 ? null : gc / this.bases,
      nFraction: this.bases === 0 ? null : n / this.bases,
      quality: format === "fastq" && this.bases > 0 ? this.qualitySummary(histogram) : null,
      lengthHistogram: histogram,
    };
  }

  private qualitySummary(histogram: readonly { length: number; count: number }[]): QualityStats {
    let min = 255;
    let max = 0;
    let sum = 0;
    for (let b = 0; b < 256; b++) {
      const c = this.qualityBytes[b]!;
      if (c === 0) continue;
      if (b < min) min = b;
      if (b > max) max = b;
      sum += b * c;
    }
    // Characters below `;` exist only in Phred+33; above `J` with nothing low, only Phred+64 (or long-read
    // Phred+33 without any low score, which is rare enough to be the exception).
    const phred64 = min >= PHRED64_MIN && max > PHRED33_ILLUMINA_MAX;
    const ambiguous = min >= PHRED64_MIN && max <= PHRED33_ILLUMINA_MAX;
    const offset = phred64 ? 64 : 33;
    let q20 = 0;
    let q30 = 0;
    for (let b = offset + 20; b < 256; b++) q20 += this.qualityBytes[b]!;
    for (let b = offset + 30; b < 256; b++) q30 += this.qualityBytes[b]!;
    // Reads reaching position p: those longer than p, from the length histogram (longest first).
    const maxLength = histogram.length === 0 ? 0 : histogram[histogram.length - 1]!.length;
    const covering = new Float64Array(maxLength + 1);
    for (const { length, count } of histogram) covering[length] = count;
    for (let p = maxLength - 1; p >= 0; p--) covering[p] = covering[p]! + covering[p + 1]!;
    const byPosition: { position: number; meanQuality: number; reads: number }[] = [];
    for (let p = 0; p < maxLength; p++) {
      const reads = covering[p + 1]!;
      byPosition.push({ position: p + 1, meanQuality: this.positionSums[p]! / reads - offset, reads });
    }
    return {
      encoding: phred64 ? "phred64" : "phred33",
      ambiguous,
      meanQuality: sum / this.bases - offset,
      q20Fraction: q20 / this.bases,
      q30Fraction: q30 / this.bases,
      byPosition,
    };
  }
}

function n50(histogram: readonly { length: number; count: number }[], bases: number): number {
  let acc = 0;
  for (let i = histogram.length - 1; i >= 0; i--) {
    const { length, count } = histogram[i]!;
    acc += length * count;
    if (acc * 2 >= bases) return length;
  }
  return 0;
}
