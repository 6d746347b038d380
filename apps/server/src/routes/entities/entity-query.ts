import { NotFoundError, OmicslakeError, type SqlClient } from "@omicslake/core";

/**
 * How a query parameter narrows a list. Text the loader stores lower-cased (organisms, library
 * strategies, …) is compared after lower-casing the parameter, so `organism=Homo sapiens` matches.
 */
export type FilterKind =
  | "lower"
  | "exact"
  | "int"
  | "lower_in_array"
  | "in_array"
  | "int_in_array"
  | "date_from"
  | "date_to"
  | "int_from"
  | "int_to";

export interface EntityFilter {
  readonly param: string;
  /** A column of the entity's serving view. */
  readonly column: string;
  readonly kind: FilterKind;
  readonly description: string;
  readonly example: string | number;
}

export function filter(param: string, column: string, kind: FilterKind, description: string, example: string | number): EntityFilter {
  return { param, column, kind, description, example };
}

export interface EntityListQuery {
  readonly filters: Readonly<Record<string, unknown>>;
  readonly q?: string | undefined;
  readonly limit: number;
  readonly cursor?: string | undefined;
}

/** A child list: rows of the child's view tied to a parent accession by `where` (`$parent` marks the accession). */
export interface ChildCondition {
  readonly where: string;
  readonly parent: string;
}

const COMMA = Buffer.from(",");

export interface RawPage {
  /** The records of the page as UTF-8 JSON, with the separating commas (no brackets). */
  readonly records: readonly Buffer[];
  readonly count: number;
  readonly nextCursor: string | null;
}

/** A cursor this list did not produce (edited, truncated or from another entity). */
export class EntityCursorError extends OmicslakeError {
  constructor(cursor: string, entity: string, cause?: unknown) {
    super("invalid_cursor", `invalid page cursor ${JSON.stringify(cursor.length > 80 ? `${cursor.slice(0, 80)}…` : cursor)}`, {
      details: { cursor, entity },
      hint: "Pass the next_cursor value of the previous page unchanged, or omit the cursor to start from the first page",
      cause,
    });
  }
}

/**
 * The entity's view does not exist yet (nothing was ever loaded into the serving database), or an
 * older release loaded it without the columns this one reads (`stale`).
 */
export class EntityNotLoadedError extends OmicslakeError {
  constructor(entity: string, cause?: unknown, stale = false) {
    super(
      "not_loaded",
      stale
        ? `the ${entity} records in the serving database were loaded by an older release and lack the columns this server reads`
        : `no ${entity} records have been loaded into the serving database`,
      {
        details: { entity },
        hint: stale ? 'Run "omicslake load" again to reload them' : 'Run "omicslake load" after consolidation',
        cause,
      },
    );
  }
}

export function encodeEntityCursor(entity: string, accession: string): string {
  return Buffer.from(JSON.stringify({ e: entity, a: accession }), "utf8").toString("base64url");
}

export function decodeEntityCursor(entity: string, cursor: string): string {
  let payload: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error("not base64url");
    payload = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch (error) {
    throw new EntityCursorError(cursor, entity, error);
  }
  const { e, a } = (payload ?? {}) as { e?: unknown; a?: unknown };
  if (e !== entity || typeof a !== "string") throw new EntityCursorError(cursor, entity);
  return a;
}

/**
 * Prepared-statement names by SQL text. A list's SQL depends only on which filters are set and the page
 * size, so there are few; past the cap new shapes run unprepared, so odd queries cannot grow every
 * connection's statement cache without bound.
 */
const statementNames = new Map<string, string>();
const MAX_PREPARED = 500;

function statementName(sql: string): string | undefined {
  let name = statementNames.get(sql);
  if (name === undefined && statementNames.size < MAX_PREPARED) {
    name = `omicslake_entity_${statementNames.size}`;
    statementNames.set(sql, name);
  }
  return name;
}

/**
 * Runs a serving query as a prepared statement (on PostgreSQL each connection then skips parse and
 * plan), turning "no such view" into a clear not-loaded error.
 */
async function run<T extends Record<string, unknown>>(
  db: SqlClient,
  entity: string,
  sql: string,
  params: readonly unknown[],
): Promise<T[]> {
  const prepare = statementName(sql);
  try {
    return (await db.query<T>(sql, params, prepare === undefined ? undefined : { prepare })).rows;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "42P01") throw new EntityNotLoadedError(entity, error);
    // 42703: no `doc` column, i.e. a view an older release loaded.
    if (code === "42703") throw new EntityNotLoadedError(entity, error, true);
    throw error;
  }
}

/** One record as JSON text, or a not_found error. */
export async function lookupRecord(db: SqlClient, entity: string, noun: string, accession: string): Promise<string> {
  const rows = await run<{ r: string }>(db, entity, `SELECT doc AS r FROM ${entity} WHERE accession = $1`, [accession]);
  const row = rows[0];
  if (!row) throw new NotFoundError(noun, accession, { hint: `Check the accession, or list ${noun} records with filters` });
  return row.r;
}

export async function recordExists(db: SqlClient, entity: string, accession: string): Promise<boolean> {
  const rows = await run(db, entity, `SELECT 1 AS x FROM ${entity} WHERE accession = $1`, [accession]);
  return rows.length > 0;
}

const CONDITION: Readonly<Record<FilterKind, (column: string, p: string) => string>> = {
  lower: (c, p) => `${c} = lower(${p})`,
  exact: (c, p) => `${c} = ${p}`,
  int: (c, p) => `${c} = ${p}::integer`,
  lower_in_array: (c, p) => `${c} @> ARRAY[lower(${p})]::text[]`,
  in_array: (c, p) => `${c} @> ARRAY[${p}]::text[]`,
  int_in_array: (c, p) => `${c} @> ARRAY[${p}::integer]`,
  date_from: (c, p) => `${c} >= ${p}::date`,
  date_to: (c, p) => `${c} <= ${p}::date`,
  int_from: (c, p) => `${c} >= ${p}::integer`,
  int_to: (c, p) => `${c} <= ${p}::integer`,
};

/**
 * One keyset page in accession order. The records' JSON text was rendered at load time (`doc`), so a
 * page costs neither PostgreSQL's jsonb output nor a JSON parse or stringify in Node.
 */
export async function listRecords(
  db: SqlClient,
  entity: string,
  filters: readonly EntityFilter[],
  query: EntityListQuery,
  child?: ChildCondition,
): Promise<RawPage> {
  const params: unknown[] = [];
  const where: string[] = [];
  const bind = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  for (const filter of filters) {
    const value = query.filters[filter.param];
    if (value === undefined || value === null || value === "") continue;
    where.push(CONDITION[filter.kind](filter.column, bind(value)));
  }
  if (query.q !== undefined && query.q.trim() !== "") where.push(`search @@ websearch_to_tsquery('english', ${bind(query.q)})`);
  if (child) where.push(`(${child.where.replaceAll("$parent", bind(child.parent))})`);
  if (query.cursor !== undefined) where.push(`accession > ${bind(decodeEntityCursor(entity, query.cursor))}`);
  // One row per record, as the JSON text stored at load time (`doc`); the extra row only tells whether a
  // next page exists. Each record goes straight into a Buffer: joining them as a JS string would copy the
  // page on the heap again, and on big pages the garbage collector is the main cost.
  const sql = `SELECT accession, doc AS r FROM ${entity}${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY accession LIMIT ${query.limit + 1}`;
  const rows = await run<{ accession: string; r: string }>(db, entity, sql, params);
  const count = Math.min(rows.length, query.limit);
  const records: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    if (i > 0) records.push(COMMA);
    records.push(Buffer.from(rows[i]!.r));
  }
  const last = rows[count - 1];
  return {
    records,
    count,
    nextCursor: rows.length > query.limit && last ? encodeEntityCursor(entity, last.accession) : null,
  };
}

/** The records of up to 1,000 accessions, and the accessions with none. */
export async function batchRecords(db: SqlClient, entity: string, accessions: readonly string[]): Promise<string> {
  const unique = [...new Set(accessions)];
  const rows = await run<{ accession: string; r: string }>(
    db,
    entity,
    `SELECT accession, doc AS r FROM ${entity} WHERE accession = ANY($1::text[]) ORDER BY accession`,
    [unique],
  );
  const found = new Set(rows.map((row) => row.accession));
  const missing = unique.filter((a) => !found.has(a));
  return `{"data":[${rows.map((row) => row.r).join(",")}],"meta":{"count":${rows.length},"missing":${JSON.stringify(missing)}}}`;
}
