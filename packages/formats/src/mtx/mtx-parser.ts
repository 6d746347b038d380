import { FormatError } from "../convert/format-error.js";

export type MtxLayout = "coordinate" | "array";
export type MtxField = "integer" | "real" | "pattern";
export type MtxSymmetry = "general" | "symmetric" | "skew-symmetric";

/** The banner and size line of a Matrix Market file. */
export interface MtxHeader {
  readonly layout: MtxLayout;
  readonly field: MtxField;
  readonly symmetry: MtxSymmetry;
  readonly rows: number;
  readonly cols: number;
  /** Data lines the size line declares (before symmetric expansion). */
  readonly declaredEntries: number;
}

/**
 * Parsed entries as 0-based (row, col, value). Integer and pattern files give Int32Array values (pattern: all 1),
 * real files Float64Array. The arrays are reused by the next `push`.
 */
export interface MtxBatch {
  readonly rows: Int32Array;
  readonly cols: Int32Array;
  readonly values: Int32Array | Float64Array;
  readonly length: number;
}

const NL = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;
const PERCENT = 37;
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const INT32_MAX = 2147483647;

const latin1 = (bytes: Uint8Array, start: number, end: number): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString("latin1");

/**
 * An owned copy of `bytes[start, end)`. Not `bytes.slice()`: a chunk may be a Buffer, whose `slice` is a view,
 * and readers reuse their read buffer for the next chunk, which would rewrite the kept partial line.
 */
const copyOf = (bytes: Uint8Array, start: number, end = bytes.length): Uint8Array =>
  Uint8Array.prototype.slice.call(bytes, start, end);

/**
 * A byte-level, push-based Matrix Market parser: `push(chunk)` as bytes arrive, `end()` at the end of the input.
 * Honours the banner's layout (coordinate/array), field (integer/real/pattern; complex is refused) and symmetry
 * (symmetric and skew-symmetric are expanded to both triangles). Checks every index against the size line, the
 * entry count against the declared one, and that an integer file holds integers; errors carry the line.
 *
 * Hot loop notes: lines are scanned byte by byte with no string allocation; decimal reals with ≤ 15 significant
 * digits and a small exponent are exact as one multiply or divide by a power of ten (both operands are exact
 * doubles, so the single rounding is the correct one); anything else falls back to `Number()` on the token.
 */
export class MtxParser {
  header: MtxHeader | undefined;
  /** Data lines read so far. */
  entriesRead = 0;
  /** Entries emitted so far (after symmetric expansion and, for array files, without zeros). */
  entriesEmitted = 0;
  private readonly file: string;
  private line = 1;
  private leftover: Uint8Array | undefined;
  private bannerSeen = false;
  private rowsOut = new Int32Array(0);
  private colsOut = new Int32Array(0);
  private valuesOut: Int32Array | Float64Array = new Int32Array(0);
  private count = 0;
  /** Array layout: position of the next value in column-major order (over the stored triangle when symmetric). */
  private arrayRow = 0;
  private arrayCol = 0;

  constructor(file: string) {
    this.file = file;
  }

  /** The 1-based line the parser has reached (complete lines parsed so far + 1). */
  get lineNumber(): number {
    return this.line;
  }

  /**
   * Parses the complete lines of `chunk` (a trailing partial line is copied for the next push). The chunk is
   * not retained: the caller may reuse its memory as soon as `push` returns.
   */
  push(chunk: Uint8Array): MtxBatch {
    let buf = chunk;
    if (this.leftover && this.leftover.length > 0) {
      buf = new Uint8Array(this.leftover.length + chunk.length);
      buf.set(this.leftover);
      buf.set(chunk, this.leftover.length);
    }
    const lastNl = buf.lastIndexOf(NL);
    if (lastNl < 0) {
      this.leftover = buf === chunk ? copyOf(buf, 0) : buf;
      return this.batch(0);
    }
    this.leftover = lastNl + 1 < buf.length ? copyOf(buf, lastNl + 1) : undefined;
    return this.parse(buf, lastNl + 1);
  }

  /** Parses what is left and checks that the file held as many entries as it declared. */
  end(): MtxBatch {
    let out = this.batch(0);
    if (this.leftover && this.leftover.length > 0) {
      const buf = new Uint8Array(this.leftover.length + 1);
      buf.set(this.leftover);
      buf[buf.length - 1] = NL;
      this.leftover = undefined;
      out = this.parse(buf, buf.length);
    }
    const h = this.header;
    if (!h) {
      throw this.error(
        "mtx_truncated",
        this.bannerSeen
          ? "the file ends before the size line"
          : "the file is empty or has no %%MatrixMarket banner",
        "The file may be truncated",
      );
    }
    if (this.entriesRead < h.declaredEntries) {
      throw this.error(
        "mtx_header_mismatch",
        `the size line declares ${h.declaredEntries} entries but the file ends after ${this.entriesRead}`,
        "The file may be truncated, or its size line is wrong",
      );
    }
    return out;
  }

  private error(
    code: ConstructorParameters<typeof FormatError>[0],
    reason: string,
    hint?: string,
    line = this.line,
  ): FormatError {
    return new FormatError(code, reason, { file: this.file, line, hint });
  }

  private batch(length: number): MtxBatch {
    return { rows: this.rowsOut, cols: this.colsOut, values: this.valuesOut, length };
  }

  private ensureCapacity(bytes: number): void {
    // A data line is at least 2 bytes ("1\n" in array files, "1 1\n" is 4 in coordinate ones) and yields at most
    // two entries (symmetric), so one entry per byte always suffices.
    const needed = bytes + 2;
    if (this.rowsOut.length >= needed) return;
    const capacity = Math.max(needed, this.rowsOut.length * 2);
    this.rowsOut = new Int32Array(capacity);
    this.colsOut = new Int32Array(capacity);
    if (this.header?.field === "real") this.valuesOut = new Float64Array(capacity);
    else {
      this.valuesOut = new Int32Array(capacity);
      if (this.header?.field === "pattern") this.valuesOut.fill(1);
    }
  }

  private parse(buf: Uint8Array, end: number): MtxBatch {
    let p = 0;
    while (!this.header && p < end) p = this.headerLine(buf, p, end);
    if (!this.header) return this.batch(0);
    this.ensureCapacity(end - p);
    this.count = 0;
    if (this.header.layout === "coordinate") this.coordinate(buf, p, end);
    else this.array(buf, p, end);
    this.entriesEmitted += this.count;
    return this.batch(this.count);
  }

  /** Reads one line of the banner/comments/size section; returns the position after it. */
  private headerLine(buf: Uint8Array, start: number, end: number): number {
    let e = buf.indexOf(NL, start);
    if (e < 0 || e >= end) e = end;
    const text = latin1(buf, start, e).replace(/\r$/, "");
    const next = e + 1;
    if (!this.bannerSeen) {
      this.bannerSeen = true;
      const tokens = text
        .trim()
        .split(/\s+/)
        .map((t) => t.toLowerCase());
      if (tokens[0] !== "%%matrixmarket") {
        throw this.error(
          "mtx_malformed",
          `expected a "%%MatrixMarket matrix …" banner, got "${text.slice(0, 80)}"`,
          "Check that this is a Matrix Market file",
        );
      }
      if (tokens[1] !== "matrix" || tokens.length < 5) {
        throw this.error(
          "mtx_unsupported",
          `expected "%%MatrixMarket matrix <coordinate|array> <field> <symmetry>", got "${text.slice(0, 80)}"`,
        );
      }
      const [, , layout, field, symmetry] = tokens;
      if (layout !== "coordinate" && layout !== "array")
        throw this.error("mtx_unsupported", `unknown layout "${layout}" (expected coordinate or array)`);
      if (field === "complex")
        throw this.error(
          "mtx_unsupported",
          "complex matrices are not supported",
          "Convert to real and imaginary parts first",
        );
      if (field !== "integer" && field !== "real" && field !== "pattern" && field !== "double") {
        throw this.error("mtx_unsupported", `unknown field "${field}" (expected integer, real or pattern)`);
      }
      if (symmetry === "hermitian")
        throw this.error("mtx_unsupported", "hermitian matrices (complex) are not supported");
      if (symmetry !== "general" && symmetry !== "symmetric" && symmetry !== "skew-symmetric") {
        throw this.error(
          "mtx_unsupported",
          `unknown symmetry "${symmetry}" (expected general, symmetric or skew-symmetric)`,
        );
      }
      if (field === "pattern" && layout === "array")
        throw this.error("mtx_malformed", "a pattern matrix cannot use the array layout");
      if (field === "pattern" && symmetry === "skew-symmetric")
        throw this.error("mtx_malformed", "a pattern matrix cannot be skew-symmetric");
      this.pending = { layout, field: field === "double" ? "real" : field, symmetry };
      this.line++;
      return next;
    }
    const trimmed = text.trim();
    if (trimmed === "" || trimmed.startsWith("%")) {
      this.line++;
      return next;
    }
    const pending = this.pending!;
    const sizes = trimmed.split(/\s+/);
    const want = pending.layout === "coordinate" ? 3 : 2;
    const nums = sizes.map((s) => (/^\d+$/.test(s) ? Number(s) : Number.NaN));
    if (sizes.length !== want || nums.some((n) => !Number.isSafeInteger(n))) {
      throw this.error(
        "mtx_malformed",
        `expected the size line "${pending.layout === "coordinate" ? "rows cols entries" : "rows cols"}", got "${trimmed.slice(0, 80)}"`,
      );
    }
    const [rows, cols] = nums as [number, number];
    if (rows > INT32_MAX || cols > INT32_MAX)
      throw this.error("mtx_unsupported", `${rows} x ${cols} exceeds 2^31-1 rows or columns`);
    if (pending.symmetry !== "general" && rows !== cols) {
      throw this.error(
        "mtx_header_mismatch",
        `a ${pending.symmetry} matrix must be square, the size line says ${rows} x ${cols}`,
      );
    }
    let declared: number;
    if (pending.layout === "coordinate") declared = nums[2]!;
    else if (pending.symmetry === "general") declared = rows * cols;
    else if (pending.symmetry === "symmetric") declared = (rows * (rows + 1)) / 2;
    else declared = (rows * (rows - 1)) / 2;
    if (pending.layout === "coordinate" && pending.symmetry === "general" && declared > rows * cols) {
      throw this.error(
        "mtx_header_mismatch",
        `the size line declares ${declared} entries for a ${rows} x ${cols} matrix`,
      );
    }
    this.header = { ...pending, rows, cols, declaredEntries: declared };
    if (pending.layout === "array" && pending.symmetry === "skew-symmetric") this.arrayRow = 1;
    this.line++;
    this.ensureCapacity(0);
    return next;
  }

  private pending: Pick<MtxHeader, "layout" | "field" | "symmetry"> | undefined;

  private coordinate(buf: Uint8Array, start: number, end: number): void {
    const h = this.header!;
    const { rows: nRows, cols: nCols, declaredEntries } = h;
    const field = h.field;
    const mirror = h.symmetry !== "general";
    const skew = h.symmetry === "skew-symmetric";
    const rowsOut = this.rowsOut;
    const colsOut = this.colsOut;
    const intOut = this.valuesOut instanceof Int32Array ? this.valuesOut : undefined;
    const realOut = this.valuesOut instanceof Float64Array ? this.valuesOut : undefined;
    let count = 0;
    let line = this.line;
    let read = this.entriesRead;
    let p = start;
    let c = 0;
    try {
      while (p < end) {
        c = buf[p]!;
        while (c === SPACE || c === TAB || c === CR) c = buf[++p]!;
        if (c === NL) {
          line++;
          p++;
          continue;
        }
        if (c === PERCENT) {
          p = buf.indexOf(NL, p);
          continue;
        }
        if (read >= declaredEntries) {
          throw this.error(
            "mtx_header_mismatch",
            `more entries than the ${declaredEntries} the size line declares`,
            "The size line is wrong or two files were concatenated",
            line,
          );
        }
        // row index
        let i = 0;
        let digits = 0;
        while (c >= 48 && c <= 57) {
          i = i * 10 + (c - 48);
          c = buf[++p]!;
          digits++;
        }
        if (digits === 0 || (c !== SPACE && c !== TAB)) throw this.badToken(buf, p, line, "a row index");
        while (c === SPACE || c === TAB) c = buf[++p]!;
        // column index
        let j = 0;
        digits = 0;
        while (c >= 48 && c <= 57) {
          j = j * 10 + (c - 48);
          c = buf[++p]!;
          digits++;
        }
        if (digits === 0) throw this.badToken(buf, p, line, "a column index");
        if (i < 1 || i > nRows)
          throw this.error(
            "mtx_index_out_of_range",
            `row index ${i} is out of range 1..${nRows}`,
            undefined,
            line,
          );
        if (j < 1 || j > nCols)
          throw this.error(
            "mtx_index_out_of_range",
            `column index ${j} is out of range 1..${nCols}`,
            undefined,
            line,
          );
        let v = 1;
        if (field !== "pattern") {
          if (c !== SPACE && c !== TAB) throw this.badToken(buf, p, line, "a value after the indexes");
          while (c === SPACE || c === TAB) c = buf[++p]!;
          const tokenStart = p;
          let negative = false;
          if (c === 45) {
            negative = true;
            c = buf[++p]!;
          } else if (c === 43) c = buf[++p]!;
          let m = 0;
          digits = 0;
          while (c >= 48 && c <= 57) {
            m = m * 10 + (c - 48);
            c = buf[++p]!;
            digits++;
          }
          if (field === "integer") {
            if (c === 46 || c === 101 || c === 69) {
              throw this.error(
                "mtx_header_mismatch",
                `a real value "${this.token(buf, tokenStart)}" in an integer file`,
                "The banner should say real",
                line,
              );
            }
            if (digits === 0) throw this.badToken(buf, p, line, "an integer value");
            if (m > INT32_MAX + (negative ? 1 : 0)) {
              throw this.error(
                "mtx_value_out_of_range",
                `value ${negative ? "-" : ""}${m} does not fit a 32-bit integer`,
                "Declare the field as real",
                line,
              );
            }
            v = negative ? -m : m;
          } else {
            let scale = 0;
            if (c === 46) {
              c = buf[++p]!;
              while (c >= 48 && c <= 57) {
                m = m * 10 + (c - 48);
                c = buf[++p]!;
                digits++;
                scale++;
              }
            }
            let exponent = 0;
            let simple = digits > 0 && digits <= 15;
            if (c === 101 || c === 69) {
              c = buf[++p]!;
              let expNegative = false;
              if (c === 45) {
                expNegative = true;
                c = buf[++p]!;
              } else if (c === 43) c = buf[++p]!;
              let expDigits = 0;
              while (c >= 48 && c <= 57) {
                exponent = exponent * 10 + (c - 48);
                c = buf[++p]!;
                expDigits++;
              }
              if (expDigits === 0) simple = false;
              if (expNegative) exponent = -exponent;
            }
            const e10 = exponent - scale;
            if (simple && e10 >= -22 && e10 <= 22 && (c === SPACE || c === TAB || c === CR || c === NL)) {
              v = e10 < 0 ? m / POW10[-e10]! : m * POW10[e10]!;
              if (negative) v = -v;
            } else {
              while (c !== SPACE && c !== TAB && c !== CR && c !== NL && p < end) c = buf[++p]!;
              v = this.parseRealToken(latin1(buf, tokenStart, p), line);
            }
          }
        }
        // rest of the line: only blanks
        while (c === SPACE || c === TAB || c === CR) c = buf[++p]!;
        if (c !== NL) throw this.badToken(buf, p, line, "the end of the line (too many values?)");
        p++;
        line++;
        read++;
        const r0 = i - 1;
        const c0 = j - 1;
        rowsOut[count] = r0;
        colsOut[count] = c0;
        if (realOut) realOut[count] = v;
        else if (intOut && field === "integer") intOut[count] = v;
        count++;
        if (mirror && r0 !== c0) {
          rowsOut[count] = c0;
          colsOut[count] = r0;
          const mv = skew ? -v : v;
          if (realOut) realOut[count] = mv;
          else if (intOut && field === "integer") intOut[count] = mv;
          count++;
        } else if (skew && r0 === c0) {
          throw this.error(
            "mtx_malformed",
            `a skew-symmetric file has a diagonal entry (${i}, ${j})`,
            "Its diagonal is zero by definition and is not stored",
            line - 1,
          );
        }
      }
    } finally {
      this.line = line;
      this.entriesRead = read;
      this.count = count;
    }
  }

  private array(buf: Uint8Array, start: number, end: number): void {
    const h = this.header!;
    const field = h.field;
    const symmetric = h.symmetry !== "general";
    const skew = h.symmetry === "skew-symmetric";
    const rowsOut = this.rowsOut;
    const colsOut = this.colsOut;
    const values = this.valuesOut;
    let count = 0;
    let p = start;
    try {
      while (p < end) {
        let e = buf.indexOf(NL, p);
        if (e < 0 || e > end) e = end;
        const text = latin1(buf, p, e).trim();
        p = e + 1;
        if (text === "" || text.startsWith("%")) {
          this.line++;
          continue;
        }
        if (this.entriesRead >= h.declaredEntries) {
          throw this.error(
            "mtx_header_mismatch",
            `more values than the ${h.declaredEntries} a ${h.rows} x ${h.cols} ${h.symmetry} array holds`,
          );
        }
        if (/\s/.test(text))
          throw this.error(
            "mtx_malformed",
            `expected one value per line in an array file, got "${text.slice(0, 80)}"`,
          );
        let v: number;
        if (field === "integer") {
          if (!/^[+-]?\d+$/.test(text)) {
            if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text))
              throw this.error(
                "mtx_header_mismatch",
                `a real value "${text}" in an integer file`,
                "The banner should say real",
              );
            throw this.error("mtx_malformed", `expected an integer value, got "${text.slice(0, 80)}"`);
          }
          v = Number(text);
          if (v > INT32_MAX || v < -INT32_MAX - 1)
            throw this.error(
              "mtx_value_out_of_range",
              `value ${text} does not fit a 32-bit integer`,
              "Declare the field as real",
            );
        } else v = this.parseRealToken(text, this.line);
        const i = this.arrayRow;
        const j = this.arrayCol;
        if (v !== 0) {
          rowsOut[count] = i;
          colsOut[count] = j;
          values[count] = v;
          count++;
          if (symmetric && i !== j) {
            rowsOut[count] = j;
            colsOut[count] = i;
            values[count] = skew ? -v : v;
            count++;
          }
        }
        this.entriesRead++;
        this.line++;
        // advance in column-major order over the stored part (whole column, or the lower triangle)
        this.arrayRow++;
        if (this.arrayRow >= h.rows) {
          this.arrayCol++;
          this.arrayRow = symmetric ? this.arrayCol + (skew ? 1 : 0) : 0;
        }
      }
    } finally {
      this.count = count;
    }
  }

  private parseRealToken(text: string, line: number): number {
    const lower = text.toLowerCase();
    if (lower === "nan" || lower === "+nan" || lower === "-nan") return Number.NaN;
    if (lower === "inf" || lower === "+inf" || lower === "infinity" || lower === "+infinity")
      return Number.POSITIVE_INFINITY;
    if (lower === "-inf" || lower === "-infinity") return Number.NEGATIVE_INFINITY;
    const v = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : Number.NaN;
    if (Number.isNaN(v))
      throw this.error("mtx_malformed", `expected a real value, got "${text.slice(0, 80)}"`, undefined, line);
    return v;
  }

  private token(buf: Uint8Array, start: number): string {
    let e = start;
    while (e < buf.length && buf[e] !== SPACE && buf[e] !== TAB && buf[e] !== NL && buf[e] !== CR) e++;
    return latin1(buf, start, e);
  }

  private badToken(buf: Uint8Array, p: number, line: number, what: string): FormatError {
    let s = p;
    while (s > 0 && buf[s - 1] !== NL) s--;
    let e = p;
    while (e < buf.length && buf[e] !== NL) e++;
    return this.error(
      "mtx_malformed",
      `expected ${what} at column ${p - s + 1}, got "${latin1(buf, s, e).replace(/\r$/, "").slice(0, 80)}"`,
      undefined,
      line,
    );
  }
}
