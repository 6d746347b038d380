import type { SqlClient } from "../../catalog-db/sql-client.js";
import { NotFoundError, ValidationError } from "../../errors/omicslake-error.js";
import type { Layer } from "../../object-store/layer.js";
import { LAYERS, isLayer } from "../../object-store/layer.js";
import type { Page, SchemaField } from "../catalog-types.js";

// Input checks and paging shared by the catalog's repositories: every repository refuses the same bad
// ids, layers and names with the same messages.

/** Throws NotFoundError unless the dataset row exists, ready or pending (a tombstone does not count). */
export async function requireDataset(db: SqlClient, id: number): Promise<void> {
  const { rows } = await db.query("SELECT 1 FROM datasets WHERE id = $1 AND state <> 'deleted'", [id]);
  if (rows.length === 0) throw new NotFoundError("dataset", id);
}

/** A published dataset or a deleted one's tombstone: lineage and versions stay readable after a delete. */
export async function requireLineageNode(db: SqlClient, id: number): Promise<void> {
  const { rows } = await db.query("SELECT 1 FROM datasets WHERE id = $1 AND state IN ('ready', 'deleted')", [
    id,
  ]);
  if (rows.length === 0) throw new NotFoundError("dataset", id);
}

export function page<T>(rows: T[], limit: number, cursorOf: (last: T) => string): Page<T> {
  if (rows.length <= limit) return { items: rows, nextCursor: null };
  const items = rows.slice(0, limit);
  return { items, nextCursor: cursorOf(items[items.length - 1]!) };
}

export function requireId(id: number, what: string): number {
  if (!Number.isSafeInteger(id) || id < 1) {
    throw new ValidationError(`${what} must be a positive whole number, got ${JSON.stringify(id)}`, {
      details: { [what]: id },
    });
  }
  return id;
}

export function requireLayer(layer: string): Layer {
  if (typeof layer !== "string" || !isLayer(layer)) {
    throw new ValidationError(`unknown layer ${JSON.stringify(layer)}`, {
      details: { layer },
      hint: `Use one of ${LAYERS.join(", ")}`,
    });
  }
  return layer;
}

export function requireText(value: unknown, what: string, maxLength: number): string {
  if (typeof value !== "string" || value.length === 0 || value.length > maxLength) {
    throw new ValidationError(
      `${what} must be a string of 1 to ${maxLength} characters, got ${JSON.stringify(value)}`,
      {
        details: { [what]: value },
      },
    );
  }
  // Control characters (including NUL, which PostgreSQL refuses in text) would break listings and keys.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new ValidationError(`${what} ${JSON.stringify(value)} contains a control character`, {
      details: { [what]: value },
      hint: "Remove tabs, newlines and other control characters",
    });
  }
  return value;
}

export function optionalText(value: string | null | undefined): string | null {
  return value === undefined || value === null || value === "" ? null : value;
}

/** Tags (and scopes): non-empty strings, duplicates dropped, first-seen order kept. */
export function normaliseTags(tags: readonly string[] | undefined, what = "tag"): string[] {
  if (tags === undefined) return [];
  if (!Array.isArray(tags))
    throw new ValidationError(`${what}s must be a list of strings`, { details: { [`${what}s`]: tags } });
  const seen = new Set<string>();
  for (const tag of tags) seen.add(requireText(tag, what, 200));
  return [...seen];
}

export function checkFields(fields: readonly SchemaField[], table: string): SchemaField[] {
  if (!Array.isArray(fields))
    throw new ValidationError(`the schema of ${table} must be a list of fields`, { details: { table } });
  const names = new Set<string>();
  return fields.map((field, index) => {
    const { name, type, nullable } = (field ?? {}) as Partial<SchemaField>;
    if (
      typeof name !== "string" ||
      name.length === 0 ||
      typeof type !== "string" ||
      type.length === 0 ||
      typeof nullable !== "boolean"
    ) {
      throw new ValidationError(
        `field ${index} of the schema of ${table} needs a name, a type and nullable true/false`,
        {
          details: { table, index, field },
        },
      );
    }
    if (names.has(name)) {
      throw new ValidationError(`the schema of ${table} has two columns named ${JSON.stringify(name)}`, {
        details: { table, column: name },
      });
    }
    names.add(name);
    return { name, type, nullable };
  });
}
