import type { ConversionResult, ConvertOptions } from "../convert/conversion-result.js";
import type { Column, DataFrame } from "../frame/data-frame.js";
import { writeDataFrameParquet } from "../parquet/data-frame-parquet-writer.js";
import { withStagedOutputDir } from "../parquet/staged-output-dir.js";
import type { StagedOutputDir } from "../parquet/staged-output-dir.js";
import { writeTripletPartsParquet } from "../parquet/triplet-parquet-writer.js";
import { FormatError } from "../convert/format-error.js";
import { convertHdf5File } from "./hdf5-conversion.js";
import { readH5adFrame } from "./h5ad-frame-reader.js";
import type { FrameReport } from "./h5ad-frame-reader.js";
import { compressedSparseSource, denseSource } from "./h5-matrix-source.js";
import type { MatrixSource, MatrixSourceInfo, MatrixSourceOptions } from "./h5-matrix-source.js";
import {
  H5T,
  attrNumbers,
  attrString,
  dtypeName,
  isDataset,
  isGroup,
  readValue,
  shapeOf,
  toStrings,
} from "./h5-reader.js";
import type { Dataset, Group, H5File } from "./h5-reader.js";
import { commonOptions, type Converter } from "../convert/converter.js";

export interface H5adConvertOptions extends ConvertOptions {
  /** Stored matrix entries read per slice (default 1,048,576); memory is bounded by this, not by X. */
  readonly chunkEntries?: number;
  /**
   * Stored entries per matrix file (default 8,388,608): a larger matrix is written as several files of whole rows,
   * encoded at once. The files depend on this and the input only.
   */
  readonly partEntries?: number;
  /** Matrix files encoded at once (default: the machine's cores); the output does not depend on it. */
  readonly concurrency?: number;
}

/** Default stored entries per matrix file: ~10 MB of Parquet, enough rows that a file's start-up cost is small. */
export const DEFAULT_PART_ENTRIES = 1 << 23;

/**
 * The files of a matrix: `matrix.<name>.parquet` when it fits in one part, else `matrix.<name>.part-00000.parquet`,
 * `…part-00001…`, in row order (readers take the list from the manifest's `files`).
 */
export function matrixFileNames(name: string, parts: number): string[] {
  if (parts === 1) return [`matrix.${name}.parquet`];
  return Array.from({ length: parts }, (_, i) => `matrix.${name}.part-${String(i).padStart(5, "0")}.parquet`);
}

/** Opens the matrix element at `obj` (dense dataset, or a CSR/CSC group in the current or the h5sparse encoding). */
export function openH5adMatrix(
  file: string,
  obj: Dataset | Group,
  options: MatrixSourceOptions,
): MatrixSource {
  if (isDataset(obj)) return denseSource(file, obj, options);
  const encoding = attrString(obj, "encoding-type");
  const legacy = attrString(obj, "h5sparse_format");
  const format =
    encoding === "csr_matrix" || legacy === "csr"
      ? "csr_matrix"
      : encoding === "csc_matrix" || legacy === "csc"
        ? "csc_matrix"
        : undefined;
  if (format === undefined) {
    throw new FormatError(
      "h5ad_unsupported",
      `matrix group with encoding "${encoding ?? legacy ?? "none"}" (expected csr_matrix or csc_matrix)`,
      {
        file,
        key: obj.path,
      },
    );
  }
  const shape = attrNumbers(obj, "shape") ?? attrNumbers(obj, "h5sparse_shape");
  const data = obj.get("data");
  const indices = obj.get("indices");
  const indptr = obj.get("indptr");
  if (!shape || shape.length !== 2 || !isDataset(data) || !isDataset(indices) || !isDataset(indptr)) {
    throw new FormatError("h5ad_malformed", "sparse matrix without shape, data, indices and indptr", {
      file,
      key: obj.path,
    });
  }
  return compressedSparseSource(
    file,
    { data, indices, indptr },
    { encoding: format, shape: [shape[0]!, shape[1]!], majorIsCell: format === "csr_matrix" },
    options,
  );
}

/** Shape [n_obs, n_vars] of a matrix element without reading it. */
function matrixShape(obj: Dataset | Group): [number, number] | undefined {
  if (isDataset(obj)) {
    const s = shapeOf(obj);
    return s.length === 2 ? [s[0]!, s[1]!] : undefined;
  }
  const s = attrNumbers(obj, "shape") ?? attrNumbers(obj, "h5sparse_shape");
  return s && s.length === 2 ? [s[0]!, s[1]!] : undefined;
}

const MAX_UNS_ARRAY = 10_000;

/** `uns` as JSON: nested dicts, scalars and small arrays; large or non-JSON elements are described, not inlined. */
function unsToJson(file: string, obj: Dataset | Group, depth: number): unknown {
  if (depth > 20) return { _omitted: "nested too deep" };
  const encoding = attrString(obj, "encoding-type");
  if (isGroup(obj)) {
    if (encoding !== undefined && encoding !== "dict")
      return { _encoding: encoding, _omitted: "not converted to JSON" };
    const out: Record<string, unknown> = {};
    for (const key of obj.keys()) {
      const child = obj.get(key);
      if (isDataset(child) || isGroup(child)) out[key] = unsToJson(file, child, depth + 1);
    }
    return out;
  }
  const shape = shapeOf(obj);
  const count = shape.reduce((a, b) => a * b, 1);
  if (count > MAX_UNS_ARRAY)
    return { _dtype: dtypeName(obj), _shape: shape, _omitted: "too large for the manifest" };
  const t = obj.metadata.type;
  if (t !== H5T.STRING && t !== H5T.INTEGER && t !== H5T.FLOAT && t !== H5T.ENUM)
    return { _dtype: dtypeName(obj), _omitted: "not a JSON type" };
  const raw = readValue(file, obj);
  const bool = dtypeName(obj) === "bool";
  const scalar = (v: unknown): unknown => {
    if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
    if (typeof v === "number") return bool ? v !== 0 : Number.isFinite(v) ? v : String(v);
    if (v instanceof Uint8Array) return Buffer.from(v).toString("utf8");
    return v;
  };
  if (shape.length === 0)
    return scalar(Array.isArray(raw) || ArrayBuffer.isView(raw) ? (raw as ArrayLike<unknown>)[0] : raw);
  const flat = t === H5T.STRING ? toStrings(raw) : Array.from(raw as ArrayLike<unknown>, scalar);
  if (shape.length === 1) return flat;
  // Row-major nesting for 2-D and higher.
  const nest = (offset: number, dim: number): unknown[] => {
    const size = shape[dim]!;
    const stride = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: size }, (_, i) =>
      dim === shape.length - 1 ? flat[offset + i] : nest(offset + i * stride, dim + 1),
    );
  };
  return nest(0, 0);
}

/** obsm/varm: each 2-D numeric array becomes one list column; other elements are reported as skipped. */
function readEmbeddings(
  file: string,
  h5: H5File,
  path: "obsm" | "varm",
  rows: number,
  skipped: Record<string, string>,
): { columns: Column[]; info: Record<string, unknown> } {
  const group = h5.get(path);
  const columns: Column[] = [];
  const info: Record<string, unknown> = {};
  if (!isGroup(group)) return { columns, info };
  for (const key of group.keys()) {
    const obj = group.get(key);
    if (!isDataset(obj)) {
      skipped[`${path}/${key}`] =
        `encoding "${isGroup(obj) ? (attrString(obj, "encoding-type") ?? "group") : "unknown"}" is not a dense array`;
      continue;
    }
    const shape = shapeOf(obj);
    const t = obj.metadata.type;
    if ((t !== H5T.FLOAT && t !== H5T.INTEGER) || shape.length < 1 || shape.length > 2 || shape[0] !== rows) {
      skipped[`${path}/${key}`] =
        `shape [${shape.join(", ")}] of ${dtypeName(obj)} is not a ${rows}-row numeric array`;
      continue;
    }
    const width = shape[1] ?? 1;
    const raw = readValue(file, obj) as ArrayLike<number | bigint>;
    columns.push({
      name: key,
      type: { kind: "float64_list", size: width },
      values: Float64Array.from(raw, Number),
    });
    info[key] = { shape, dtype: dtypeName(obj) };
  }
  return { columns, info };
}

const safeName = (name: string): string => name.replace(/[^A-Za-z0-9._-]/g, "_");

function withPosition(frame: DataFrame, name: string): DataFrame {
  const position: Column = {
    name,
    type: { kind: "int32" },
    values: Int32Array.from({ length: frame.rowCount }, (_, i) => i),
  };
  const clash = frame.columns.some((c) => c.name === name);
  return { ...frame, columns: clash ? frame.columns : [position, ...frame.columns] };
}

/**
 * Converts an AnnData `.h5ad` file: `obs.parquet`, `var.parquet` (index as `_index`, plus `cell_idx`/`gene_idx`
 * positions), `matrix.X.parquet` and `matrix.<layer>.parquet` (stored entries in long format: `cell_idx`,
 * `gene_idx`, `value`), `obsm.parquet`/`varm.parquet` (one list column per embedding) and `manifest.json`
 * (shape, encodings, dtypes, nnz per matrix, `uns` as JSON). Nothing is left in `outDir` on failure.
 *
 * @example const result = await convertH5ad("pbmc.h5ad", "out/pbmc")
 */
export async function convertH5ad(
  path: string,
  outDir: string,
  options: H5adConvertOptions = {},
): Promise<ConversionResult> {
  return convertHdf5File(path, "h5ad", async (h5, warnings) => {
    const x = h5.get("X");
    const xElement = isDataset(x) || isGroup(x) ? x : undefined;
    const xShape = xElement ? matrixShape(xElement) : undefined;
    if (xElement && !xShape)
      throw new FormatError("h5ad_malformed", "X has no 2-D shape", { file: path, key: "/X" });
    const obs = readH5adFrame(path, h5, "obs", xShape?.[0]);
    const variables = readH5adFrame(path, h5, "var", xShape?.[1]);
    const nObs = obs.frame.rowCount;
    const nVar = variables.frame.rowCount;
    const skipped: Record<string, string> = {};
    for (const [report, where] of [
      [obs.report, "obs"],
      [variables.report, "var"],
    ] as [FrameReport, string][]) {
      for (const [col, why] of Object.entries(report.skipped)) skipped[`${where}/${col}`] = why;
    }

    const matrices: { name: string; element: Dataset | Group }[] = [];
    if (xElement) matrices.push({ name: "X", element: xElement });
    const layers = h5.get("layers");
    if (isGroup(layers)) {
      for (const key of layers.keys()) {
        const element = layers.get(key);
        if (!isDataset(element) && !isGroup(element)) continue;
        const shape = matrixShape(element);
        if (!shape || shape[0] !== nObs || shape[1] !== nVar) {
          skipped[`layers/${key}`] =
            `shape ${shape ? shape.join(" x ") : "unknown"} differs from ${nObs} x ${nVar}`;
          continue;
        }
        if (key === "X" || matrices.some((m) => safeName(m.name) === safeName(key))) {
          skipped[`layers/${key}`] = "its file name would collide with another matrix";
          continue;
        }
        matrices.push({ name: key, element });
      }
    }
    // .raw (often the counts before normalisation): its own var table, same cells.
    let rawVar: ReturnType<typeof readH5adFrame> | undefined;
    const rawGroup = h5.get("raw");
    const rawX = isGroup(rawGroup) ? rawGroup.get("X") : null;
    if (isDataset(rawX) || isGroup(rawX)) {
      const shape = matrixShape(rawX);
      if (!shape || shape[0] !== nObs) {
        skipped["raw"] = `raw/X shape ${shape ? shape.join(" x ") : "unknown"} does not have ${nObs} cells`;
      } else if (matrices.some((m) => safeName(m.name) === "raw")) {
        skipped["raw"] = "a layer is already named raw";
      } else {
        rawVar = readH5adFrame(path, h5, "raw/var", shape[1]);
        matrices.push({ name: "raw", element: rawX });
        for (const [col, why] of Object.entries(rawVar.report.skipped)) skipped[`raw/var/${col}`] = why;
      }
    }
    for (const extra of ["obsp", "varp"]) {
      const obj = h5.get(extra);
      if (isGroup(obj) && obj.keys().length > 0) skipped[extra] = `not converted (${obj.keys().join(", ")})`;
    }

    const obsm = readEmbeddings(path, h5, "obsm", nObs, skipped);
    const varm = readEmbeddings(path, h5, "varm", nVar, skipped);
    const unsObj = h5.get("uns");
    const uns = isGroup(unsObj) ? unsToJson(path, unsObj, 0) : {};

    for (const [what, why] of Object.entries(skipped)) warnings.push(`${what}: ${why}`);

    // Totals first so progress has a denominator; each source is opened again when its file is written.
    const progressTotal = matrices.reduce((sum, m) => {
      const s = matrixShape(m.element)!;
      if (isDataset(m.element)) return sum + s[0] * s[1];
      const indptr = m.element.get("indptr");
      const len = isDataset(indptr) ? (shapeOf(indptr)[0] ?? 1) : 1;
      const last = isDataset(indptr)
        ? Number((readValue(path, indptr) as ArrayLike<number | bigint>)[len - 1] ?? 0)
        : 0;
      return sum + last;
    }, 0);
    let progressBase = 0;

    return await withStagedOutputDir(outDir, async (stage: StagedOutputDir) => {
      const matrixInfo: Record<
        string,
        MatrixSourceInfo & {
          file?: string;
          files: string[];
          parts: { cells?: [number, number]; genes?: [number, number]; nnz: number }[];
          nnz: number;
          var_table: string;
        }
      > = {};
      for (const m of matrices) {
        const name = safeName(m.name);
        const base = progressBase;
        const done: number[] = [];
        const { info, parts } = openH5adMatrix(path, m.element, {
          chunkEntries: options.chunkEntries,
          signal: options.signal,
        });
        const ranges = parts(Math.max(1, options.partEntries ?? DEFAULT_PART_ENTRIES));
        const files = matrixFileNames(name, ranges.length);
        const written = await writeTripletPartsParquet(
          ranges.map((range, i) => ({
            path: stage.path(files[i]!),
            // Each part reports its own count; progress is their sum.
            open: () => {
              const source = range.open();
              let before = 0;
              return () => {
                const batch = source();
                const position = batch === undefined ? range.entries : before + batch.length;
                done[i] = Math.min(range.entries, position);
                before = position;
                options.onProgress?.(base + done.reduce((a, b) => a + (b ?? 0), 0), progressTotal);
                return batch;
              };
            },
          })),
          {
            valueType: info.valueType,
            ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
            metadata: {
              "omicslake.matrix": JSON.stringify({
                source: "h5ad",
                element: m.name,
                encoding: info.encoding,
                dtype: info.dtype,
                order: info.order,
              }),
            },
          },
        );
        written.forEach((summary, i) => stage.add(files[i]!, `matrix_${name}`, summary));
        const axis = info.order === "by cell" ? "cells" : "genes";
        // gene_idx of the raw matrix points into raw_var.parquet, every other one into var.parquet.
        matrixInfo[m.name] = {
          ...info,
          ...(files.length === 1 ? { file: files[0]! } : {}),
          files,
          parts: ranges.map((r, i) => ({ [axis]: [r.majorStart, r.majorEnd], nnz: written[i]!.rows })),
          nnz: written.reduce((sum, w) => sum + w.rows, 0),
          var_table: m.name === "raw" && rawVar ? "raw_var" : "var",
        };
        progressBase += info.storedEntries;
      }
      stage.add(
        "obs.parquet",
        "obs",
        await writeDataFrameParquet(withPosition(obs.frame, "cell_idx"), stage.path("obs.parquet")),
      );
      stage.add(
        "var.parquet",
        "var",
        await writeDataFrameParquet(withPosition(variables.frame, "gene_idx"), stage.path("var.parquet")),
      );
      if (rawVar) {
        stage.add(
          "raw_var.parquet",
          "raw_var",
          await writeDataFrameParquet(withPosition(rawVar.frame, "gene_idx"), stage.path("raw_var.parquet")),
        );
      }
      if (obsm.columns.length > 0) {
        const frame: DataFrame = withPosition({ rowCount: nObs, columns: obsm.columns }, "cell_idx");
        stage.add("obsm.parquet", "obsm", await writeDataFrameParquet(frame, stage.path("obsm.parquet")));
      }
      if (varm.columns.length > 0) {
        const frame: DataFrame = withPosition({ rowCount: nVar, columns: varm.columns }, "gene_idx");
        stage.add("varm.parquet", "varm", await writeDataFrameParquet(frame, stage.path("varm.parquet")));
      }
      const manifest = {
        format: "h5ad",
        input: path,
        anndata: {
          "encoding-type": attrString(h5, "encoding-type") ?? null,
          "encoding-version": attrString(h5, "encoding-version") ?? null,
        },
        shape: { n_obs: nObs, n_vars: nVar },
        index_base: 0,
        matrices: matrixInfo,
        obs: obs.report,
        var: variables.report,
        raw_var: rawVar?.report ?? null,
        obsm: obsm.info,
        varm: varm.info,
        uns,
        not_converted: skipped,
      };
      await stage.writeJson("manifest.json", "manifest", manifest);
      return manifest;
    });
  });
}

/** AnnData files: X, layers, .raw, obs and var. */
export const h5adConverter: Converter = {
  name: "h5ad",
  formats: ["h5ad"],
  reads: "h5ad",
  convert: ({ path, outDir, options }) => convertH5ad(path, outDir, commonOptions(options)),
};
