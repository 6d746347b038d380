import type { Column, DataFrame } from "../frame/data-frame.js";
import { FormatError } from "../convert/format-error.js";
import {
  H5T,
  attrBool,
  attrString,
  attrStrings,
  dtypeName,
  isBoolEnum,
  isDataset,
  isGroup,
  readValue,
  shapeOf,
  toStrings,
} from "./h5-reader.js";
import type { Dataset, Group, H5File } from "./h5-reader.js";

/** How each column of obs/var was stored, for the manifest. */
export interface FrameReport {
  readonly encoding: string;
  readonly indexName: string | undefined;
  readonly columns: Record<string, { readonly encoding: string; readonly dtype: string }>;
  /** Columns that could not be represented, with the reason (also turned into warnings). */
  readonly skipped: Record<string, string>;
}

type NumericArray = ArrayLike<number | bigint>;

function numericColumn(name: string, ds: Dataset, raw: unknown, valid?: Uint8Array): Column {
  const m = ds.metadata;
  const withValid = (c: Column): Column => (valid ? { ...c, valid } : c);
  if (m.type === H5T.ENUM && isBoolEnum(ds)) {
    return withValid({
      name,
      type: { kind: "bool" },
      values: Uint8Array.from(raw as NumericArray, (v) => (Number(v) !== 0 ? 1 : 0)),
    });
  }
  if (m.type === H5T.FLOAT) {
    return withValid(
      m.size <= 4
        ? {
            name,
            type: { kind: "float32" },
            values: raw instanceof Float32Array ? raw : Float32Array.from(raw as NumericArray, Number),
          }
        : {
            name,
            type: { kind: "float64" },
            values: raw instanceof Float64Array ? raw : Float64Array.from(raw as NumericArray, Number),
          },
    );
  }
  if (m.size < 4 || (m.size === 4 && m.signed)) {
    return withValid({
      name,
      type: { kind: "int32" },
      values: raw instanceof Int32Array ? raw : Int32Array.from(raw as NumericArray, Number),
    });
  }
  return withValid({
    name,
    type: { kind: "int64" },
    values: raw instanceof BigInt64Array ? raw : BigInt64Array.from(raw as NumericArray, (v) => BigInt(v)),
  });
}

function isNumericDataset(ds: Dataset): boolean {
  const t = ds.metadata.type;
  return t === H5T.INTEGER || t === H5T.FLOAT || (t === H5T.ENUM && isBoolEnum(ds));
}

/** Categories as labels: anndata allows numeric or boolean categories; the frame type keeps strings. */
function categoryLabels(file: string, ds: Dataset): string[] {
  const raw = readValue(file, ds);
  if (ds.metadata.type === H5T.STRING) return toStrings(raw);
  return Array.from(raw as NumericArray, (v) => String(v));
}

function categorical(
  name: string,
  codes: unknown,
  categories: string[],
  ordered: boolean,
  n: number,
): Column {
  const c = Int32Array.from(codes as NumericArray, Number);
  if (c.length !== n) throw new Error(`categorical ${name}: ${c.length} codes for ${n} rows`);
  return { name, type: { kind: "categorical", categories, ordered }, values: c };
}

/**
 * Reads one column element. Returns undefined (with a reason) for what a flat table cannot hold (2-D arrays,
 * nested frames); throws FormatError for a column that contradicts its own encoding.
 */
function readColumn(
  file: string,
  frame: Group,
  name: string,
  rows: number,
  oldCategories: Group | undefined,
): { column: Column; encoding: string; dtype: string } | { skip: string } {
  const obj = frame.get(name);
  if (obj === null) return { skip: "listed in column-order but missing" };
  const encoding = attrString(obj as Dataset | Group, "encoding-type");
  if (isDataset(obj)) {
    const shape = shapeOf(obj);
    if (shape.length !== 1) return { skip: `a ${shape.length}-D array cannot be a table column` };
    if (shape[0] !== rows)
      throw new FormatError("h5ad_malformed", `column has ${shape[0]} values for ${rows} rows`, {
        file,
        key: obj.path,
      });
    const raw = readValue(file, obj);
    // anndata 0.7 kept categories in a sibling `__categories` group and the codes in the column itself.
    const oldCats = oldCategories?.get(name);
    if (oldCats && isDataset(oldCats)) {
      return {
        column: categorical(
          name,
          raw,
          categoryLabels(file, oldCats),
          attrBool(obj, "ordered") ?? false,
          rows,
        ),
        encoding: "categorical (__categories)",
        dtype: dtypeName(obj),
      };
    }
    if (obj.metadata.type === H5T.STRING) {
      return {
        column: { name, type: { kind: "string" }, values: toStrings(raw) },
        encoding: encoding ?? "string-array",
        dtype: "string",
      };
    }
    if (isNumericDataset(obj))
      return { column: numericColumn(name, obj, raw), encoding: encoding ?? "array", dtype: dtypeName(obj) };
    return { skip: `values of HDF5 type ${dtypeName(obj)} are not supported` };
  }
  if (!isGroup(obj)) return { skip: "not a dataset or group" };
  if (encoding === "categorical") {
    const codes = obj.get("codes");
    const cats = obj.get("categories");
    if (!isDataset(codes) || !isDataset(cats))
      throw new FormatError("h5ad_malformed", "categorical without codes and categories", {
        file,
        key: obj.path,
      });
    return {
      column: categorical(
        name,
        readValue(file, codes),
        categoryLabels(file, cats),
        attrBool(obj, "ordered") ?? false,
        rows,
      ),
      encoding,
      dtype: `category[${dtypeName(cats)}]`,
    };
  }
  if (
    encoding === "nullable-integer" ||
    encoding === "nullable-boolean" ||
    encoding === "nullable-string-array"
  ) {
    const values = obj.get("values");
    const mask = obj.get("mask");
    if (!isDataset(values))
      throw new FormatError("h5ad_malformed", `${encoding} without values`, { file, key: obj.path });
    const raw = readValue(file, values);
    // mask[i] true means missing.
    const valid = isDataset(mask)
      ? Uint8Array.from(readValue(file, mask) as NumericArray, (v) => (Number(v) !== 0 ? 0 : 1))
      : undefined;
    if (encoding === "nullable-string-array") {
      return {
        column: { name, type: { kind: "string" }, values: toStrings(raw), ...(valid ? { valid } : {}) },
        encoding,
        dtype: "string",
      };
    }
    if (encoding === "nullable-boolean") {
      const values01 = Uint8Array.from(raw as NumericArray, (v) => (Number(v) !== 0 ? 1 : 0));
      return {
        column: { name, type: { kind: "bool" }, values: values01, ...(valid ? { valid } : {}) },
        encoding,
        dtype: "boolean",
      };
    }
    return { column: numericColumn(name, values, raw, valid), encoding, dtype: dtypeName(values) };
  }
  return { skip: `encoding "${encoding ?? "none"}" is not a column type` };
}

/**
 * Reads an obs/var data frame in any anndata encoding: the current one (`encoding-type: dataframe` with
 * `_index` and `column-order`, categoricals as groups, nullable arrays), anndata 0.7's (`__categories` group),
 * and the pre-0.7 compound dataset (one structured array, categories in `uns/<col>_categories`).
 */
export function readH5adFrame(
  file: string,
  h5: H5File,
  path: string,
  expectedRows: number | undefined,
): { frame: DataFrame; report: FrameReport } {
  const obj = h5.get(path);
  if (obj === null) {
    if (expectedRows === undefined)
      throw new FormatError("h5ad_malformed", `no /${path} and no matrix to size it from`, {
        file,
        key: `/${path}`,
      });
    return {
      frame: { rowCount: expectedRows, columns: [] },
      report: { encoding: "absent", indexName: undefined, columns: {}, skipped: {} },
    };
  }
  if (isDataset(obj)) return readCompoundFrame(file, h5, obj, path);
  if (!isGroup(obj))
    throw new FormatError("h5ad_malformed", "neither a group nor a dataset", {
      file,
      key: `/${path}`,
    });
  const indexKey =
    attrString(obj, "_index") ??
    (obj.keys().includes("_index") ? "_index" : obj.keys().includes("index") ? "index" : undefined);
  const indexDs = indexKey === undefined ? null : obj.get(indexKey);
  const index = isDataset(indexDs) ? toStrings(readValue(file, indexDs)) : undefined;
  const rows = index?.length ?? expectedRows;
  if (rows === undefined)
    throw new FormatError("h5ad_malformed", "cannot tell the number of rows (no index)", {
      file,
      key: `/${path}`,
    });
  if (expectedRows !== undefined && rows !== expectedRows) {
    throw new FormatError("h5ad_malformed", `${path} has ${rows} rows but the matrix has ${expectedRows}`, {
      file,
      key: `/${path}`,
    });
  }
  const oldCategories = obj.get("__categories");
  const order =
    attrStrings(obj, "column-order") ?? obj.keys().filter((k) => k !== indexKey && k !== "__categories");
  const columns: Column[] = [];
  const report: FrameReport = {
    encoding: attrString(obj, "encoding-type") ?? "group (no encoding-type)",
    indexName: indexKey,
    columns: {},
    skipped: {},
  };
  for (const name of order) {
    if (name === indexKey) continue;
    const read = readColumn(file, obj, name, rows, isGroup(oldCategories) ? oldCategories : undefined);
    if ("skip" in read) {
      report.skipped[name] = read.skip;
      continue;
    }
    columns.push(read.column);
    report.columns[name] = { encoding: read.encoding, dtype: read.dtype };
  }
  const frame: DataFrame = index
    ? { rowCount: rows, columns, index: { name: "_index", type: { kind: "string" }, values: index } }
    : { rowCount: rows, columns };
  return { frame, report };
}

/** anndata < 0.7: obs/var as one compound (structured numpy) dataset. */
function readCompoundFrame(
  file: string,
  h5: H5File,
  ds: Dataset,
  path: string,
): { frame: DataFrame; report: FrameReport } {
  const members = ds.metadata.compound_type?.members;
  if (!members)
    throw new FormatError("h5ad_unsupported", `/${path} is a dataset but not a structured (compound) array`, {
      file,
      key: ds.path,
    });
  const rows = shapeOf(ds)[0] ?? 0;
  const table = readValue(file, ds) as unknown[][];
  const report: FrameReport = {
    encoding: "compound (anndata < 0.7)",
    indexName: undefined,
    columns: {},
    skipped: {},
  };
  const columns: Column[] = [];
  let index: string[] | undefined;
  members.forEach((member, m) => {
    const values = table.map((row) => row[m]);
    if (member.name === "index" && index === undefined) {
      index = toStrings(values);
      report.columns[member.name] = { encoding: "compound field (index)", dtype: "string" };
      (report as { indexName: string | undefined }).indexName = "index";
      return;
    }
    const cats = h5.get(`uns/${member.name}_categories`);
    if (isDataset(cats) && member.type === H5T.INTEGER) {
      columns.push(categorical(member.name, values, categoryLabels(file, cats), false, rows));
      report.columns[member.name] = { encoding: "compound field + uns categories", dtype: "category" };
      return;
    }
    if (member.type === H5T.STRING) {
      columns.push({ name: member.name, type: { kind: "string" }, values: toStrings(values) });
      report.columns[member.name] = { encoding: "compound field", dtype: "string" };
      return;
    }
    if (member.type === H5T.FLOAT) {
      columns.push({
        name: member.name,
        type: { kind: member.size <= 4 ? "float32" : "float64" },
        values: Float64Array.from(values as NumericArray, Number),
      });
      report.columns[member.name] = { encoding: "compound field", dtype: `float${member.size * 8}` };
      return;
    }
    if (member.type === H5T.INTEGER || member.type === H5T.ENUM) {
      const wide = member.size > 4 || (member.size === 4 && !member.signed);
      columns.push(
        member.type === H5T.ENUM
          ? {
              name: member.name,
              type: { kind: "bool" },
              values: Uint8Array.from(values as NumericArray, (v) => (Number(v) !== 0 ? 1 : 0)),
            }
          : wide
            ? {
                name: member.name,
                type: { kind: "int64" },
                values: BigInt64Array.from(values as NumericArray, (v) => BigInt(v)),
              }
            : {
                name: member.name,
                type: { kind: "int32" },
                values: Int32Array.from(values as NumericArray, Number),
              },
      );
      report.columns[member.name] = {
        encoding: "compound field",
        dtype: member.type === H5T.ENUM ? "bool" : `${member.signed ? "int" : "uint"}${member.size * 8}`,
      };
      return;
    }
    report.skipped[member.name] = `compound field of HDF5 type class ${member.type} is not supported`;
  });
  const frame: DataFrame = index
    ? { rowCount: rows, columns, index: { name: "_index", type: { kind: "string" }, values: index } }
    : { rowCount: rows, columns };
  return { frame, report };
}
