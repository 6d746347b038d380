import type {
  TripletBatch,
  TripletSource,
  TripletValueType,
  TripletValues,
} from "../parquet/triplet-parquet-writer.js";
import { FormatError } from "../convert/format-error.js";
import { H5T, dtypeName, isBoolEnum, readSlice, readValue, shapeOf } from "./h5-reader.js";
import type { Dataset } from "./h5-reader.js";

/** How a stored matrix maps to the long format, for the manifest. */
export interface MatrixSourceInfo {
  readonly encoding: "csr_matrix" | "csc_matrix" | "dense";
  readonly dtype: string;
  readonly valueType: TripletValueType;
  readonly shape: readonly [number, number];
  /** Stored entries (sparse) or cells of the dense matrix. */
  readonly storedEntries: number;
  /** Output order: CSR and dense are by cell, CSC by gene. */
  readonly order: "by cell" | "by gene";
}

/** A range of the stored major axis (cells for CSR and dense, genes for CSC) and its entries. */
export interface MatrixPart {
  /** First and one past the last major index (row of CSR/dense, column of CSC) of the range. */
  readonly majorStart: number;
  readonly majorEnd: number;
  /** Stored entries in the range (sparse) or its cells (dense). */
  readonly entries: number;
  /** A fresh source of the range's nonzeros, in stored order. */
  readonly open: () => TripletSource;
}

export interface MatrixSource {
  readonly info: MatrixSourceInfo;
  /** The whole matrix in stored order (the same as `parts(Infinity)[0].open()`). */
  readonly source: TripletSource;
  /**
   * The matrix cut into ranges of whole major rows of about `maxEntries` entries each, decided by the matrix alone
   * (so the same file gives the same parts whatever reads them, and in how many threads). Never empty.
   */
  readonly parts: (maxEntries: number) => MatrixPart[];
}

export interface MatrixSourceOptions {
  /** Stored entries read per slice (bounds memory: ~12-16 bytes each). */
  readonly chunkEntries?: number;
  readonly onEntries?: (entries: number) => void;
  readonly signal?: AbortSignal;
}

const DEFAULT_CHUNK = 1 << 20;

/** The Parquet value type for an HDF5 numeric dtype: floats keep their width, integers widen only when needed. */
export function valueTypeFor(file: string, ds: Dataset): TripletValueType {
  const m = ds.metadata;
  if (m.type === H5T.FLOAT) return m.size <= 4 ? "float32" : "float64";
  if (m.type === H5T.INTEGER) return m.size < 4 || (m.size === 4 && m.signed) ? "int32" : "int64";
  if (m.type === H5T.ENUM && isBoolEnum(ds)) return "int32";
  throw new FormatError("h5ad_unsupported", `matrix values of type ${dtypeName(ds)} are not numeric`, {
    file,
    key: ds.path,
  });
}

/** Copies (or passes through) a slice into the typed array the value type needs. */
function toValues(raw: unknown, valueType: TripletValueType, n: number): TripletValues {
  switch (valueType) {
    case "float32":
      return raw instanceof Float32Array ? raw : Float32Array.from(raw as ArrayLike<number>);
    case "float64":
      return raw instanceof Float64Array ? raw : Float64Array.from(raw as ArrayLike<number>);
    case "int32":
      return raw instanceof Int32Array ? raw : Int32Array.from(raw as ArrayLike<number>, (v) => Number(v));
    case "int64": {
      if (raw instanceof BigInt64Array) return raw;
      const out = new BigInt64Array(n);
      const src = raw as ArrayLike<number | bigint>;
      for (let i = 0; i < n; i++) out[i] = BigInt(src[i]!);
      return out;
    }
  }
}

function toIndexes(file: string, ds: Dataset, raw: unknown, limit: number, start: number): Int32Array {
  let out: Int32Array;
  if (raw instanceof Int32Array) out = raw;
  else {
    const src = raw as ArrayLike<number | bigint>;
    out = new Int32Array(src.length);
    for (let i = 0; i < src.length; i++) out[i] = Number(src[i]);
  }
  for (let i = 0; i < out.length; i++) {
    const v = out[i]!;
    if (v < 0 || v >= limit) {
      throw new FormatError(
        "h5ad_malformed",
        `index ${v} at entry ${start + i} is out of range 0..${limit - 1}`,
        { file, key: ds.path },
      );
    }
  }
  return out;
}

/**
 * Streams a CSR or CSC matrix stored as `data`/`indices`/`indptr` datasets: `indptr` is read whole (one number per
 * cell or gene), then `data` and `indices` in slices of `chunkEntries`, so memory is bounded by a slice, not by X.
 * CSR rows are cells (`majorIsCell`); CSC (and the genes-major 10x layout) are read in their stored order.
 */
export function compressedSparseSource(
  file: string,
  datasets: { data: Dataset; indices: Dataset; indptr: Dataset },
  args: { encoding: "csr_matrix" | "csc_matrix"; shape: readonly [number, number]; majorIsCell: boolean },
  options: MatrixSourceOptions = {},
): MatrixSource {
  const { data, indices, indptr: indptrDs } = datasets;
  const [nObs, nVar] = args.shape;
  const nMajor = args.majorIsCell ? nObs : nVar;
  const nMinor = args.majorIsCell ? nVar : nObs;
  const indptrRaw = readValue(file, indptrDs) as ArrayLike<number | bigint>;
  if (indptrRaw.length !== nMajor + 1) {
    throw new FormatError(
      "h5ad_malformed",
      `indptr has ${indptrRaw.length} entries, expected ${nMajor + 1} for shape ${nObs} x ${nVar}`,
      {
        file,
        key: indptrDs.path,
      },
    );
  }
  const indptr = Float64Array.from(indptrRaw, Number);
  const nnz = indptr[nMajor]!;
  const dataLength = shapeOf(data)[0] ?? 0;
  const indicesLength = shapeOf(indices)[0] ?? 0;
  if (indptr[0] !== 0 || nnz > dataLength || nnz > indicesLength) {
    throw new FormatError(
      "h5ad_malformed",
      `indptr runs from ${indptr[0]} to ${nnz} but data has ${dataLength} and indices ${indicesLength} entries`,
      {
        file,
        key: indptrDs.path,
      },
    );
  }
  for (let i = 0; i < nMajor; i++) {
    if (indptr[i + 1]! < indptr[i]!) {
      throw new FormatError("h5ad_malformed", `indptr decreases at position ${i + 1}`, {
        file,
        key: indptrDs.path,
      });
    }
  }
  const valueType = valueTypeFor(file, data);
  const chunk = options.chunkEntries ?? DEFAULT_CHUNK;
  // Entries of [majorStart, majorEnd), read in slices of `chunk`; progress counts from the part's first entry.
  const rangeSource = (majorStart: number, majorEnd: number): TripletSource => {
    const end0 = indptr[majorEnd]!;
    let position = indptr[majorStart]!;
    let major = majorStart;
    const majors = new Int32Array(Math.min(chunk, Math.max(1, end0 - position)));
    const first = position;
    return () => {
      if (position >= end0) return undefined;
      options.signal?.throwIfAborted();
      const end = Math.min(end0, position + chunk);
      const n = end - position;
      const values = toValues(readSlice(file, data, position, end), valueType, n);
      const minors = toIndexes(file, indices, readSlice(file, indices, position, end), nMinor, position);
      if (values.length !== n || minors.length !== n) {
        throw new FormatError("invalid_hdf5", `short read of [${position}, ${end})`, {
          file,
          key: data.path,
        });
      }
      for (let k = 0; k < n; k++) {
        const at = position + k;
        while (indptr[major + 1]! <= at) major++;
        majors[k] = major;
      }
      const batch: TripletBatch = args.majorIsCell
        ? { cell: majors, gene: minors, value: values, length: n }
        : { cell: minors, gene: majors, value: values, length: n };
      options.onEntries?.(end - first);
      position = end;
      return batch;
    };
  };
  const parts = (maxEntries: number): MatrixPart[] => {
    const out: MatrixPart[] = [];
    let start = 0;
    while (start < nMajor || out.length === 0) {
      // The first major whose range end passes the budget, so every part holds whole rows and at least one.
      let end = start + 1;
      if (nMajor === 0) end = 0;
      else {
        const limit = indptr[start]! + maxEntries;
        let lo = start + 1;
        let hi = nMajor;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (indptr[mid]! < limit) lo = mid + 1;
          else hi = mid;
        }
        end = Math.max(start + 1, lo);
      }
      const [a, b] = [start, end];
      out.push({
        majorStart: a,
        majorEnd: b,
        entries: indptr[b]! - indptr[a]!,
        open: () => rangeSource(a, b),
      });
      start = end;
      if (nMajor === 0) break;
    }
    return out;
  };
  return {
    info: {
      encoding: args.encoding,
      dtype: dtypeName(data),
      valueType,
      shape: args.shape,
      storedEntries: nnz,
      order: args.majorIsCell ? "by cell" : "by gene",
    },
    source: rangeSource(0, nMajor),
    parts,
  };
}

/** Streams the nonzeros of a dense 2-D dataset (cells x genes), a block of rows at a time. */
export function denseSource(file: string, ds: Dataset, options: MatrixSourceOptions = {}): MatrixSource {
  const shape = shapeOf(ds);
  if (shape.length !== 2) {
    throw new FormatError(
      "h5ad_unsupported",
      `a dense matrix must be 2-D, this one has shape [${shape.join(", ")}]`,
      { file, key: ds.path },
    );
  }
  const [nObs, nVar] = shape as [number, number];
  const valueType = valueTypeFor(file, ds);
  const rowsPerBlock = Math.max(1, Math.floor((options.chunkEntries ?? DEFAULT_CHUNK) / Math.max(1, nVar)));
  const rangeSource = (rowStart: number, rowEnd: number): TripletSource => {
    let row = rowStart;
    return () => {
      for (;;) {
        if (row >= rowEnd) return undefined;
        options.signal?.throwIfAborted();
        const end = Math.min(rowEnd, row + rowsPerBlock);
        const raw = readSlice(file, ds, row, end, 2) as ArrayLike<number | bigint>;
        const total = (end - row) * nVar;
        if (raw.length !== total)
          throw new FormatError("invalid_hdf5", `short read of rows [${row}, ${end})`, {
            file,
            key: ds.path,
          });
        let nz = 0;
        for (let i = 0; i < total; i++) if (raw[i] !== 0 && raw[i] !== 0n) nz++;
        const cell = new Int32Array(nz);
        const gene = new Int32Array(nz);
        const picked: (number | bigint)[] | TripletValues =
          valueType === "int64"
            ? new BigInt64Array(nz)
            : valueType === "int32"
              ? new Int32Array(nz)
              : valueType === "float32"
                ? new Float32Array(nz)
                : new Float64Array(nz);
        let k = 0;
        for (let i = 0; i < total; i++) {
          const v = raw[i]!;
          if (v === 0 || v === 0n) continue;
          cell[k] = row + Math.floor(i / nVar);
          gene[k] = i % nVar;
          (picked as unknown as (number | bigint)[])[k] = valueType === "int64" ? BigInt(v) : Number(v);
          k++;
        }
        row = end;
        options.onEntries?.((row - rowStart) * nVar);
        if (nz > 0) return { cell, gene, value: picked, length: nz };
      }
    };
  };
  const parts = (maxEntries: number): MatrixPart[] => {
    const rowsPerPart = Math.max(1, Math.floor(maxEntries / Math.max(1, nVar)));
    const out: MatrixPart[] = [];
    for (let start = 0; start < nObs || out.length === 0; start += rowsPerPart) {
      const end = Math.min(nObs, start + rowsPerPart);
      out.push({
        majorStart: start,
        majorEnd: end,
        entries: (end - start) * nVar,
        open: () => rangeSource(start, end),
      });
      if (nObs === 0) break;
    }
    return out;
  };
  return {
    info: {
      encoding: "dense",
      dtype: dtypeName(ds),
      valueType,
      shape: [nObs, nVar],
      storedEntries: nObs * nVar,
      order: "by cell",
    },
    source: rangeSource(0, nObs),
    parts,
  };
}
