import { RECORD_SCHEMAS, recordJsonSchemas, type RecordKind } from "@omicslake/parsers";
import { sqlIdentifier, sqlString, type SchemaField } from "@omicslake/core";

type JsonSchema = Readonly<Record<string, unknown>>;

/** The DuckDB type of a timestamp column: an instant, so values from different zones compare right. */
export const TIMESTAMP_TYPE = "TIMESTAMP WITH TIME ZONE";

/** The suffix of the column that keeps a date's text when it does not parse (`published_raw`). */
export const RAW_SUFFIX = "_raw";

/** One top-level column of a record kind's table: its name, DuckDB type and whether the schema requires it. */
export interface RecordColumn {
  readonly name: string;
  /** The type of the column in processed and curated Parquet. */
  readonly type: string;
  /**
   * The type `read_ndjson` reads the field as before the cast to `type`: dates and timestamps as text
   * and whole numbers as DOUBLE (what the parsers' JSON numbers are), so a bad value becomes NULL
   * instead of failing the batch.
   */
  readonly readType: string;
  readonly required: boolean;
  /** Set on a top-level date or timestamp field: the text of a value that does not parse is kept in `{name}_raw`. */
  readonly temporal?: "date" | "timestamp";
}

/** How a node is read from NDJSON (`read`) and stored (`stored`). */
interface NodeTypes {
  readonly read: string;
  readonly stored: string;
}

const same = (type: string): NodeTypes => ({ read: type, stored: type });

/**
 * The DuckDB types of a JSON Schema node as zod writes it: strings → VARCHAR, strings marked
 * `format: date` → DATE and `format: date-time` → TIMESTAMP WITH TIME ZONE, integers → BIGINT,
 * numbers → DOUBLE, booleans, arrays → LIST, objects with properties → STRUCT, string-keyed maps → MAP.
 * Anything the schema cannot say (a union of shapes, an unconstrained value) becomes JSON so no value is
 * dropped.
 */
function nodeTypes(node: JsonSchema): NodeTypes {
  const anyOf = node["anyOf"] as readonly JsonSchema[] | undefined;
  if (anyOf) {
    // zod writes optional-or-null as a union with {type: "null"}: the column is nullable anyway.
    const concrete = anyOf.filter((n) => n["type"] !== "null");
    return concrete.length === 1 ? nodeTypes(concrete[0]!) : same("JSON");
  }
  if ("const" in node && typeof node["const"] === "string") return same("VARCHAR");
  if (Array.isArray(node["enum"])) return same("VARCHAR");
  switch (node["type"]) {
    case "string":
      if (node["format"] === "date") return { read: "VARCHAR", stored: "DATE" };
      if (node["format"] === "date-time") return { read: "VARCHAR", stored: TIMESTAMP_TYPE };
      return same("VARCHAR");
    case "integer":
      return { read: "DOUBLE", stored: "BIGINT" };
    case "number":
      return same("DOUBLE");
    case "boolean":
      return same("BOOLEAN");
    case "array": {
      const items = node["items"] as JsonSchema | undefined;
      const item = items ? nodeTypes(items) : same("JSON");
      return { read: `${item.read}[]`, stored: `${item.stored}[]` };
    }
    case "object": {
      const properties = node["properties"] as Record<string, JsonSchema> | undefined;
      if (properties && Object.keys(properties).length > 0) {
        const fields = Object.entries(properties).map(
          ([name, child]) => [sqlIdentifier(name), nodeTypes(child)] as const,
        );
        return {
          read: `STRUCT(${fields.map(([name, t]) => `${name} ${t.read}`).join(", ")})`,
          stored: `STRUCT(${fields.map(([name, t]) => `${name} ${t.stored}`).join(", ")})`,
        };
      }
      const values = node["additionalProperties"];
      if (typeof values === "object" && values !== null) {
        const value = nodeTypes(values as JsonSchema);
        return { read: `MAP(VARCHAR, ${value.read})`, stored: `MAP(VARCHAR, ${value.stored})` };
      }
      return same("JSON");
    }
    default:
      return same("JSON");
  }
}

/** The DuckDB type a JSON Schema node is stored as (see `nodeTypes`). */
export function duckdbTypeOf(node: JsonSchema): string {
  return nodeTypes(node).stored;
}

function temporalOf(node: JsonSchema): "date" | "timestamp" | undefined {
  const anyOf = node["anyOf"] as readonly JsonSchema[] | undefined;
  const concrete = anyOf ? anyOf.filter((n) => n["type"] !== "null") : [node];
  if (concrete.length !== 1 || concrete[0]!["type"] !== "string") return undefined;
  const format = concrete[0]!["format"];
  return format === "date" ? "date" : format === "date-time" ? "timestamp" : undefined;
}

const cache = new Map<RecordKind, readonly RecordColumn[]>();

/** The top-level columns of a record kind, in the schema's field order. */
export function recordColumns(kind: RecordKind): readonly RecordColumn[] {
  let columns = cache.get(kind);
  if (!columns) {
    const schema = recordJsonSchemas()[kind];
    const properties = (schema["properties"] ?? {}) as Record<string, JsonSchema>;
    const required = new Set((schema["required"] ?? []) as readonly string[]);
    columns = Object.entries(properties).map(([name, node]) => {
      const types = nodeTypes(node);
      const temporal = temporalOf(node);
      return {
        name,
        type: types.stored,
        readType: types.read,
        required: required.has(name),
        ...(temporal ? { temporal } : {}),
      };
    });
    cache.set(kind, columns);
  }
  return columns;
}

/** The `{name}_raw` columns of a kind: one per top-level date or timestamp field. */
export function rawTextColumns(kind: RecordKind): readonly string[] {
  return recordColumns(kind)
    .filter((c) => c.temporal !== undefined)
    .map((c) => `${c.name}${RAW_SUFFIX}`);
}

/** The `columns={…}` argument of `read_ndjson` for a record kind (dates as text, whole numbers as DOUBLE). */
export function ndjsonColumnsArgument(kind: RecordKind): string {
  const entries = recordColumns(kind).map((c) => `${sqlIdentifier(c.name)}: ${sqlString(c.readType)}`);
  return `{${entries.join(", ")}}`;
}

/**
 * The SELECT list that turns the columns `read_ndjson` read (`ndjsonColumnsArgument`) of relation
 * `alias` into the stored types, in schema order, followed by the `_raw` text columns. A value that does
 * not fit its type (a date like `0000-00-00`, `2019-13-45` or `2019-03`, a count beyond BIGINT) becomes
 * NULL rather than failing the run; for a top-level date or timestamp its text is kept in `{name}_raw`
 * (NULL when the value parsed). Timestamps without a zone are read as UTC: the session must run with
 * `TimeZone = 'UTC'`.
 */
export function typedSelectList(kind: RecordKind, alias: string): string {
  const columns = recordColumns(kind);
  const typed = columns.map((c) => {
    const id = sqlIdentifier(c.name);
    const ref = `${alias}.${id}`;
    return c.readType === c.type ? ref : `TRY_CAST(${ref} AS ${c.type}) AS ${id}`;
  });
  const raw = columns
    .filter((c) => c.temporal !== undefined)
    .map((c) => {
      const ref = `${alias}.${sqlIdentifier(c.name)}`;
      return `CASE WHEN TRY_CAST(${ref} AS ${c.type}) IS NULL THEN nullif(trim(${ref}), '') END AS ${sqlIdentifier(`${c.name}${RAW_SUFFIX}`)}`;
    });
  return [...typed, ...raw].join(", ");
}

/** The columns as the catalog records a schema version (the `_raw` text columns included). */
export function schemaFieldsOf(kind: RecordKind): SchemaField[] {
  return [
    ...recordColumns(kind).map((c) => ({ name: c.name, type: c.type, nullable: !c.required })),
    ...rawTextColumns(kind).map((name) => ({ name, type: "VARCHAR", nullable: true })),
  ];
}

export function isRecordKind(kind: string): kind is RecordKind {
  return Object.hasOwn(RECORD_SCHEMAS, kind);
}

export { sqlIdentifier as quoteIdentifier } from "@omicslake/core";
