import { NotFoundError, type SqlClient } from "@omicslake/core";
import { ENTITIES, ENTITY_ROUTE_SPECS, SERVING_ENTITIES } from "../entities/index.js";
import type {
  EntityChildRoute,
  EntityFilter,
  LinkCondition,
  ServingColumns,
  ServingEntityName,
} from "../entities/index.js";
import { EntityCursorError } from "./entity-cursor-error.js";
import { EntityNotLoadedError } from "./entity-not-loaded-error.js";

/** A list request: filter values by query parameter, full-text search, page size and the cursor of the previous page. */
export interface EntityListQuery {
  readonly filters: Readonly<Record<string, unknown>>;
  readonly q?: string | undefined;
  readonly limit: number;
  readonly cursor?: string | undefined;
}

const COMMA = Buffer.from(",");

export interface RawPage {
  /** The records of the page as UTF-8 JSON, with the separating commas (no brackets). */
  readonly records: readonly Buffer[];
  readonly count: number;
  readonly nextCursor: string | null;
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

/**
 * One record as JSON text, or a not_found error.
 *
 * @example reply.send(await getEntityRecord(lake.servingClient(), "sra_run", "SRR8426358"))
 */
export async function getEntityRecord(
  db: SqlClient,
  entity: ServingEntityName,
  accession: string,
): Promise<string> {
  const rows = await run<{ r: string }>(db, entity, `SELECT doc AS r FROM ${entity} WHERE accession = $1`, [
    accession,
  ]);
  const row = rows[0];
  const noun = ENTITIES[entity].api.noun;
  if (!row)
    throw new NotFoundError(noun, accession, {
      hint: `Check the accession, or list ${noun} records with filters`,
    });
  return row.r;
}

async function recordExists(db: SqlClient, entity: ServingEntityName, accession: string): Promise<boolean> {
  const rows = await run(db, entity, `SELECT 1 AS x FROM ${entity} WHERE accession = $1`, [accession]);
  return rows.length > 0;
}

/**
 * The condition of a filter on its column, `p` being the bound parameter. Whole numbers are cast to the
 * column's own type (a bigint count takes values past 2^31). Date bounds are whole days: `date_to`
 * includes its day, and on a timestamp column the days are UTC days, whatever the session's zone.
 */
function conditionSql(filter: EntityFilter, p: string): string {
  const c = filter.column;
  const int = filter.columnType === "bigint" ? "bigint" : "integer";
  const day = (value: string): string =>
    filter.columnType === "timestamptz" ? `(${value})::timestamp AT TIME ZONE 'UTC'` : value;
  switch (filter.kind) {
    case "lower":
      return `${c} = lower(${p})`;
    case "exact":
      return `${c} = ${p}`;
    case "int":
      return `${c} = ${p}::${int}`;
    case "lower_in_array":
      return `${c} @> ARRAY[lower(${p})]::text[]`;
    case "in_array":
      return `${c} @> ARRAY[${p}]::text[]`;
    case "int_in_array":
      return `${c} @> ARRAY[${p}::integer]`;
    case "date_from":
      return `${c} >= ${day(`${p}::date`)}`;
    case "date_to":
      return `${c} < ${day(`${p}::date + 1`)}`;
    case "int_from":
      return `${c} >= ${p}::${int}`;
    case "int_to":
      return `${c} <= ${p}::${int}`;
  }
}

/**
 * The SQL condition on a child's view that ties a row to the parent accession `parent` (a bound
 * parameter): the link's conditions joined with OR.
 */
export function linkConditionSql(anyOf: readonly LinkCondition<ServingColumns>[], parent: string): string {
  return anyOf
    .map((condition) => {
      switch (condition.kind) {
        case "equals":
          return `${condition.column} = ${parent}`;
        case "contains":
          return `${condition.column} @> ARRAY[${parent}]::text[]`;
        case "through": {
          const { entity, select, match } = condition.through;
          const array =
            SERVING_ENTITIES[entity].columns.find((c) => c.name === select)?.type.endsWith("[]") ?? false;
          return `${condition.column} IN (SELECT ${array ? `unnest(${select})` : select} FROM ${entity} WHERE ${match} = ${parent})`;
        }
      }
    })
    .join(" OR ");
}

/** A child list: rows tied to the parent accession by one of the link's conditions. */
interface ChildCondition {
  readonly anyOf: readonly LinkCondition<ServingColumns>[];
  readonly parent: string;
}

/**
 * One keyset page in accession order. The records' JSON text was rendered at load time (`doc`), so a
 * page costs neither PostgreSQL's jsonb output nor a JSON parse or stringify in Node.
 */
async function listRecords(
  db: SqlClient,
  entity: ServingEntityName,
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
    where.push(conditionSql(filter, bind(value)));
  }
  if (query.q !== undefined && query.q.trim() !== "")
    where.push(`search @@ websearch_to_tsquery('english', ${bind(query.q)})`);
  if (child) where.push(`(${linkConditionSql(child.anyOf, bind(child.parent))})`);
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

/**
 * One page of an entity's records narrowed by its filters (values by query parameter) and `q`.
 *
 * @example await listEntityRecords(db, "sra_run", { filters: { platform: "ILLUMINA" }, limit: 100 })
 */
export function listEntityRecords(
  db: SqlClient,
  entity: ServingEntityName,
  query: EntityListQuery,
): Promise<RawPage> {
  const spec = ENTITY_ROUTE_SPECS.find((s) => s.entity === entity);
  return listRecords(db, entity, spec?.filters ?? [], query);
}

/**
 * One page of the child records of a parent accession (`q`, `limit` and `cursor` apply; filters do not).
 * An empty first page for a parent that does not exist is a not_found error rather than an empty list,
 * since it usually means a mistyped accession.
 */
export async function listChildRecords(
  db: SqlClient,
  route: EntityChildRoute,
  parentAccession: string,
  query: EntityListQuery,
): Promise<RawPage> {
  const { parent, child } = route;
  const page = await listRecords(db, child.entity, [], query, {
    anyOf: route.anyOf,
    parent: parentAccession,
  });
  if (
    page.count === 0 &&
    query.cursor === undefined &&
    !(await recordExists(db, parent.entity, parentAccession))
  ) {
    throw new NotFoundError(parent.noun, parentAccession, {
      hint: `Check the accession with GET ${parent.path}/${parentAccession}`,
    });
  }
  return page;
}

/** The records of up to 1,000 accessions, and the accessions with none, as the JSON body of a batch lookup. */
export async function getEntityRecords(
  db: SqlClient,
  entity: ServingEntityName,
  accessions: readonly string[],
): Promise<string> {
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
