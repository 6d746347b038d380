import type { Column, ColumnType, DataFrame } from "../frame/data-frame.js";
import { blockRow, describe, elementCount, isNdArray, ndarrayFrom, typedValues } from "./numpy-array.js";
import type { NdArray, TypedValues } from "./numpy-array.js";
import { PyInstance, PySet, PyTuple } from "./py-objects.js";

/** Column data before it gets a name. */
interface ColData {
  readonly type: ColumnType;
  readonly values: ArrayLike<unknown>;
  readonly valid?: Uint8Array;
}

const NAT = -(2n ** 63n);

/** True for the pandas objects this module turns into a table. */
export function isPandasObject(v: unknown): v is PyInstance {
  return v instanceof PyInstance && (v.cls === "DataFrame" || v.cls === "Series");
}

/**
 * A pandas DataFrame or Series (as rebuilt by the pickle machine) as a DataFrame: blocks are split into columns
 * in the order of the column index, and the row index becomes `_index` unless it is the default 0..n-1 range.
 * Throws a plain Error with the reason when the structure is not one pandas 1.x/2.x writes.
 */
export function pandasToFrame(obj: PyInstance): DataFrame {
  const state = asMap(obj.state, `${obj.cls} state`);
  const mgr = state.get("_mgr") ?? state.get("_data");
  if (!(mgr instanceof PyInstance)) throw new Error(`${obj.cls} without a block manager`);
  if (obj.cls === "Series") {
    const { values, index } = singleManager(mgr);
    const name = state.get("name");
    const col = arrayColumns(values)[0];
    if (col === undefined) throw new Error("Series without values");
    const rowCount = col.values.length;
    return withIndex(
      { rowCount, columns: [named(name === null || name === undefined ? "value" : labelOf(name), col)] },
      index,
      rowCount,
    );
  }
  const { blocks, axes } = blockManager(mgr);
  const [columnAxis, rowAxis] = axes;
  const columnNames = indexLabels(columnAxis);
  const slots = new Array<ColData | undefined>(columnNames.length);
  for (const b of blocks) {
    const cols = arrayColumns(b.values);
    const locs = placement(b.placement, cols.length);
    if (locs.length !== cols.length)
      throw new Error(`block places ${cols.length} columns at ${locs.length} positions`);
    locs.forEach((loc, i) => (slots[loc] = cols[i]));
  }
  const columns: Column[] = [];
  slots.forEach((c, i) => {
    if (c === undefined) throw new Error(`column ${i} (${columnNames[i]}) is in no block`);
    columns.push(named(columnNames[i] ?? `column_${i}`, c));
  });
  const rowCount = columns[0]?.values.length ?? indexLength(rowAxis);
  return withIndex({ rowCount, columns }, rowAxis, rowCount);
}

/** Describes the pandas object for the manifest: dtypes as pandas names them. */
export function pandasDtypes(frame: DataFrame): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of frame.columns) out[c.name] = c.type.kind;
  return out;
}

function named(name: string, c: ColData): Column {
  return c.valid === undefined
    ? { name, type: c.type, values: c.values }
    : { name, type: c.type, values: c.values, valid: c.valid };
}

function withIndex(frame: DataFrame, axis: unknown, rowCount: number): DataFrame {
  if (axis === undefined || isDefaultRange(axis, rowCount)) return frame;
  const col = indexColumn(axis);
  if (col === undefined) return frame;
  return { ...frame, index: named("_index", col) };
}

// ---- managers and blocks -------------------------------------------------------------------------------

interface Block {
  readonly values: unknown;
  readonly placement: unknown;
}

function blockManager(mgr: PyInstance): { blocks: Block[]; axes: unknown[] } {
  // pandas ≥ 1.x: BlockManager(blocks, axes) via __reduce__.
  if (mgr.args.length >= 2 && Array.isArray(mgr.args[0]) && Array.isArray(mgr.args[1])) {
    return { blocks: (mgr.args[0] as unknown[]).map(toBlock), axes: [...(mgr.args[1] as unknown[])] };
  }
  // Older __getstate__: (axes, values, items, {"0.14.1": {"axes": [...], "blocks": [{"values", "mgr_locs"}]}}).
  const st = mgr.state;
  if (Array.isArray(st) && st.length >= 4 && st[3] instanceof Map) {
    const extra = asMap((st[3] as Map<unknown, unknown>).get("0.14.1"), "block manager state");
    const axes = extra.get("axes");
    const blocks = extra.get("blocks");
    if (!Array.isArray(axes) || !Array.isArray(blocks))
      throw new Error("block manager state without axes or blocks");
    return {
      axes: [...(axes as unknown[])],
      blocks: (blocks as unknown[]).map((b) => {
        const m = asMap(b, "block");
        return { values: m.get("values"), placement: m.get("mgr_locs") };
      }),
    };
  }
  throw new Error("block manager in an unknown pickled form");
}

function singleManager(mgr: PyInstance): { values: unknown; index: unknown } {
  if (mgr.args.length >= 2) {
    const blocks = mgr.args[0];
    const axis = mgr.args[1];
    const block = Array.isArray(blocks) ? toBlock((blocks as unknown[])[0]) : toBlock(blocks);
    return { values: block.values, index: Array.isArray(axis) ? (axis as unknown[])[0] : axis };
  }
  const { blocks, axes } = blockManager(mgr);
  return { values: blocks[0]?.values, index: axes[0] };
}

function toBlock(b: unknown): Block {
  if (b instanceof PyInstance && b.cls === "Block") return { values: b.args[0], placement: b.args[1] };
  if (b instanceof PyInstance && b.cls !== "Block") return { values: b, placement: undefined };
  return { values: b, placement: undefined };
}

/** Column positions of a block: a slice(start, stop, step), an int array, or a BlockPlacement wrapping either. */
function placement(p: unknown, count: number): number[] {
  if (p === undefined || p === null) return Array.from({ length: count }, (_, i) => i);
  if (p instanceof PyInstance && p.cls === "BlockPlacement") return placement(p.args[0], count);
  if (p instanceof PyInstance && p.cls === "slice") {
    const [start, stop, step] = p.args.map((x) => (x === null || x === undefined ? undefined : Number(x)));
    const out: number[] = [];
    for (let i = start ?? 0; i < (stop ?? count); i += step ?? 1) out.push(i);
    return out;
  }
  if (typeof p === "number") return [p];
  if (Array.isArray(p)) return (p as unknown[]).map(Number);
  const arr = ndarrayFrom(p);
  return Array.from(typedValues(arr).values as ArrayLike<unknown>, Number);
}

// ---- arrays to columns ---------------------------------------------------------------------------------

/** The columns held by a block's values: k columns of a 2-D ndarray, or one extension array. */
function arrayColumns(values: unknown): ColData[] {
  if (values instanceof PyInstance && values.cls !== "numpy.ndarray") return [extensionColumn(values)];
  const arr = ndarrayFrom(values);
  const t = typedValues(arr);
  if (arr.shape.length < 2) return [typedColumn(t, Array.from(t.values as ArrayLike<unknown>))];
  const k = arr.shape[0] ?? 0;
  const cols: ColData[] = [];
  for (let j = 0; j < k; j++)
    cols.push(typedColumn(t, blockRow(t.values as ArrayLike<unknown>, arr.shape, arr.fortran, j)));
  return cols;
}

function typedColumn(t: TypedValues, values: unknown[]): ColData {
  const n = values.length;
  switch (t.kind) {
    case "float64": {
      const out = Float64Array.from(values as number[]);
      return withValidity({ type: { kind: "float64" }, values: out }, (i) => !Number.isNaN(out[i]));
    }
    case "int64":
      return { type: { kind: "int64" }, values: BigInt64Array.from(values as bigint[]) };
    case "int32":
      return { type: { kind: "int32" }, values: Int32Array.from(values as number[]) };
    case "bool":
      return { type: { kind: "bool" }, values: values };
    case "datetime":
      return datetimeColumn(BigInt64Array.from(values as bigint[]), t.unit, undefined);
    case "string":
      return { type: { kind: "string" }, values: values };
    case "object":
      return objectColumn(values, n);
  }
}

/** dtype=object: pandas' string columns (None/NaN for missing), or mixed Python values. */
function objectColumn(values: unknown[], n: number): ColData {
  const missing = (v: unknown): boolean =>
    v === null || v === undefined || (typeof v === "number" && Number.isNaN(v));
  const present = values.filter((v) => !missing(v));
  const valid = (): Uint8Array => Uint8Array.from(values, (v) => (missing(v) ? 0 : 1));
  const hasMissing = present.length < n;
  if (present.every((v) => typeof v === "string")) {
    return { type: { kind: "string" }, values: values.map((v) => (missing(v) ? null : (v as string))) };
  }
  if (present.every((v) => typeof v === "boolean")) {
    const col: ColData = { type: { kind: "bool" }, values: values.map((v) => v === true) };
    return hasMissing ? { ...col, valid: valid() } : col;
  }
  if (present.every((v) => typeof v === "number")) {
    const col: ColData = {
      type: { kind: "float64" },
      values: Float64Array.from(values, (v) => (missing(v) ? Number.NaN : (v as number))),
    };
    return hasMissing ? { ...col, valid: valid() } : col;
  }
  return {
    type: { kind: "string" },
    values: values.map((v) =>
      missing(v) ? null : typeof v === "string" ? v : JSON.stringify(toJsonValue(v)),
    ),
  };
}

function datetimeColumn(values: BigInt64Array, unit: string, tz: string | undefined): ColData {
  // Parquet timestamps take ms/us/ns; seconds and days are scaled to ms.
  const scale =
    unit === "s"
      ? 1000n
      : unit === "D"
        ? 86_400_000n
        : unit === "m"
          ? 60_000n
          : unit === "h"
            ? 3_600_000n
            : 1n;
  const outUnit: "ms" | "us" | "ns" = unit === "us" ? "us" : unit === "ns" ? "ns" : "ms";
  const out = scale === 1n ? values : values.map((v) => (v === NAT ? v : v * scale));
  const type: ColumnType =
    tz === undefined ? { kind: "timestamp", unit: outUnit } : { kind: "timestamp", unit: outUnit, tz };
  return withValidity({ type, values: out }, (i) => out[i] !== NAT);
}

function extensionColumn(v: PyInstance): ColData {
  switch (v.cls) {
    case "Categorical": {
      const { dtype, data } = backedState(v, ["_codes", "_ndarray"]);
      const codes = typedValues(ndarrayFrom(data));
      const code = Int32Array.from(codes.values as ArrayLike<number>, Number);
      const { categories, ordered } = categoricalDtype(dtype);
      return withValidity(
        { type: { kind: "categorical", categories, ordered }, values: code },
        (i) => (code[i] ?? -1) >= 0,
      );
    }
    case "DatetimeArray": {
      const { dtype, data } = backedState(v, ["_ndarray", "_data"]);
      const arr = ndarrayFrom(data);
      const t = typedValues(arr);
      if (t.kind !== "datetime") throw new Error("DatetimeArray without datetime64 data");
      return datetimeColumn(t.values, t.unit, timezoneOf(dtype));
    }
    case "NumpyArray": {
      const { data } = backedState(v, ["_ndarray"]);
      return arrayColumns(data)[0] ?? { type: { kind: "string" }, values: [] };
    }
    case "MaskedArray": {
      const st = asMap(v.state, "masked array state");
      const data = ndarrayFrom(st.get("_data"));
      const mask = typedValues(ndarrayFrom(st.get("_mask")));
      const base = arrayColumns(data)[0];
      if (base === undefined) throw new Error("masked array without data");
      const m = mask.values as ArrayLike<unknown>;
      return { ...base, valid: Uint8Array.from({ length: base.values.length }, (_, i) => (m[i] ? 0 : 1)) };
    }
    default:
      throw new Error(`unsupported pandas array ${v.cls}`);
  }
}

/** NDArrayBacked arrays pickle as (dtype, ndarray, attrs); older pandas used a __dict__ with named keys. */
function backedState(v: PyInstance, dataKeys: readonly string[]): { dtype: unknown; data: unknown } {
  const st = v.state;
  if (Array.isArray(st) && st.length >= 2) {
    const [a, b] = st as unknown[];
    // pandas wrote (dtype, ndarray, ...) — tolerate the reverse order too.
    return isArrayLike(a) ? { dtype: b, data: a } : { dtype: a, data: b };
  }
  if (st instanceof Map) {
    let data: unknown;
    for (const k of dataKeys) if (st.has(k)) data = st.get(k);
    return { dtype: st.get("_dtype") ?? st.get("dtype"), data };
  }
  throw new Error(`${v.cls} without its state`);
}

function isArrayLike(v: unknown): boolean {
  return (v instanceof PyInstance && v.cls === "numpy.ndarray") || isNdArray(v);
}

function categoricalDtype(dtype: unknown): { categories: string[]; ordered: boolean } {
  if (!(dtype instanceof PyInstance))
    throw new Error(`categorical without a CategoricalDtype (${describe(dtype)})`);
  const st = asMap(dtype.state, "CategoricalDtype state");
  const cats = st.get("categories") ?? st.get("_categories");
  const ordered = st.get("ordered") ?? st.get("_ordered");
  return { categories: indexLabels(cats), ordered: ordered === true };
}

function timezoneOf(dtype: unknown): string | undefined {
  if (dtype instanceof PyInstance && dtype.cls === "DatetimeTZDtype") {
    const st: Map<unknown, unknown> | undefined =
      dtype.state instanceof Map ? (dtype.state as Map<unknown, unknown>) : undefined;
    const tz: unknown = st?.get("tz") ?? dtype.args[1];
    return typeof tz === "string" ? tz : "UTC";
  }
  return undefined;
}

// ---- indexes ---------------------------------------------------------------------------------------------

function indexState(ix: unknown): Map<unknown, unknown> {
  if (!(ix instanceof PyInstance)) throw new Error(`expected a pandas Index, got ${describe(ix)}`);
  return asMap(ix.state, `${ix.cls} state`);
}

function rangeOf(ix: unknown): { start: number; stop: number; step: number } | undefined {
  if (!(ix instanceof PyInstance) || ix.cls !== "RangeIndex") return undefined;
  const st = indexState(ix);
  return {
    start: Number(st.get("start") ?? 0),
    stop: Number(st.get("stop") ?? 0),
    step: Number(st.get("step") ?? 1),
  };
}

function isDefaultRange(ix: unknown, n: number): boolean {
  const r = rangeOf(ix);
  if (r === undefined) return false;
  const st = indexState(ix);
  return r.start === 0 && r.step === 1 && r.stop === n && (st.get("name") ?? null) === null;
}

function indexLength(ix: unknown): number {
  const r = rangeOf(ix);
  if (r !== undefined) return Math.max(0, Math.ceil((r.stop - r.start) / r.step));
  return indexColumn(ix)?.values.length ?? 0;
}

function indexColumn(ix: unknown): ColData | undefined {
  const r = rangeOf(ix);
  if (r !== undefined) {
    const n = indexLength(ix);
    return {
      type: { kind: "int64" },
      values: BigInt64Array.from({ length: n }, (_, i) => BigInt(r.start + i * r.step)),
    };
  }
  const data = indexState(ix).get("data");
  if (data === undefined) return undefined;
  return arrayColumns(data)[0];
}

/** Labels of an index as strings (column names, categories). */
function indexLabels(ix: unknown): string[] {
  if (ix instanceof PyInstance && ix.cls === "numpy.ndarray")
    return Array.from(typedValues(ndarrayFrom(ix)).values as ArrayLike<unknown>, labelOf);
  if (isNdArray(ix)) return Array.from(typedValues(ix).values as ArrayLike<unknown>, labelOf);
  const col = indexColumn(ix);
  if (col === undefined) return [];
  if (col.type.kind === "categorical") {
    const cats = col.type.categories;
    return Array.from(col.values as ArrayLike<number>, (c) => cats[c] ?? "");
  }
  return Array.from(col.values, labelOf);
}

function labelOf(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === null || v === undefined) return "None";
  if (typeof v === "bigint" || typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(toJsonValue(v));
}

// ---- helpers ---------------------------------------------------------------------------------------------

function withValidity(c: ColData, isValid: (i: number) => boolean): ColData {
  const n = c.values.length;
  let valid: Uint8Array | undefined;
  for (let i = 0; i < n; i++) {
    if (!isValid(i)) {
      valid ??= new Uint8Array(n).fill(1);
      valid[i] = 0;
    }
  }
  return valid === undefined ? c : { ...c, valid };
}

function asMap(v: unknown, what: string): Map<unknown, unknown> {
  if (v instanceof Map) return v as Map<unknown, unknown>;
  // BUILD states may be (dict, slotstate) pairs.
  if (Array.isArray(v) && v[0] instanceof Map) return v[0] as Map<unknown, unknown>;
  throw new Error(`${what} is not a dict (${describe(v)})`);
}

/**
 * A plain Python value as JSON-able data: dicts become objects (keys as text), tuples and sets arrays, bytes
 * base64, ints beyond 2^53 decimal strings (JSON numbers would lose digits), NaN/Infinity null.
 */
export function toJsonValue(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v === "string" || typeof v === "boolean") return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
  if (v instanceof PyTuple || Array.isArray(v)) return Array.from(v as unknown[], toJsonValue);
  if (v instanceof PySet) return v.items.map(toJsonValue);
  if (v instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v) o[typeof k === "string" ? k : String(toJsonValue(k))] = toJsonValue(x);
    return o;
  }
  if (v instanceof PyInstance) {
    if (v.cls === "numpy.ndarray") return ndarrayToJson(ndarrayFrom(v));
    if (v.cls === "complex") return { re: v.args[0], im: v.args[1] };
    throw new Error(`cannot represent a ${v.cls} object as JSON`);
  }
  if (isNdArray(v)) return ndarrayToJson(v);
  if (typeof v === "object") {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = toJsonValue(x);
    return o;
  }
  return null;
}

function ndarrayToJson(a: NdArray): unknown {
  const flat = Array.from(typedValues(a).values as ArrayLike<unknown>, toJsonValue);
  const shape = a.shape;
  if (shape.length <= 1) return flat;
  // Nest by the shape in C order (Fortran arrays are reordered first).
  const n = elementCount(a);
  const strides = shape.map((_, d) =>
    (a.fortran ? shape.slice(0, d) : shape.slice(d + 1)).reduce((x, y) => x * y, 1),
  );
  const build = (d: number, offset: number): unknown[] =>
    Array.from({ length: shape[d] ?? 0 }, (_, i) =>
      d === shape.length - 1
        ? flat[offset + i * (strides[d] ?? 1)]
        : build(d + 1, offset + i * (strides[d] ?? 1)),
    );
  return n === 0 ? [] : build(0, 0);
}

/** Optional table view of plain data: a list of records, or a dict of equal-length lists. */
export function plainToFrame(v: unknown): DataFrame | undefined {
  if (Array.isArray(v) && v.length > 0 && v.every((r) => r instanceof Map)) {
    const keys: string[] = [];
    for (const r of v as Map<unknown, unknown>[])
      for (const k of r.keys()) if (typeof k === "string" && !keys.includes(k)) keys.push(k);
    if (keys.length === 0) return undefined;
    const rows = v as Map<unknown, unknown>[];
    const columns = keys.map((k) =>
      named(
        k,
        objectColumn(
          rows.map((r) => scalarOrJson(r.get(k))),
          rows.length,
        ),
      ),
    );
    return { rowCount: rows.length, columns };
  }
  if (v instanceof Map && v.size > 0) {
    const lists = [...v.entries()];
    const len = Array.isArray(lists[0]?.[1]) ? (lists[0][1] as unknown[]).length : -1;
    if (
      len < 0 ||
      !lists.every(([k, x]) => typeof k === "string" && Array.isArray(x) && (x as unknown[]).length === len)
    )
      return undefined;
    const columns = lists.map(([k, x]) =>
      named(k as string, objectColumn((x as unknown[]).map(scalarOrJson), len)),
    );
    return { rowCount: len, columns };
  }
  return undefined;
}

function scalarOrJson(v: unknown): unknown {
  if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  if (typeof v === "bigint") return v.toString();
  return JSON.stringify(toJsonValue(v));
}
