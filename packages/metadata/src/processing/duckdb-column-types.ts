import { RECORD_SCHEMAS, recordJsonSchemas, type RecordKind } from "@omicslake/parsers";
import { sqlIdentifier, sqlString, type SchemaField } from "@omicslake/core";

type JsonSchema = Readonly<Record<string, unknown>>;

/** One top-level column of a record kind's table: its name, DuckDB type and whether the schema requires it. */
export interface RecordColumn {
  readonly name: string;
  readonly type: string;
  readonly required: boolean;
}

/**
 * The DuckDB type of a JSON Schema node as zod writes it: strings → VARCHAR, integers → BIGINT, numbers →
 * DOUBLE, booleans, arrays → LIST, objects with properties → STRUCT, string-keyed maps → MAP. Anything the
 * schema cannot say (a union of shapes, an unconstrained value) becomes JSON so no value is dropped.
 */
export function duckdbTypeOf(node: JsonSchema): string {
  const anyOf = node["anyOf"] as readonly JsonSchema[] | undefined;
  if (anyOf) {
    // zod writes optional-or-null as a union with {type: "null"}: the column is nullable anyway.
    const concrete = anyOf.filter((n) => n["type"] !== "null");
    return concrete.length === 1 ? duckdbTypeOf(concrete[0]!) : "JSON";
  }
  if ("const" in node && typeof node["const"] === "string") return "VARCHAR";
  if (Array.isArray(node["enum"])) return "VARCHAR";
  switch (node["type"]) {
    case "string":
      return "VARCHAR";
    case "integer":
      return "BIGINT";
    case "number":
      return "DOUBLE";
    case "boolean":
      return "BOOLEAN";
    case "array": {
      const items = node["items"] as JsonSchema | undefined;
      return `${items ? duckdbTypeOf(items) : "JSON"}[]`;
    }
    case "object": {
      const properties = node["properties"] as Record<string, JsonSchema> | undefined;
      if (properties && Object.keys(properties).length > 0) {
        const fields = Object.entries(properties).map(
          ([name, child]) => `${sqlIdentifier(name)} ${duckdbTypeOf(child)}`,
        );
        return `STRUCT(${fields.join(", ")})`;
      }
      const values = node["additionalProperties"];
      if (typeof values === "object" && values !== null)
        return `MAP(VARCHAR, ${duckdbTypeOf(values as JsonSchema)})`;
      return "JSON";
    }
    default:
      return "JSON";
  }
}

const cache = new Map<RecordKind, readonly RecordColumn[]>();

/** The top-level columns of a record kind, in the schema's field order. */
export function recordColumns(kind: RecordKind): readonly RecordColumn[] {
  let columns = cache.get(kind);
  if (!columns) {
    const schema = recordJsonSchemas()[kind];
    const properties = (schema["properties"] ?? {}) as Record<string, JsonSchema>;
    const required = new Set((schema["required"] ?? []) as readonly string[]);
    columns = Object.entries(properties).map(([name, node]) => ({
      name,
      type: duckdbTypeOf(node),
      required: required.has(name),
    }));
    cache.set(kind, columns);
  }
  return columns;
}

/** The `columns={…}` argument of `read_ndjson` for a record kind. */
export function ndjsonColumnsArgument(kind: RecordKind): string {
  const entries = recordColumns(kind).map((c) => `${sqlIdentifier(c.name)}: ${sqlString(c.type)}`);
  return `{${entries.join(", ")}}`;
}

/** The columns as the catalog records a schema version. */
export function schemaFieldsOf(kind: RecordKind): SchemaField[] {
  return recordColumns(kind).map((c) => ({ name: c.name, type: c.type, nullable: !c.required }));
}

export function isRecordKind(kind: string): kind is RecordKind {
  return Object.hasOwn(RECORD_SCHEMAS, kind);
}

export { sqlIdentifier as quoteIdentifier } from "@omicslake/core";
