import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import h5wasm from "h5wasm/node";
import type { Dataset, File as H5File, Group } from "h5wasm";
import { FormatError } from "../convert/format-error.js";
import { checkHdf5File } from "./hdf5-file-check.js";
import { LZF_FILTER, availableFilters, hdf5Reason, loadHdf5, lzfNeedsErrno } from "./hdf5-runtime.js";
import { isLzfVlenStrings, readLzfVlenStrings } from "./lzf-vlen-strings.js";

export type { Dataset, Group, H5File };

/** HDF5 type classes as h5wasm reports them in `metadata.type`. */
export const H5T = { INTEGER: 0, FLOAT: 1, STRING: 3, COMPOUND: 6, ENUM: 8 } as const;

/** Opens an HDF5 file read-only after checking it is complete; the caller closes it. */
export async function openHdf5(path: string): Promise<H5File> {
  await checkHdf5File(path);
  const lib = await loadHdf5();
  try {
    const file = new lib.File(path, "r");
    file.keys();
    return file;
  } catch (cause) {
    throw new FormatError("invalid_hdf5", `HDF5 could not open the file (${hdf5Reason(cause)})`, {
      file: path,
      hint: "The file may be corrupt or not HDF5",
      cause,
    });
  }
}

let cachedVersion: string | undefined;

/** The installed h5wasm version, for run records ("unknown" if its package.json cannot be found). */
export function h5wasmVersion(): string {
  if (cachedVersion !== undefined) return cachedVersion;
  cachedVersion = "unknown";
  try {
    // The package's exports map hides package.json (and has no require entry): look in the module search paths.
    for (const dir of createRequire(import.meta.url).resolve.paths("h5wasm") ?? []) {
      const candidate = join(dir, "h5wasm", "package.json");
      if (!existsSync(candidate)) continue;
      const pkg = JSON.parse(readFileSync(candidate, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "h5wasm" && typeof pkg.version === "string") {
        cachedVersion = pkg.version;
        break;
      }
    }
  } catch {
    // keep "unknown"
  }
  return cachedVersion;
}

export const isDataset = (o: unknown): o is Dataset => o instanceof h5wasm.Dataset;
export const isGroup = (o: unknown): o is Group => o instanceof h5wasm.Group;

/** An attribute's value, or undefined when absent. */
export function attr(obj: Dataset | Group, name: string): unknown {
  const attrs = obj.attrs;
  if (!Object.prototype.hasOwnProperty.call(attrs, name)) return undefined;
  return attrs[name]?.value ?? undefined;
}

/** A string attribute (h5py may store it as a 1-element array); undefined when absent or not a string. */
export function attrString(obj: Dataset | Group, name: string): string | undefined {
  const v = attr(obj, name);
  if (typeof v === "string") return v;
  if (Array.isArray(v) && typeof v[0] === "string" && v.length === 1) return v[0];
  if (v instanceof Uint8Array) return Buffer.from(v).toString("utf8");
  return undefined;
}

/** A string-array attribute (`column-order`); an empty array stored as a float/int placeholder gives []. */
export function attrStrings(obj: Dataset | Group, name: string): string[] | undefined {
  const v = attr(obj, name);
  if (v === undefined) return undefined;
  if (typeof v === "string") return [v];
  if (Array.isArray(v)) return v.map((x) => String(x));
  if (ArrayBuffer.isView(v))
    return (v as unknown as ArrayLike<unknown>).length === 0
      ? []
      : Array.from(v as unknown as ArrayLike<unknown>, String);
  return undefined;
}

/** A numeric array attribute (`shape`, `h5sparse_shape`) as numbers. */
export function attrNumbers(obj: Dataset | Group, name: string): number[] | undefined {
  const v = attr(obj, name);
  if (v === undefined || v === null) return undefined;
  if (typeof v === "number" || typeof v === "bigint") return [Number(v)];
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return Array.from(v as ArrayLike<number | bigint>, Number);
  return undefined;
}

export function attrBool(obj: Dataset | Group, name: string): boolean | undefined {
  const v = attr(obj, name);
  if (v === undefined || v === null) return undefined;
  if (typeof v === "boolean") return v;
  if (typeof v === "number" || typeof v === "bigint") return Number(v) !== 0;
  if (ArrayBuffer.isView(v) || Array.isArray(v)) return Number((v as ArrayLike<number>)[0]) !== 0;
  return undefined;
}

/** The numpy-style dtype name of a dataset (`float32`, `int64`, `uint8`, `bool`, `string`, `compound`). */
export function dtypeName(ds: Dataset): string {
  const m = ds.metadata;
  if (m.type === H5T.FLOAT) return `float${m.size * 8}`;
  if (m.type === H5T.INTEGER) return `${m.signed ? "int" : "uint"}${m.size * 8}`;
  if (m.type === H5T.STRING) return "string";
  if (m.type === H5T.COMPOUND) return "compound";
  if (m.type === H5T.ENUM) return isBoolEnum(ds) ? "bool" : "enum";
  return `hdf5-class-${m.type}`;
}

/** h5py stores numpy bools as an int8 enum {FALSE: 0, TRUE: 1}. */
export function isBoolEnum(ds: Dataset): boolean {
  const members = ds.metadata.enum_type?.members;
  if (!members) return false;
  const keys = Object.keys(members).map((k) => k.toUpperCase());
  return keys.length === 2 && keys.includes("TRUE") && keys.includes("FALSE");
}

export function shapeOf(ds: Dataset): number[] {
  return Array.from(ds.shape ?? [], Number);
}

const checkedFilters = new WeakSet<Dataset>();

/**
 * Refuses a dataset compressed with a filter HDF5 cannot decode here, before reading it: the read would only
 * fail deep inside HDF5 with "required filter is not registered". Names the dataset, the filter and its id.
 */
export function checkFilters(file: string, ds: Dataset): void {
  if (checkedFilters.has(ds)) return;
  const known = availableFilters();
  for (const filter of ds.filters) {
    const name = filter.name.trim() === "" ? "unnamed" : filter.name.split(";")[0]!.trim();
    if (filter.id === LZF_FILTER && lzfNeedsErrno(filter.cd_values)) {
      // Variable-length strings are read around HDF5 (see lzf-vlen-strings.ts); nothing else may reach the plugin.
      if (isLzfVlenStrings(ds, LZF_FILTER)) continue;
      throw new FormatError(
        "h5ad_unsupported",
        `dataset ${ds.path} (${dtypeName(ds)}) is compressed with the HDF5 filter "lzf" without its chunk size, which omicslake cannot decode: it reads LZF numeric and fixed-length datasets and 1-D variable-length strings`,
        {
          file,
          key: ds.path,
          hint: 'Write the file again with gzip, e.g. in Python adata.write_h5ad(path, compression="gzip")',
        },
      );
    }
    if (known.has(filter.id)) continue;
    throw new FormatError(
      "h5ad_unsupported",
      `dataset ${ds.path} is compressed with the HDF5 filter "${name}" (id ${filter.id}), which omicslake cannot decode (it decodes ${[...new Set(known.values())].join(", ")})`,
      {
        file,
        key: ds.path,
        hint: 'Write the file again with a filter listed, e.g. in Python adata.write_h5ad(path, compression="gzip")',
      },
    );
  }
  checkedFilters.add(ds);
}

/**
 * Whether a dataset must be read without HDF5: LZF-compressed variable-length strings, whose LZF parameters lack
 * the chunk size the plugin needs (a read through it would abort the WebAssembly instance).
 */
function readAroundHdf5(ds: Dataset): boolean {
  const lzf = ds.filters.find((f) => f.id === LZF_FILTER);
  return lzf !== undefined && lzfNeedsErrno(lzf.cd_values) && isLzfVlenStrings(ds, LZF_FILTER);
}

/** Reads a whole dataset, wrapping library failures (corrupt chunks) in a typed error that names the object. */
export function readValue(file: string, ds: Dataset): unknown {
  checkFilters(file, ds);
  if (readAroundHdf5(ds)) return readLzfVlenStrings(file, ds);
  try {
    return ds.value;
  } catch (cause) {
    throw new FormatError("invalid_hdf5", `cannot read dataset (${hdf5Reason(cause)})`, {
      file,
      key: ds.path,
      cause,
    });
  }
}

/** Reads `[start, end)` of a 1-D dataset (or rows of a 2-D one). */
export function readSlice(file: string, ds: Dataset, start: number, end: number, rank = 1): unknown {
  checkFilters(file, ds);
  if (readAroundHdf5(ds))
    throw new FormatError("h5ad_malformed", `dataset ${ds.path} holds strings where numbers are expected`, {
      file,
      key: ds.path,
    });
  try {
    return ds.slice(rank === 1 ? [[start, end]] : [[start, end], []]);
  } catch (cause) {
    throw new FormatError("invalid_hdf5", `cannot read [${start}, ${end}) (${hdf5Reason(cause)})`, {
      file,
      key: ds.path,
      cause,
    });
  }
}

/** Decodes a string dataset's values (vlen or fixed-length, bytes or str) to JS strings. */
export function toStrings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value))
    return value.map((v) =>
      typeof v === "string" ? v : v instanceof Uint8Array ? Buffer.from(v).toString("utf8") : String(v),
    );
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<unknown>, String);
  return [];
}
