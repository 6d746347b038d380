import type { ServingColumnDefinition, ServingColumnType } from "./entity-definition.js";

/*
 * SQL that pulls serving columns out of a record. Every expression reads `r`, the record as jsonb with
 * its nulls stripped, and tolerates a missing field and a field of the wrong JSON type.
 */

const path = (field: string): string => `'{${field.split(".").join(",")}}'`;

/** The field as trimmed text, null when empty. */
export const text = (field: string): string => `nullif(btrim(r #>> ${path(field)}), '')`;

/** The field as lower-cased text, for filters that compare case-insensitively. */
export const lower = (field: string): string => `lower(${text(field)})`;

// A Parquet writer may have typed a whole number as DOUBLE, which JSON renders as "123.0"; accept that too.
const WHOLE = (digits: number): string => `'^-?[0-9]{1,${digits}}([.]0*)?$'`;

/** The field as a whole number, null when it is not one or does not fit. */
export const int = (field: string, type: "integer" | "bigint" = "integer"): string =>
  `CASE WHEN r #>> ${path(field)} ~ ${WHOLE(type === "integer" ? 9 : 18)} THEN (r #>> ${path(field)})::numeric::${type} END`;

/** Upstream dates come as YYYY-MM-DD, a timestamp, or a year; only the first ten characters of a full date count. */
export const date = (field: string): string =>
  `CASE WHEN r #>> ${path(field)} ~ '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])' THEN substr(r #>> ${path(field)}, 1, 10)::date END`;

/**
 * The field as a timestamp, null unless it is ISO 8601 with a zone (the loader renders curated
 * timestamps as `YYYY-MM-DDTHH:MM:SS[.fff]Z`), so the session's zone never changes the instant.
 */
export const timestamp = (field: string): string =>
  `CASE WHEN r #>> ${path(field)} ~ '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]+)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)$' THEN (r #>> ${path(field)})::timestamptz END`;

/** The distinct non-empty elements of an array field. */
export const arrayOf = (field: string, item: "text" | "lower" | "integer"): string => {
  const element =
    item === "integer"
      ? `CASE WHEN e ~ ${WHOLE(9)} THEN e::numeric::integer END`
      : item === "lower"
        ? "lower(e)"
        : "e";
  return `CASE WHEN jsonb_typeof(r #> ${path(field)}) = 'array' THEN ARRAY(SELECT DISTINCT ${element} FROM jsonb_array_elements_text(r #> ${path(field)}) e WHERE e IS NOT NULL AND e <> '') END`;
};

/** Values of `inner` inside each object of the array `outer` (GEO sample channels). */
export const nestedArray = (outer: string, inner: string, item: "lower" | "integer"): string => {
  const element = item === "integer" ? `CASE WHEN e ~ ${WHOLE(9)} THEN e::numeric::integer END` : "lower(e)";
  return `CASE WHEN jsonb_typeof(r #> ${path(outer)}) = 'array' THEN ARRAY(SELECT DISTINCT ${element} FROM jsonb_array_elements(r #> ${path(outer)}) c, jsonb_array_elements_text(CASE WHEN jsonb_typeof(c -> '${inner}') = 'array' THEN c -> '${inner}' ELSE '[]'::jsonb END) e WHERE e <> '') END`;
};

/** The tsvector searched by `q=`: fields under A weigh more than B, and B more than C. */
export const tsv = (weighted: Record<"A" | "B" | "C", readonly string[]>): string =>
  Object.entries<readonly string[]>(weighted)
    .filter(([, fields]) => fields.length > 0)
    .map(
      ([weight, fields]) =>
        `setweight(to_tsvector('english', concat_ws(' ', ${fields.map((f) => `r #>> ${path(f)}`).join(", ")})), '${weight}')`,
    )
    .join(" || ");

/** A serving column; the literal type is kept so filters can be checked against it. */
export const col = <const Type extends ServingColumnType>(
  type: Type,
  expr: string,
  index = true,
): ServingColumnDefinition<Type> => ({ type, expr, index });
