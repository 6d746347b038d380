import type { SchemaDiff, SchemaField } from "./catalog-types.js";

/**
 * What changed from one table schema to the next, by column name: columns only in `to` are added,
 * only in `from` removed, and in both with another type or nullability retyped. Column order is not
 * a change (Parquet readers match columns by name). Lists follow the order of the schema they come from.
 */
export function diffSchemas(from: readonly SchemaField[], to: readonly SchemaField[]): SchemaDiff {
  const before = new Map(from.map((field) => [field.name, field]));
  const after = new Map(to.map((field) => [field.name, field]));
  const added = to.filter((field) => !before.has(field.name));
  const removed = from.filter((field) => !after.has(field.name));
  const retyped: SchemaDiff["retyped"][number][] = [];
  for (const field of to) {
    const old = before.get(field.name);
    if (old && (old.type !== field.type || old.nullable !== field.nullable)) {
      retyped.push({
        name: field.name,
        from: old.type,
        to: field.type,
        nullableFrom: old.nullable,
        nullableTo: field.nullable,
      });
    }
  }
  return { added, removed, retyped };
}

export function isEmptyDiff(diff: SchemaDiff): boolean {
  return diff.added.length === 0 && diff.removed.length === 0 && diff.retyped.length === 0;
}

export const EMPTY_SCHEMA_DIFF: SchemaDiff = Object.freeze({ added: [], removed: [], retyped: [] });
