/**
 * R objects as the RDS reader rebuilds them: plain immutable data, one `kind` per SEXP family.
 * Missing values are kept apart from the data (`na`), because R's NA_real_ is a NaN payload that
 * JavaScript may not preserve and NA_integer_ is an ordinary int32 bit pattern.
 */
export type RAttributes = ReadonlyMap<string, RValue>;

interface RBase {
  readonly attributes: RAttributes;
}

export type RValue =
  | ({ readonly kind: "null" } & RBase)
  | ({ readonly kind: "symbol"; readonly name: string } & RBase)
  /**
   * Things that hold no data but may sit in attributes (environments, external pointers such as data.table's
   * `.internal.selfref`, formulas): kept so the data around them reads; converting one is an error.
   */
  | ({
      readonly kind: "opaque";
      /** R's type name, e.g. `ENVSXP`. */
      readonly sexp: string;
      readonly description: string;
      /** Byte offset in the uncompressed stream. */
      readonly offset: number;
    } & RBase)
  | ({ readonly kind: "logical"; readonly values: Int32Array; readonly na: Uint8Array | undefined } & RBase)
  | ({ readonly kind: "integer"; readonly values: Int32Array; readonly na: Uint8Array | undefined } & RBase)
  | ({ readonly kind: "double"; readonly values: Float64Array; readonly na: Uint8Array | undefined } & RBase)
  /** Interleaved (re, im) pairs. */
  | ({ readonly kind: "complex"; readonly values: Float64Array; readonly na: Uint8Array | undefined } & RBase)
  | ({ readonly kind: "character"; readonly values: readonly (string | null)[] } & RBase)
  | ({ readonly kind: "raw"; readonly values: Uint8Array } & RBase)
  | ({ readonly kind: "list"; readonly values: readonly RValue[] } & RBase)
  | ({
      readonly kind: "pairlist";
      readonly entries: readonly { readonly tag: string | null; readonly value: RValue }[];
    } & RBase)
  /** S4 object (S4SXP / OBJSXP): its slots are the attributes. */
  | ({ readonly kind: "s4" } & RBase);

export type RVectorValue = Extract<RValue, { values: unknown }>;

export const NO_ATTRIBUTES: RAttributes = new Map();

/** The `class` attribute as a string array (empty when absent). */
export function rClass(value: RValue): readonly string[] {
  const cls = value.attributes.get("class");
  return cls?.kind === "character" ? cls.values.filter((v): v is string => v !== null) : [];
}

export function rNames(value: RValue): readonly (string | null)[] | undefined {
  const names = value.attributes.get("names");
  return names?.kind === "character" ? names.values : undefined;
}

export function rLength(value: RValue): number {
  switch (value.kind) {
    case "complex":
      return value.values.length / 2;
    case "pairlist":
      return value.entries.length;
    case "logical":
    case "integer":
    case "double":
    case "character":
    case "raw":
    case "list":
      return value.values.length;
    default:
      return 0;
  }
}
