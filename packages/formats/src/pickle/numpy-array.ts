import { PyInstance, PyTuple } from "./py-objects.js";

/** A numpy dtype as far as tables need it: kind character (`f`, `i`, `u`, `b`, `O`, `M`, `m`, `U`, `S`, `c`), size, byte order. */
export interface NpDtype {
  readonly kind: string;
  readonly itemsize: number;
  readonly little: boolean;
  /** datetime64/timedelta64 unit (`ns`, `us`, `ms`, `s`, `D`). */
  readonly unit?: string;
  readonly str: string;
}

/** An ndarray rebuilt from its pickled state: raw bytes (or Python objects for dtype=object). */
export interface NdArray {
  readonly dtype: NpDtype;
  readonly shape: readonly number[];
  readonly fortran: boolean;
  readonly data: Uint8Array | readonly unknown[];
}

const latin1 = new TextDecoder("latin1");

/** numpy.dtype(('f8', False, True)) with its BUILD state (version, byteorder, ..., [datetime metadata]). */
export function dtypeFrom(value: unknown): NpDtype {
  if (!(value instanceof PyInstance) || value.cls !== "numpy.dtype")
    throw new Error(`expected a numpy dtype, got ${describe(value)}`);
  const spec = value.args[0];
  if (typeof spec !== "string") throw new Error("numpy dtype without a type string");
  const m = /^([a-zA-Z])(\d*)$/.exec(spec);
  if (m === null) throw new Error(`unsupported numpy dtype "${spec}"`);
  const kind = m[1] === "?" ? "b" : (m[1] ?? "V");
  let itemsize = m[2] ? Number(m[2]) : 0;
  if (kind === "U") itemsize *= 4;
  const state = Array.isArray(value.state) ? (value.state as unknown[]) : [];
  const order = state[1];
  const little = order !== ">" && !(order === "=" && !isLittleEndianHost());
  let unit: string | undefined;
  for (const s of state) {
    if (s instanceof PyTuple && s.length > 0) {
      const u = s[0];
      if (u instanceof Uint8Array) unit = latin1.decode(u);
      else if (typeof u === "string") unit = u;
    } else if (s instanceof Map) {
      // numpy ≥ 1.x writes datetime metadata inside a dict in some versions
      for (const v of s.values()) if (v instanceof PyTuple && typeof v[0] === "string") unit = v[0];
    }
  }
  const base = { kind, itemsize, little, str: spec };
  return unit === undefined ? base : { ...base, unit };
}

/** `_reconstruct(ndarray, (0,), b'b')` + BUILD (version, shape, dtype, is_fortran, rawdata). */
export function ndarrayFrom(value: unknown): NdArray {
  if (value instanceof PyInstance && value.cls === "numpy.ndarray") {
    const st = value.state;
    if (!Array.isArray(st) || st.length < 5) throw new Error("numpy ndarray without its state");
    const [, shape, dtype, fortran, raw] = st as unknown[];
    return {
      dtype: dtypeFrom(dtype),
      shape: Array.isArray(shape) ? shape.map(Number) : [],
      fortran: fortran === true,
      data:
        raw instanceof Uint8Array
          ? raw
          : Array.isArray(raw)
            ? (raw as unknown[])
            : typeof raw === "string"
              ? latin1Bytes(raw)
              : [],
    };
  }
  if (isNdArray(value)) return value;
  throw new Error(`expected a numpy array, got ${describe(value)}`);
}

export function isNdArray(v: unknown): v is NdArray {
  return (
    typeof v === "object" &&
    v !== null &&
    "dtype" in v &&
    "shape" in v &&
    "data" in v &&
    !(v instanceof PyInstance)
  );
}

/** `numpy.core.numeric._frombuffer(buffer, dtype, shape, order)`: protocol 5's in-band PickleBuffer form. */
export function frombuffer(args: readonly unknown[]): NdArray {
  const [buffer, dtype, shape, order] = args;
  if (!(buffer instanceof Uint8Array)) throw new Error("_frombuffer without a byte buffer");
  return {
    dtype: dtypeFrom(dtype),
    shape: Array.isArray(shape) ? shape.map(Number) : [buffer.length],
    fortran: order === "F",
    data: buffer,
  };
}

/** A numpy scalar (`numpy.core.multiarray.scalar(dtype, bytes)`) as a JS value. */
export function npScalar(args: readonly unknown[]): unknown {
  const dtype = dtypeFrom(args[0]);
  const raw = args[1];
  if (dtype.kind === "O") return raw;
  const bytes =
    raw instanceof Uint8Array ? raw : typeof raw === "string" ? latin1Bytes(raw) : new Uint8Array(0);
  const decoded = decodeElements({ dtype, shape: [1], fortran: false, data: bytes });
  return decoded[0] ?? null;
}

/** Number of elements. */
export function elementCount(a: NdArray): number {
  return a.shape.reduce((x, y) => x * y, 1);
}

export type TypedValues =
  | { readonly kind: "float64"; readonly values: Float64Array }
  | { readonly kind: "int64"; readonly values: BigInt64Array }
  | { readonly kind: "int32"; readonly values: Int32Array }
  | { readonly kind: "bool"; readonly values: boolean[] }
  | { readonly kind: "datetime"; readonly values: BigInt64Array; readonly unit: string }
  | { readonly kind: "string"; readonly values: (string | null)[] }
  | { readonly kind: "object"; readonly values: unknown[] };

/** All elements in storage order, decoded to the narrowest JS representation that keeps them exact. */
export function typedValues(a: NdArray): TypedValues {
  const n = elementCount(a);
  const dt = a.dtype;
  if (!(a.data instanceof Uint8Array)) return { kind: "object", values: [...a.data] };
  const bytes = a.data;
  if (bytes.length < n * dt.itemsize && dt.kind !== "O")
    throw new Error(`numpy array of ${n} × ${dt.str} has only ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = dt.little;
  switch (dt.kind) {
    case "f": {
      const out = new Float64Array(n);
      if (dt.itemsize === 8) for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, le);
      else if (dt.itemsize === 4) for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, le);
      else if (dt.itemsize === 2) for (let i = 0; i < n; i++) out[i] = half(view.getUint16(i * 2, le));
      else throw new Error(`unsupported float size ${dt.itemsize}`);
      return { kind: "float64", values: out };
    }
    case "i":
    case "u": {
      const signed = dt.kind === "i";
      if (dt.itemsize === 8) {
        const out = new BigInt64Array(n);
        for (let i = 0; i < n; i++)
          out[i] = signed ? view.getBigInt64(i * 8, le) : BigInt.asIntN(64, view.getBigUint64(i * 8, le));
        return { kind: "int64", values: out };
      }
      if (dt.itemsize === 4 && !signed) {
        const out = new BigInt64Array(n);
        for (let i = 0; i < n; i++) out[i] = BigInt(view.getUint32(i * 4, le));
        return { kind: "int64", values: out };
      }
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const p = i * dt.itemsize;
        out[i] =
          dt.itemsize === 4
            ? view.getInt32(p, le)
            : dt.itemsize === 2
              ? signed
                ? view.getInt16(p, le)
                : view.getUint16(p, le)
              : signed
                ? view.getInt8(p)
                : view.getUint8(p);
      }
      return { kind: "int32", values: out };
    }
    case "b":
      return { kind: "bool", values: Array.from(bytes.subarray(0, n), (x) => x !== 0) };
    case "M":
    case "m": {
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getBigInt64(i * 8, le);
      // timedelta64 has no duration column type: its counts (in the dtype's unit) stay plain int64.
      if (dt.kind === "m") return { kind: "int64", values: out };
      return { kind: "datetime", values: out, unit: dt.unit ?? "ns" };
    }
    case "U": {
      const chars = dt.itemsize / 4;
      const out: string[] = new Array<string>(n);
      for (let i = 0; i < n; i++) {
        let s = "";
        for (let c = 0; c < chars; c++) {
          const cp = view.getUint32((i * chars + c) * 4, le);
          if (cp === 0) break;
          s += String.fromCodePoint(cp);
        }
        out[i] = s;
      }
      return { kind: "string", values: out };
    }
    case "S": {
      const out: string[] = new Array<string>(n);
      for (let i = 0; i < n; i++) {
        let end = (i + 1) * dt.itemsize;
        while (end > i * dt.itemsize && bytes[end - 1] === 0) end--;
        out[i] = latin1.decode(bytes.subarray(i * dt.itemsize, end));
      }
      return { kind: "string", values: out };
    }
    default:
      throw new Error(`unsupported numpy dtype "${dt.str}"`);
  }
}

/** Flat element values (booleans, numbers, bigints, strings) of any array, for scalars and plain output. */
export function decodeElements(a: NdArray): unknown[] {
  const t = typedValues(a);
  return Array.from(t.values as ArrayLike<unknown>);
}

/**
 * Row `j` of a 2-D block (k × n): pandas stores a block's columns as rows. C order keeps row j contiguous;
 * Fortran order strides by k.
 */
export function blockRow<T>(
  values: ArrayLike<T>,
  shape: readonly number[],
  fortran: boolean,
  j: number,
): T[] {
  if (shape.length < 2) return Array.from(values);
  const k = shape[0] ?? 1;
  const n = shape[1] ?? 0;
  const out = new Array<T>(n);
  for (let i = 0; i < n; i++) out[i] = values[fortran ? i * k + j : j * n + i] as T;
  return out;
}

function half(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function isLittleEndianHost(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

export function describe(v: unknown): string {
  if (v instanceof PyInstance) return v.cls;
  if (v === null) return "None";
  if (Array.isArray(v)) return "a list";
  return typeof v;
}
