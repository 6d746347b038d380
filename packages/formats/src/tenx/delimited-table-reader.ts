import { readTextLines } from "../compression/read-decompressed.js";
import type { DecompressedReadOptions } from "../compression/read-decompressed.js";
import type { Column } from "../frame/data-frame.js";

/** A small delimited text table (names files, cell metadata), read whole: these files are per cell or per gene. */
export interface TextTable {
  readonly path: string;
  readonly delimiter: "\t" | ",";
  readonly header: readonly string[] | undefined;
  readonly rows: readonly (readonly string[])[];
  /** 1-based line number of each row in the file, for error messages. */
  readonly lines: readonly number[];
}

/** Splits one CSV line honouring double quotes ("" inside quotes is a quote). */
function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"' && field === "") quoted = true;
    else if (ch === ",") {
      out.push(field);
      field = "";
    } else field += ch;
  }
  out.push(field);
  return out;
}

/**
 * Reads a TSV or CSV table (gzip allowed; delimiter sniffed from the first non-blank line: a tab wins).
 * `header: true` takes the first line as column names. Blank lines are skipped. The file is streamed: a truncated
 * or corrupt gzip fails with the file and compressed byte offset instead of giving the rows before the damage.
 */
export async function readDelimitedTable(
  path: string,
  options: { readonly header: boolean } & DecompressedReadOptions,
): Promise<TextTable> {
  let delimiter: "\t" | "," | undefined;
  let header: string[] | undefined;
  const rows: string[][] = [];
  const lineNumbers: number[] = [];
  for await (const { text, line } of readTextLines(path, options)) {
    if (text.trim() === "") continue;
    delimiter ??= text.includes("\t") || !text.includes(",") ? "\t" : ",";
    const fields = delimiter === "\t" ? text.split("\t") : splitCsvLine(text);
    if (options.header && header === undefined) {
      header = fields.map((f) => f.trim());
      continue;
    }
    rows.push(fields);
    lineNumbers.push(line);
  }
  return { path, delimiter: delimiter ?? "\t", header, rows, lines: lineNumbers };
}

const MISSING = new Set(["", "NA", "N/A", "NaN", "nan", "null", "NULL", "None"]);
const INT_RE = /^[+-]?\d+$/;
const FLOAT_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(inf|Inf|Infinity)$/;
const BOOLS: Record<string, boolean> = {
  true: true,
  false: false,
  TRUE: true,
  FALSE: false,
  True: true,
  False: false,
};

/**
 * Types a column of text values: int32 (or int64) when every present value is an integer, float64 when every one is
 * a number, bool for TRUE/FALSE, otherwise string. `NA`, empty and similar markers become nulls, never zeros.
 */
export function inferTextColumn(name: string, values: readonly (string | undefined)[]): Column {
  const n = values.length;
  const valid = new Uint8Array(n);
  let present = 0;
  let allInt = true;
  let allFloat = true;
  let allBool = true;
  let fitsInt32 = true;
  for (let i = 0; i < n; i++) {
    const v = values[i]?.trim();
    if (v === undefined || MISSING.has(v)) continue;
    valid[i] = 1;
    present++;
    if (allInt && INT_RE.test(v)) {
      const x = Number(v);
      if (!Number.isSafeInteger(x)) allInt = false;
      else if (x > 2147483647 || x < -2147483648) fitsInt32 = false;
    } else allInt = false;
    if (allFloat && !FLOAT_RE.test(v)) allFloat = false;
    if (allBool && !(v in BOOLS)) allBool = false;
  }
  const hasNull = present < n;
  const withValid = <C extends Column>(c: C): C => (hasNull ? { ...c, valid } : c);
  if (present > 0 && allInt) {
    if (fitsInt32)
      return withValid({
        name,
        type: { kind: "int32" },
        values: Int32Array.from(values, (v, i) => (valid[i] ? Number(v) : 0)),
      });
    return withValid({
      name,
      type: { kind: "int64" },
      values: BigInt64Array.from(values, (v, i) => (valid[i] ? BigInt(v!.trim()) : 0n)),
    });
  }
  if (present > 0 && allFloat)
    return withValid({
      name,
      type: { kind: "float64" },
      values: Float64Array.from(values, (v, i) => (valid[i] ? Number(v) : 0)),
    });
  if (present > 0 && allBool)
    return withValid({
      name,
      type: { kind: "bool" },
      values: Uint8Array.from(values, (v, i) => (valid[i] && BOOLS[v!.trim()] ? 1 : 0)),
    });
  return withValid({ name, type: { kind: "string" }, values: values.map((v, i) => (valid[i] ? v! : null)) });
}
