import { frombuffer, npScalar } from "./numpy-array.js";
import { PyGlobal, PyInstance, PySet } from "./py-objects.js";

/**
 * How an allowed global is rebuilt: `class` records an inert PyInstance (under a canonical name `as`, so the
 * interpreter needs not know every module a class lived in across pandas versions); `function` runs a pure
 * JavaScript stand-in that only builds data.
 */
export type GlobalHandler =
  | { readonly kind: "class"; readonly as?: string }
  /** A singleton pickled by reference (pandas.NA): the GLOBAL itself stands for this value. */
  | { readonly kind: "value"; readonly value: unknown }
  | { readonly kind: "function"; readonly call: (args: readonly unknown[], file: string) => unknown };

const cls = (as?: string): GlobalHandler => (as === undefined ? { kind: "class" } : { kind: "class", as });
const fn = (call: (args: readonly unknown[], file: string) => unknown): GlobalHandler => ({
  kind: "function",
  call,
});

function instanceOf(target: unknown, state: unknown): PyInstance {
  if (!(target instanceof PyGlobal) || target.handler.kind !== "class")
    throw new Error("expected an allowed class");
  const obj = new PyInstance(target.handler.as ?? target.qualifiedName, []);
  obj.state = state;
  return obj;
}

function bytesOf(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === "string") return Uint8Array.from(v, (c) => c.charCodeAt(0) & 0xff);
  if (Array.isArray(v)) return Uint8Array.from(v as number[]);
  return new Uint8Array(0);
}

const pad = (n: number, w = 2): string => String(n).padStart(w, "0");

/** datetime objects pickle their fields as packed bytes; we keep ISO text (JSON-able, unambiguous). */
function pickledDate(args: readonly unknown[]): string {
  const b = bytesOf(args[0]);
  if (b.length === 4)
    return `${pad(((b[0] ?? 0) << 8) | (b[1] ?? 0), 4)}-${pad(b[2] ?? 0)}-${pad(b[3] ?? 0)}`;
  const nums = args.map(Number);
  return `${pad(nums[0] ?? 0, 4)}-${pad(nums[1] ?? 1)}-${pad(nums[2] ?? 1)}`;
}

function pickledDateTime(args: readonly unknown[]): string {
  const b = bytesOf(args[0]);
  if (b.length === 10) {
    const us = ((b[7] ?? 0) << 16) | ((b[8] ?? 0) << 8) | (b[9] ?? 0);
    const date = `${pad(((b[0] ?? 0) << 8) | (b[1] ?? 0), 4)}-${pad(b[2] ?? 0)}-${pad(b[3] ?? 0)}`;
    const tz = typeof args[1] === "string" ? args[1] : undefined;
    return `${date}T${pad(b[4] ?? 0)}:${pad(b[5] ?? 0)}:${pad(b[6] ?? 0)}.${pad(us, 6)}${tz === "UTC" ? "Z" : ""}`;
  }
  return String(args[0]);
}

function pickledTime(args: readonly unknown[]): string {
  const b = bytesOf(args[0]);
  const us = ((b[3] ?? 0) << 16) | ((b[4] ?? 0) << 8) | (b[5] ?? 0);
  return `${pad(b[0] ?? 0)}:${pad(b[1] ?? 0)}:${pad(b[2] ?? 0)}.${pad(us, 6)}`;
}

const reconstruct = fn((args) => new PyInstance("numpy.ndarray", args));
const frombufferFn = fn((args) => frombuffer(args));
const scalarFn = fn((args) => npScalar(args));
const unpickleBlock = fn((args) => new PyInstance("Block", args));
const newIndex = fn((args) => instanceOf(args[0], args[1]));
const ndarrayBacked = fn((args) => instanceOf(args[0], args[2] ?? undefined));

const entries: [string, GlobalHandler][] = [
  // numpy (numpy 1.x lives in numpy.core, numpy 2.x in numpy._core)
  ["numpy.core.multiarray._reconstruct", reconstruct],
  ["numpy._core.multiarray._reconstruct", reconstruct],
  ["numpy.core.numeric._frombuffer", frombufferFn],
  ["numpy._core.numeric._frombuffer", frombufferFn],
  ["numpy.core.multiarray.scalar", scalarFn],
  ["numpy._core.multiarray.scalar", scalarFn],
  ["numpy.ndarray", cls("numpy.ndarray")],
  ["numpy.dtype", cls("numpy.dtype")],
  // builtins and the standard library's data types
  ["builtins.slice", cls("slice")],
  ["__builtin__.slice", cls("slice")],
  ["builtins.object", cls("object")],
  ["__builtin__.object", cls("object")],
  ["builtins.complex", cls("complex")],
  ["builtins.set", fn((args) => new PySet(Array.isArray(args[0]) ? [...(args[0] as unknown[])] : [], false))],
  [
    "builtins.frozenset",
    fn((args) => new PySet(Array.isArray(args[0]) ? [...(args[0] as unknown[])] : [], true)),
  ],
  [
    "__builtin__.set",
    fn((args) => new PySet(Array.isArray(args[0]) ? [...(args[0] as unknown[])] : [], false)),
  ],
  ["builtins.bytearray", fn((args) => bytesOf(args[0]).slice())],
  ["__builtin__.bytearray", fn((args) => bytesOf(args[0]).slice())],
  ["_codecs.encode", fn((args) => bytesOf(args[0]))],
  ["copyreg._reconstructor", fn((args) => instanceOf(args[0], undefined))],
  ["copy_reg._reconstructor", fn((args) => instanceOf(args[0], undefined))],
  ["collections.OrderedDict", fn(() => new Map())],
  ["datetime.date", fn(pickledDate)],
  ["datetime.datetime", fn(pickledDateTime)],
  ["datetime.time", fn(pickledTime)],
  [
    "datetime.timedelta",
    fn((args) => ({
      days: Number(args[0] ?? 0),
      seconds: Number(args[1] ?? 0),
      microseconds: Number(args[2] ?? 0),
    })),
  ],
  ["datetime.timezone", cls("timezone")],
  ["pytz._UTC", fn(() => "UTC")],
  ["pytz._p", fn((args) => String(args[0]))],
  ["zoneinfo.ZoneInfo._unpickle", fn((args) => String(args[0]))],
  // pandas containers and managers (1.x and 2.x module paths)
  ["pandas.core.frame.DataFrame", cls("DataFrame")],
  ["pandas.core.series.Series", cls("Series")],
  ["pandas.core.internals.managers.BlockManager", cls("BlockManager")],
  ["pandas.core.internals.managers.SingleBlockManager", cls("SingleBlockManager")],
  ["pandas.core.internals.BlockManager", cls("BlockManager")],
  ["pandas._libs.internals._unpickle_block", unpickleBlock],
  ["pandas.core.internals.blocks._unpickle_block", unpickleBlock],
  ["pandas.core.internals.blocks.new_block", unpickleBlock],
  ["pandas._libs.internals.BlockPlacement", cls("BlockPlacement")],
  ["pandas.core.internals.blocks.Block", cls("LegacyBlock")],
  ["pandas.core.internals.blocks.ObjectBlock", cls("LegacyBlock")],
  ["pandas.core.internals.blocks.FloatBlock", cls("LegacyBlock")],
  ["pandas.core.internals.blocks.IntBlock", cls("LegacyBlock")],
  ["pandas.core.internals.blocks.BoolBlock", cls("LegacyBlock")],
  ["pandas.core.internals.blocks.NumericBlock", cls("LegacyBlock")],
  ["pandas.core.internals.blocks.ExtensionBlock", cls("LegacyBlock")],
  ["pandas.core.internals.blocks.CategoricalBlock", cls("LegacyBlock")],
  ["pandas.core.internals.blocks.DatetimeBlock", cls("LegacyBlock")],
  ["pandas.core.internals.blocks.DatetimeTZBlock", cls("LegacyBlock")],
  ["pandas.core.internals.blocks.DatetimeLikeBlock", cls("LegacyBlock")],
  // indexes
  ["pandas.core.indexes.base._new_Index", newIndex],
  ["pandas.core.indexes.datetimes._new_DatetimeIndex", newIndex],
  ["pandas.core.indexes.base.Index", cls("Index")],
  ["pandas.core.indexes.numeric.Int64Index", cls("Index")],
  ["pandas.core.indexes.numeric.UInt64Index", cls("Index")],
  ["pandas.core.indexes.numeric.Float64Index", cls("Index")],
  ["pandas.core.indexes.numeric.NumericIndex", cls("Index")],
  ["pandas.core.indexes.range.RangeIndex", cls("RangeIndex")],
  ["pandas.core.indexes.datetimes.DatetimeIndex", cls("DatetimeIndex")],
  ["pandas.core.indexes.category.CategoricalIndex", cls("CategoricalIndex")],
  // arrays and dtypes
  ["pandas._libs.arrays.__pyx_unpickle_NDArrayBacked", ndarrayBacked],
  ["pandas.core.arrays.categorical.Categorical", cls("Categorical")],
  ["pandas.core.arrays.datetimes.DatetimeArray", cls("DatetimeArray")],
  ["pandas.core.arrays.string_.StringArray", cls("NumpyArray")],
  ["pandas.core.arrays.numpy_.PandasArray", cls("NumpyArray")],
  ["pandas.core.arrays.numpy_.NumpyExtensionArray", cls("NumpyArray")],
  ["pandas.core.arrays.integer.IntegerArray", cls("MaskedArray")],
  ["pandas.core.arrays.floating.FloatingArray", cls("MaskedArray")],
  ["pandas.core.arrays.boolean.BooleanArray", cls("MaskedArray")],
  ["pandas.core.dtypes.dtypes.CategoricalDtype", cls("CategoricalDtype")],
  ["pandas.core.dtypes.dtypes.DatetimeTZDtype", cls("DatetimeTZDtype")],
  ["pandas.core.arrays.string_.StringDtype", cls("ExtensionDtype")],
  ["pandas.core.arrays.boolean.BooleanDtype", cls("ExtensionDtype")],
  ...["Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64"].map(
    (t): [string, GlobalHandler] => [`pandas.core.arrays.integer.${t}Dtype`, cls("ExtensionDtype")],
  ),
  ["pandas.core.arrays.floating.Float32Dtype", cls("ExtensionDtype")],
  ["pandas.core.arrays.floating.Float64Dtype", cls("ExtensionDtype")],
  [
    "pandas._libs.tslibs.timestamps._unpickle_timestamp",
    fn((args) => ({ timestampNs: args[0], tz: args[2] ?? null })),
  ],
  ["pandas._libs.tslibs.nattype.__nat_unpickle", fn(() => null)],
  ["pandas._libs.missing.NA", { kind: "value", value: null }],
  ["pandas._libs.missing.NAType", fn(() => null)],
  // offsets (a DatetimeIndex's freq) are kept as inert values: any name of that module maps here
  ["*inert", cls("Inert")],
];

/** The only globals a pickle may name; anything else is refused as `unsafe_pickle_global`. */
export const ALLOWED_GLOBALS: ReadonlyMap<string, GlobalHandler> = new Map(entries);
