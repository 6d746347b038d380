import { FormatError } from "../convert/format-error.js";
import type { Column, DataFrame } from "../frame/data-frame.js";
import { rClass, rLength, rNames } from "./r-value.js";
import type { RValue } from "./r-value.js";

/** One table an R object turns into; `name` is the path inside the object (`table` for the top level). */
export interface RdsTable {
  readonly name: string;
  /** What the R object was: `data.frame`, `dgCMatrix`, `vector`, `matrix`, ... */
  readonly rClass: string;
  readonly frame: DataFrame;
}

const MS_PER_DAY = 86_400_000;

/**
 * Turns an R object into tables: a data.frame is one table; a Matrix sparse matrix becomes long-format
 * triplets (`row`, `col`, `row_name`, `col_name`, `value`, 0-based indices); an atomic vector a (`name`,) `value`
 * table; a list is walked and each element converted under `parent.key`. Things that hold no data (NULL,
 * environments) are reported in `skipped`.
 */
export function rValueToTables(
  value: RValue,
  file: string,
  name = "table",
): { tables: RdsTable[]; skipped: string[] } {
  const tables: RdsTable[] = [];
  const skipped: string[] = [];
  walk(value, name, file, tables, skipped, 0);
  return { tables, skipped };
}

function walk(
  value: RValue,
  name: string,
  file: string,
  tables: RdsTable[],
  skipped: string[],
  depth: number,
): void {
  const cls = rClass(value);
  if (cls.includes("data.frame") && value.kind === "list") {
    tables.push({ name, rClass: "data.frame", frame: dataFrameFromR(value, file, name) });
    return;
  }
  if (value.kind === "s4") {
    const matrixClass = cls[0] ?? "S4";
    tables.push({ name, rClass: matrixClass, frame: sparseMatrixFromR(value, matrixClass, file, name) });
    return;
  }
  switch (value.kind) {
    case "list":
    case "pairlist": {
      const items = value.kind === "list" ? value.values : value.entries.map((e) => e.value);
      const names = value.kind === "list" ? rNames(value) : value.entries.map((e) => e.tag);
      items.forEach((item, i) => {
        const key = names?.[i] || `[${i + 1}]`;
        walk(
          item,
          depth === 0 && name === "table" ? key : `${name}.${key}`,
          file,
          tables,
          skipped,
          depth + 1,
        );
      });
      return;
    }
    case "logical":
    case "integer":
    case "double":
    case "complex":
    case "character":
    case "raw": {
      const dim = value.attributes.get("dim");
      if (dim?.kind === "integer" && dim.values.length === 2) {
        tables.push({ name, rClass: "matrix", frame: denseMatrixFromR(value, dim.values, file, name) });
        return;
      }
      const columns: Column[] = [];
      const names = rNames(value);
      if (names !== undefined) columns.push({ name: "name", type: { kind: "string" }, values: names });
      columns.push(...vectorColumns("value", value, file, name));
      tables.push({ name, rClass: cls[0] ?? value.kind, frame: { rowCount: rLength(value), columns } });
      return;
    }
    default:
      if (value.kind === "opaque") {
        throw new FormatError(
          "unsupported_r_type",
          `RDS: cannot convert ${value.description} (${value.sexp})${name === "table" ? "" : ` (element ${name})`}`,
          {
            file,
            byteOffset: value.offset,
            hint: "Save only data (data.frame, vectors, lists, Matrix objects), e.g. drop environments and functions before saveRDS().",
          },
        );
      }
      skipped.push(`${name}: ${value.kind} holds no data`);
  }
}

function dataFrameFromR(value: Extract<RValue, { kind: "list" }>, file: string, name: string): DataFrame {
  const names = rNames(value) ?? [];
  const columns: Column[] = [];
  value.values.forEach((col, i) =>
    columns.push(...vectorColumns(names[i] ?? `V${i + 1}`, col, file, `${name}$${names[i] ?? i + 1}`)),
  );
  const rowNames = value.attributes.get("row.names");
  let rowCount = columns.length > 0 ? (columns[0]?.values.length ?? 0) : 0;
  let index: Column | undefined;
  if (rowNames?.kind === "integer") {
    // The compact form c(NA_integer_, -n) (or +n) stands for 1..n and carries no labels.
    if (rowNames.values.length === 2 && rowNames.na?.[0]) rowCount = Math.abs(rowNames.values[1] ?? 0);
    else rowCount = rowNames.values.length;
  } else if (rowNames?.kind === "character") {
    rowCount = rowNames.values.length;
    index = { name: "_index", type: { kind: "string" }, values: rowNames.values };
  } else if (rowNames?.kind === "double") {
    rowCount = rowNames.values.length;
  }
  for (const c of columns) {
    if (c.values.length !== rowCount) {
      throw new FormatError(
        "rds_malformed",
        `RDS: data.frame column "${c.name}" has ${c.values.length} values but the frame has ${rowCount} rows`,
        {
          file,
          key: name,
          hint: "The data.frame is inconsistent; rebuild it with data.frame() in R and re-save.",
        },
      );
    }
  }
  return index === undefined ? { rowCount, columns } : { rowCount, columns, index };
}

/** One R atomic vector as a column (complex numbers become two columns `name_re`, `name_im`). */
function vectorColumns(name: string, v: RValue, file: string, where: string): Column[] {
  const cls = rClass(v);
  const n = rLength(v);
  switch (v.kind) {
    case "integer": {
      const valid = validFromNa(v.na, n);
      if (cls.includes("factor")) {
        const levels = v.attributes.get("levels");
        const categories = levels?.kind === "character" ? levels.values.map((s) => s ?? "NA") : [];
        const codes = new Int32Array(n);
        for (let i = 0; i < n; i++) codes[i] = v.na?.[i] ? -1 : (v.values[i] ?? 0) - 1;
        return [
          withValid(
            {
              name,
              type: { kind: "categorical", categories, ordered: cls.includes("ordered") },
              values: codes,
            },
            valid,
          ),
        ];
      }
      if (cls.includes("Date"))
        return [
          withValid(
            {
              name,
              type: { kind: "timestamp", unit: "ms" },
              values: Array.from(v.values, (d) => d * MS_PER_DAY),
            },
            valid,
          ),
        ];
      return [withValid({ name, type: { kind: "int32" }, values: v.values }, valid)];
    }
    case "double": {
      const valid = validFromNa(v.na, n);
      if (cls.includes("Date"))
        return [
          withValid(
            {
              name,
              type: { kind: "timestamp", unit: "ms" },
              values: Array.from(v.values, (d) => Math.round(d * MS_PER_DAY)),
            },
            valid,
          ),
        ];
      if (cls.includes("POSIXct")) {
        const tzone = v.attributes.get("tzone");
        const tz = tzone?.kind === "character" && tzone.values[0] ? tzone.values[0] : undefined;
        const type =
          tz === undefined
            ? ({ kind: "timestamp", unit: "ms" } as const)
            : ({ kind: "timestamp", unit: "ms", tz } as const);
        return [withValid({ name, type, values: Array.from(v.values, (s) => Math.round(s * 1000)) }, valid)];
      }
      return [withValid({ name, type: { kind: "float64" }, values: v.values }, valid)];
    }
    case "logical":
      return [
        withValid(
          { name, type: { kind: "bool" }, values: Array.from(v.values, (b) => b === 1) },
          validFromNa(v.na, n),
        ),
      ];
    case "character":
      return [{ name, type: { kind: "string" }, values: v.values }];
    case "complex": {
      const re = new Float64Array(n);
      const im = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        re[i] = v.values[2 * i] ?? 0;
        im[i] = v.values[2 * i + 1] ?? 0;
      }
      const valid = validFromNa(v.na, n);
      return [
        withValid({ name: `${name}_re`, type: { kind: "float64" }, values: re }, valid),
        withValid({ name: `${name}_im`, type: { kind: "float64" }, values: im }, valid),
      ];
    }
    case "raw":
      return [{ name, type: { kind: "int32" }, values: Int32Array.from(v.values) }];
    default:
      throw new FormatError(
        "unsupported_r_type",
        `RDS: column "${name}" is ${describe(v)}, which has no table representation`,
        {
          file,
          key: where,
          hint: "Flatten list columns (e.g. with tidyr::unnest or sapply(x, toString)) before saveRDS().",
        },
      );
  }
}

/** Matrix package sparse classes: column-compressed (i, p) or triplet (i, j); x absent for pattern matrices. */
function sparseMatrixFromR(v: RValue, cls: string, file: string, where: string): DataFrame {
  const slot = (k: string): RValue | undefined => v.attributes.get(k);
  const fail = (reason: string): FormatError =>
    new FormatError("unsupported_r_type", `RDS: cannot convert the S4 object of class "${cls}": ${reason}`, {
      file,
      key: where,
      hint: 'Supported S4 classes are the Matrix package\'s general sparse matrices (dgCMatrix, dgTMatrix, lgCMatrix, ngCMatrix, ...); convert others with as(x, "CsparseMatrix").',
    });
  if (!/^[dlni]g[CT]Matrix$/.test(cls)) throw fail("not a general sparse matrix");
  const dim = slot("Dim");
  const i = slot("i");
  if (dim?.kind !== "integer" || i?.kind !== "integer") throw fail("missing Dim or i slot");
  const nrow = dim.values[0] ?? 0;
  const ncol = dim.values[1] ?? 0;
  const nnz = i.values.length;
  const rows = Int32Array.from(i.values);
  const cols = new Int32Array(nnz);
  if (cls.endsWith("CMatrix")) {
    const p = slot("p");
    if (p?.kind !== "integer" || p.values.length !== ncol + 1) throw fail("p slot is not Dim[2] + 1 long");
    for (let c = 0; c < ncol; c++) {
      const from = p.values[c] ?? 0;
      const to = p.values[c + 1] ?? 0;
      if (from > to || to > nnz) throw fail(`p slot is not non-decreasing within nnz at column ${c}`);
      cols.fill(c, from, to);
    }
  } else {
    const j = slot("j");
    if (j?.kind !== "integer" || j.values.length !== nnz) throw fail("j slot is missing or not as long as i");
    cols.set(j.values);
  }
  const x = slot("x");
  let values: Float64Array;
  let valid: Uint8Array | undefined;
  if (x === undefined) values = new Float64Array(nnz).fill(1);
  else if (x.kind === "double" || x.kind === "integer" || x.kind === "logical") {
    values = x.kind === "double" ? x.values : Float64Array.from(x.values);
    valid = validFromNa(x.na, nnz);
  } else throw fail("x slot is not numeric");
  for (let k = 0; k < nnz; k++) {
    const r = rows[k] ?? 0;
    const c = cols[k] ?? 0;
    if (r < 0 || r >= nrow || c < 0 || c >= ncol)
      throw fail(`entry ${k} at (${r}, ${c}) is outside Dim ${nrow} x ${ncol}`);
  }
  const dimnames = slot("Dimnames");
  const rowLabels = axisLabels(dimnames, 0);
  const colLabels = axisLabels(dimnames, 1);
  const columns: Column[] = [
    { name: "row", type: { kind: "int32" }, values: rows },
    { name: "col", type: { kind: "int32" }, values: cols },
  ];
  if (rowLabels !== undefined) columns.push(labelColumn("row_name", rows, rowLabels));
  if (colLabels !== undefined) columns.push(labelColumn("col_name", cols, colLabels));
  columns.push(withValid({ name: "value", type: { kind: "float64" }, values }, valid));
  return { rowCount: nnz, columns };
}

/** The labels of one axis (0: rows, 1: columns) of a matrix's dimnames list, when they are strings. */
function axisLabels(dimnames: RValue | undefined, axis: 0 | 1): readonly (string | null)[] | undefined {
  if (dimnames?.kind !== "list") return undefined;
  const labels = dimnames.values[axis];
  return labels?.kind === "character" ? labels.values : undefined;
}

/**
 * Dimnames per nonzero without one string per entry: a categorical whose codes are the indices themselves (the
 * Parquet writer stores it dictionary-encoded), so 100 M nonzeros cost no extra memory. Duplicate or missing
 * labels cannot be categories; those fall back to plain strings.
 */
function labelColumn(name: string, indices: Int32Array, labels: readonly (string | null)[]): Column {
  const unique = new Set(labels);
  if (unique.size === labels.length && !unique.has(null)) {
    return {
      name,
      type: { kind: "categorical", categories: labels as readonly string[], ordered: false },
      values: indices,
    };
  }
  return { name, type: { kind: "string" }, values: Array.from(indices, (i) => labels[i] ?? null) };
}

/** A dense R matrix as a wide table: one column per matrix column, row names as the index. */
function denseMatrixFromR(v: RValue, dim: Int32Array, file: string, where: string): DataFrame {
  const nrow = dim[0] ?? 0;
  const ncol = dim[1] ?? 0;
  const dimnames = v.attributes.get("dimnames");
  const rowLabels = axisLabels(dimnames, 0);
  const colLabels = axisLabels(dimnames, 1);
  const columns: Column[] = [];
  for (let c = 0; c < ncol; c++) {
    const colName = colLabels?.[c] ?? `V${c + 1}`;
    const slice = sliceVector(v, c * nrow, (c + 1) * nrow);
    columns.push(...vectorColumns(colName, slice, file, where));
  }
  const frame: DataFrame = { rowCount: nrow, columns };
  return rowLabels === undefined
    ? frame
    : { ...frame, index: { name: "_index", type: { kind: "string" }, values: rowLabels } };
}

function sliceVector(v: RValue, from: number, to: number): RValue {
  const attributes = new Map<string, RValue>();
  switch (v.kind) {
    case "logical":
    case "integer":
    case "double":
      return { ...v, values: v.values.slice(from, to) as never, na: v.na?.slice(from, to), attributes };
    case "complex":
      return { ...v, values: v.values.slice(2 * from, 2 * to), na: v.na?.slice(from, to), attributes };
    case "character":
      return { ...v, values: v.values.slice(from, to), attributes };
    case "raw":
      return { ...v, values: v.values.slice(from, to), attributes };
    default:
      return v;
  }
}

function validFromNa(na: Uint8Array | undefined, n: number): Uint8Array | undefined {
  if (na === undefined) return undefined;
  const valid = new Uint8Array(n);
  for (let i = 0; i < n; i++) valid[i] = na[i] ? 0 : 1;
  return valid;
}

function withValid(c: Column, valid: Uint8Array | undefined): Column {
  return valid === undefined ? c : { ...c, valid };
}

function describe(v: RValue): string {
  switch (v.kind) {
    case "list":
      return "a list";
    case "s4":
      return `an S4 object (${rClass(v).join(", ")})`;
    default:
      return `an R ${v.kind}`;
  }
}
