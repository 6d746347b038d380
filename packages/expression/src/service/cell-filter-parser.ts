import { OmicslakeError, ValidationError } from "@omicslake/core";
import type { CellCondition, CellFilter, CellValue } from "../model/expression-types.js";
import type { StoreColumn } from "../store/store-layout.js";

/**
 * A filter as callers write it, before its columns and values are checked against a store: values are
 * strings from a query string or command line, or JSON scalars from a request body.
 */
export type RawCondition = {
  in?: unknown[];
  min?: unknown;
  max?: unknown;
};
export type RawFilter = Record<string, RawCondition>;

/** The prefix of filter parameters in GET query strings: `where.Subject=P1`, `where.nCount.min=100`. */
export const WHERE_PREFIX = "where.";

const MAX_VALUES_PER_COLUMN = 10_000;
const NUMERIC =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|REAL|DECIMAL.*|INT\d*|UINT\d*|FLOAT\d*)$/i;
const ORDERED_TEXT = /^(DATE|TIMESTAMP.*|TIME|DATETIME.*)$/i;

function add(filter: RawFilter, column: string, part: "in" | "min" | "max", value: unknown): void {
  const condition = (filter[column] ??= {});
  if (part === "in") (condition.in ??= []).push(value);
  else condition[part] = value;
}

/**
 * Reads `where.COL=VALUE` (repeat for any of several values), `where.COL.min=N` and `where.COL.max=N` from a
 * query string. A key is a column's own name first: a column literally named `x.min` is compared for equality.
 */
export function filterFromQuery(
  query: Readonly<Record<string, unknown>>,
  columns: readonly StoreColumn[],
): RawFilter {
  const names = new Set(columns.map((c) => c.name));
  const filter: RawFilter = Object.create(null) as RawFilter;
  for (const [key, raw] of Object.entries(query)) {
    if (!key.startsWith(WHERE_PREFIX)) continue;
    const rest = key.slice(WHERE_PREFIX.length);
    const values = Array.isArray(raw) ? raw : [raw];
    const range = /^(.*)\.(min|max)$/.exec(rest);
    if (!names.has(rest) && range !== null && names.has(range[1]!)) {
      if (values.length !== 1)
        throw new ValidationError(`${key} was given ${values.length} times; give a bound once`, {
          details: { parameter: key },
        });
      add(filter, range[1]!, range[2] as "min" | "max", values[0]);
      continue;
    }
    for (const value of values) add(filter, rest, "in", value);
  }
  return filter;
}

/**
 * Reads command-line conditions: `COL=VALUE` (repeat for any of several values), `COL>=N`, `COL<=N`.
 * @example filterFromArgs(["Subject=P1", "Subject=P2", "nCount>=100"])
 */
export function filterFromArgs(args: readonly string[]): RawFilter {
  const filter: RawFilter = Object.create(null) as RawFilter;
  for (const arg of args) {
    const match = /^([^<>=]+?)(>=|<=|=)(.*)$/s.exec(arg);
    if (match === null)
      throw new ValidationError(`--where "${arg}": expected COLUMN=VALUE, COLUMN>=NUMBER or COLUMN<=NUMBER`, {
        details: { where: arg },
      });
    const [, column, op, value] = match as unknown as [string, string, string, string];
    add(filter, column, op === "=" ? "in" : op === ">=" ? "min" : "max", value);
  }
  return filter;
}

/**
 * Reads a JSON filter: `{COL: value}`, `{COL: [values]}`, `{COL: {in: [...]}}`, `{COL: {min, max}}`.
 */
export function filterFromJson(value: unknown, where = "filters"): RawFilter {
  if (value === undefined || value === null) return Object.create(null) as RawFilter;
  if (typeof value !== "object" || Array.isArray(value))
    throw new ValidationError(`${where} must be an object of column → condition`, {
      details: { [where]: value },
    });
  const filter: RawFilter = Object.create(null) as RawFilter;
  for (const [column, condition] of Object.entries(value)) {
    if (Array.isArray(condition)) filter[column] = { in: condition };
    else if (condition !== null && typeof condition === "object") {
      const { in: values, min, max, ...extra } = condition as Record<string, unknown>;
      const unknown = Object.keys(extra);
      if (unknown.length > 0)
        throw new ValidationError(`${where}.${column}: unknown key "${unknown[0]}"; use in, min or max`, {
          details: { column, key: unknown[0] },
        });
      if (values !== undefined && !Array.isArray(values))
        throw new ValidationError(`${where}.${column}.in must be an array`, { details: { column } });
      filter[column] = {
        ...(values !== undefined ? { in: values } : {}),
        ...(min !== undefined ? { min } : {}),
        ...(max !== undefined ? { max } : {}),
      };
    } else filter[column] = { in: [condition] };
  }
  return filter;
}

/** Joins filters from several places (query and shortcut), refusing a column given in both. */
export function mergeFilters(...filters: RawFilter[]): RawFilter {
  const merged: RawFilter = Object.create(null) as RawFilter;
  for (const filter of filters) {
    for (const [column, condition] of Object.entries(filter)) {
      if (column in merged)
        throw new ValidationError(`column "${column}" is filtered twice; give its condition once`, {
          details: { column },
        });
      merged[column] = condition;
    }
  }
  return merged;
}

/** Throws unknown_column (400) listing the columns when `column` is not one of them. */
export function requireColumn(column: string, columns: readonly StoreColumn[], what = "cell"): StoreColumn {
  const found = columns.find((c) => c.name === column);
  if (found !== undefined) return found;
  const names = columns.map((c) => c.name);
  throw new OmicslakeError("unknown_column", `no ${what} column "${column}"`, {
    details: { column, columns: names },
    hint: `${what === "cell" ? "Cell" : "Gene"} columns: ${names.join(", ")}`,
  });
}

/**
 * Checks a filter against a table's columns and turns its values into the column's type: unknown columns
 * are unknown_column (400) with the list, values that do not fit the type and ranges on text are 400.
 */
export function checkFilter(raw: RawFilter, columns: readonly StoreColumn[], what = "cell"): CellFilter {
  const filter: Record<string, CellCondition> = {};
  for (const [name, condition] of Object.entries(raw)) {
    const column = requireColumn(name, columns, what);
    const values = condition.in;
    const hasRange = condition.min !== undefined || condition.max !== undefined;
    if (values !== undefined && hasRange)
      throw new ValidationError(`column "${name}": give values or a min/max range, not both`, {
        details: { column: name },
      });
    if (values !== undefined) {
      if (values.length === 0)
        throw new ValidationError(`column "${name}": an empty list of values matches no cell`, {
          details: { column: name },
        });
      if (values.length > MAX_VALUES_PER_COLUMN)
        throw new ValidationError(`column "${name}": at most ${MAX_VALUES_PER_COLUMN} values`, {
          details: { column: name, values: values.length },
        });
      filter[name] = { in: values.map((v) => parseValue(v, column)) };
      continue;
    }
    if (!hasRange) continue;
    if (!NUMERIC.test(column.type) && !ORDERED_TEXT.test(column.type))
      throw new ValidationError(
        `column "${name}" (${column.type}) has no order: filter it by values, not min/max`,
        {
          details: { column: name, type: column.type },
        },
      );
    const bound = (v: unknown): number | string =>
      NUMERIC.test(column.type) ? parseNumber(v, column) : parseText(v, column);
    filter[name] = {
      ...(condition.min !== undefined ? { min: bound(condition.min) } : {}),
      ...(condition.max !== undefined ? { max: bound(condition.max) } : {}),
    };
  }
  return filter;
}

function parseValue(value: unknown, column: StoreColumn): CellValue {
  if (value === null) return null;
  if (NUMERIC.test(column.type)) return parseNumber(value, column);
  if (/^BOOL(EAN)?$/i.test(column.type)) {
    if (typeof value === "boolean") return value;
    if (value === "true" || value === "false") return value === "true";
    throw new ValidationError(
      `column "${column.name}" is BOOLEAN: use true or false, not ${JSON.stringify(value)}`,
      {
        details: { column: column.name, value },
      },
    );
  }
  return parseText(value, column);
}

function parseNumber(value: unknown, column: StoreColumn): number {
  const n =
    typeof value === "number"
      ? value
      : typeof value === "string" && value.trim() !== ""
        ? Number(value)
        : NaN;
  if (!Number.isFinite(n))
    throw new ValidationError(
      `column "${column.name}" is ${column.type}: ${JSON.stringify(value)} is not a number`,
      {
        details: { column: column.name, type: column.type, value },
      },
    );
  return n;
}

function parseText(value: unknown, column: StoreColumn): string {
  if (typeof value === "string") {
    if (value.length > 1000)
      throw new ValidationError(`column "${column.name}": a value is longer than 1000 characters`, {
        details: { column: column.name },
      });
    return value;
  }
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new ValidationError(`column "${column.name}": expected a value, got ${JSON.stringify(value)}`, {
    details: { column: column.name },
  });
}
