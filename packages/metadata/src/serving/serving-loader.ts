import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { createWriteStream } from "node:fs";
import { access, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { DuckDBConnection } from "@duckdb/node-api";
import {
  CancelledError,
  stageReporter,
  throwIfAborted,
  withDuckDb,
  type SqlClient,
  type StepOptions,
} from "@omicslake/core";
import type { CatalogObject } from "@omicslake/core";
import { SERVING_ENTITIES, SERVING_ENTITY_NAMES, isServingEntityName } from "../entities/index.js";
import type { ServingEntity, ServingEntityName } from "../entities/index.js";
import { ServingLoadError } from "./serving-load-error.js";
import {
  MAX_EXACT_JSON_INTEGER,
  inexactIntegerQuery,
  recordJsonQuery,
  type DescribedColumn,
} from "./serving-record-json.js";
import {
  DEFAULT_MAX_SHRINK,
  ShrinkRefusedError,
  shrinkViolation,
  type ShrinkPolicy,
  type ShrinkViolation,
} from "../shrink-guard.js";

/**
 * Progress of the `load` step: stage `rows` (rows inserted, summed over the entities of one call) and,
 * from `loadServing`, stage `entities`. Aborting `signal` stops before the next batch or entity; the
 * half-filled idle table was never served and the next load starts it over.
 */
export interface LoadEntityOptions extends StepOptions {
  /** Records per INSERT (default 2,000); a batch also ends at `batchBytes` of JSON. */
  readonly batchRows?: number;
  /** JSON bytes per INSERT (default 8 MiB). */
  readonly batchBytes?: number;
  /** The file's sha256 when the caller knows it (a catalog object); computed otherwise. */
  readonly sha256?: string;
  /** What `serving_loads.source` records (default: the file path); a catalog object's key, for one. */
  readonly source?: string;
  /** A DuckDB connection to read the Parquet with; one is opened (and closed) when omitted. */
  readonly duckdb?: DuckDBConnection;
  /**
   * Refuse to replace served rows with none, or with a file that lost more than `maxShrink` of them
   * (default 0.5), unless `allowShrink`: the previous table stays served.
   */
  readonly shrink?: ShrinkPolicy;
}

export interface ServingLoadResult {
  readonly entity: ServingEntityName;
  /** The table now behind the entity's view: `{entity}_a` or `{entity}_b`. */
  readonly table: string;
  readonly rows: number;
  readonly loadedAt: Date;
  readonly sourceSha256: string;
  readonly seconds: number;
}

export interface ServingStatus {
  readonly entity: ServingEntityName;
  readonly table: string | null;
  readonly rows: number;
  readonly loadedAt: Date | null;
  readonly sourceSha256: string | null;
}

/**
 * Reads `serving_loads`, the table catalog migration 0005 creates. A database opened without the
 * catalog's migrations has none; say so rather than report a missing relation.
 */
async function queryLoads<T extends Record<string, unknown>>(
  db: SqlClient,
  sql: string,
  params: readonly unknown[] = [],
): Promise<T[]> {
  try {
    return (await db.query<T>(sql, params)).rows;
  } catch (error) {
    if ((error as { code?: unknown }).code !== "42P01") throw error;
    throw new Error(
      "the serving database has no serving_loads table: it was opened without the catalog migrations. Open it with openLake, or run runMigrations on it first",
      { cause: error },
    );
  }
}

/**
 * Loads one curated entity Parquet into the serving database behind an A/B swap: the idle table of
 * `{entity}_a`/`{entity}_b` is refilled in batches (readers keep using the active one), indexed and
 * analysed, then the `{entity}` view is pointed at it in one short transaction that also records the
 * load. A failure anywhere before the swap leaves the previous data served.
 *
 * @example await loadEntity(lake.servingClient(), "sra_run", "curated/sra_run.parquet")
 */
export async function loadEntity(
  db: SqlClient,
  entity: ServingEntityName,
  parquetPath: string,
  options: LoadEntityOptions = {},
): Promise<ServingLoadResult> {
  const spec = SERVING_ENTITIES[entity];
  const started = performance.now();
  const active = await activeTable(db, entity);
  const idle = active === `${entity}_a` ? `${entity}_b` : `${entity}_a`;
  const sha256 = options.sha256 ?? (await sha256File(parquetPath, entity));

  // A crash during an earlier load can leave a half-filled idle table; it was never served, so start over.
  await db.exec(`DROP TABLE IF EXISTS ${idle}; ${createTableSql(spec, idle)}`);

  const rows = await withDuckdb(options.duckdb, (duck) =>
    copyRecords(db, duck, spec, idle, parquetPath, options),
  );

  try {
    await db.exec(
      [
        `ALTER TABLE ${idle} ADD CONSTRAINT ${idle}_pkey PRIMARY KEY (accession)`,
        ...indexSql(spec, idle),
        `ANALYZE ${idle}`,
      ].join(";\n"),
    );
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new ServingLoadError(
      code === "23505"
        ? `${parquetPath}: the ${entity} records repeat an accession, so they cannot be served by accession`
        : `${parquetPath}: indexing the loaded ${entity} records failed`,
      {
        entity,
        file: parquetPath,
        details: { table: idle, reason: error instanceof Error ? error.message : String(error) },
        hint:
          code === "23505"
            ? "Consolidate the entity first: the curated Parquet has one row per accession"
            : "See the reason",
        cause: error,
      },
    );
  }

  // Checked last before the swap, after the file proved loadable: the idle table was never served, so
  // refusing here leaves readers on the previous rows.
  const violation = shrinkViolation(entity, await servedRows(db, entity), rows, options.shrink);
  if (violation) {
    await db.exec(`DROP TABLE IF EXISTS ${idle}`);
    throw new ShrinkRefusedError("load", [violation], options.shrink?.maxShrink ?? DEFAULT_MAX_SHRINK);
  }

  const seconds = (performance.now() - started) / 1000;
  const loadedAt = await db.transaction(async (tx) => {
    await swapView(tx, spec, idle);
    const { rows: recorded } = await tx.query<{ loaded_at: Date }>(
      `INSERT INTO serving_loads (entity, table_name, rows, source, source_sha256, seconds) VALUES ($1, $2, $3, $4, $5, $6) RETURNING loaded_at`,
      [entity, idle, rows, options.source ?? parquetPath, sha256, seconds],
    );
    return recorded[0]?.loaded_at ?? new Date();
  });
  // After the swap no new query reaches the old table; dropping it waits only for queries already running on it.
  if (active !== null) await db.exec(`DROP TABLE IF EXISTS ${active}`);
  return { entity, table: idle, rows, loadedAt, sourceSha256: sha256, seconds };
}

export interface LoadServingOptions extends Omit<LoadEntityOptions, "sha256" | "duckdb" | "source"> {
  // `shrink` is checked for every entity before the first one is swapped: a refusal changes nothing.
  /** Entities to load (default: every entity whose file exists). */
  readonly entities?: readonly ServingEntityName[];
  /** A folder holding `{entity}.parquet` files (the curated layer on the filesystem). */
  readonly curatedDir?: string;
  /** Explicit files per entity, with their sha256 when known; these win over `curatedDir`. */
  readonly files?: Partial<
    Record<ServingEntityName, string | { readonly path: string; readonly sha256?: string }>
  >;
  /**
   * Curated catalog objects per entity (any store, S3 included), read through the lake with their
   * checksum verified into a temporary file; these win over `files` and `curatedDir`. Needs a lake as target.
   */
  readonly objects?: Partial<Record<ServingEntityName, CatalogObject>>;
}

/** What `loadServing` needs of a lake: the database of the serving tables, and a verified reader for `objects`. */
export interface ServingTarget {
  /** The database the serving tables live in (the lake's catalog database). */
  servingClient(): SqlClient;
  readObject?(object: CatalogObject): Promise<Readable>;
}

/**
 * Loads several entities one after another (each swapped as soon as it is ready) and returns one
 * result per loaded entity. Entities named in `entities` must have a file; others are skipped when absent.
 *
 * @example await loadServing(lake, { curatedDir: "lake/curated/ncbi" })
 */
export async function loadServing(
  target: SqlClient | ServingTarget,
  options: LoadServingOptions,
): Promise<ServingLoadResult[]> {
  const lake = "servingClient" in target ? target : undefined;
  const db = lake ? lake.servingClient() : (target as SqlClient);
  const wanted = options.entities ?? SERVING_ENTITY_NAMES;
  const sources: { entity: ServingEntityName; path: string; sha256?: string; object?: CatalogObject }[] = [];
  for (const entity of wanted) {
    if (!isServingEntityName(entity)) {
      throw new ServingLoadError(`unknown serving entity ${JSON.stringify(entity)}`, {
        entity,
        hint: `Use one of ${SERVING_ENTITY_NAMES.join(", ")}`,
      });
    }
    const object = options.objects?.[entity];
    if (object !== undefined) {
      if (!lake?.readObject) {
        throw new ServingLoadError(
          `loading ${entity} from a catalog object needs the lake, not only its database`,
          {
            entity,
            details: { key: object.key },
            hint: "Pass the lake as the first argument of loadServing",
          },
        );
      }
      sources.push({ entity, path: object.key, sha256: object.sha256, object });
      continue;
    }
    const given = options.files?.[entity];
    if (given !== undefined) {
      sources.push(typeof given === "string" ? { entity, path: given } : { entity, ...given });
      continue;
    }
    const path = options.curatedDir === undefined ? undefined : join(options.curatedDir, `${entity}.parquet`);
    if (path !== undefined && (await exists(path))) sources.push({ entity, path });
    else if (options.entities !== undefined) {
      throw new ServingLoadError(`no curated file for ${entity}`, {
        entity,
        ...(path === undefined ? {} : { file: path }),
        hint: "Run consolidation first, or pass the file in `files`",
      });
    }
  }
  return withObjectFiles(lake?.readObject?.bind(lake), sources, (local) =>
    withDuckdb(undefined, async (duckdb) => {
      await checkShrinkBeforeLoading(db, duckdb, sources, local, options.shrink);
      const results: ServingLoadResult[] = [];
      const loaded = stageReporter(options.onProgress, "load", "entities", "entities");
      // Rows are reported summed over the entities, so the stage's count only grows.
      let rowsBefore = 0;
      for (const [index, source] of sources.entries()) {
        throwIfAborted(options.signal, "load");
        loaded(index, sources.length, source.entity);
        const onProgress = options.onProgress;
        const base = rowsBefore;
        results.push(
          await loadEntity(db, source.entity, local.get(source.entity) ?? source.path, {
            ...options,
            ...(onProgress
              ? { onProgress: (event) => onProgress({ ...event, done: base + event.done }) }
              : {}),
            duckdb,
            source: source.path,
            ...(source.sha256 === undefined ? {} : { sha256: source.sha256 }),
          }),
        );
        rowsBefore += results[results.length - 1]!.rows;
      }
      loaded(sources.length, sources.length);
      return results;
    }),
  );
}

/**
 * Refuses a multi-entity load before any swap when one entity would shrink too much, so the entities
 * served stay a consistent set. Files that cannot be read are left to `loadEntity`, which names the problem.
 */
async function checkShrinkBeforeLoading(
  db: SqlClient,
  duck: DuckDBConnection,
  sources: readonly { entity: ServingEntityName; path: string }[],
  local: ReadonlyMap<ServingEntityName, string>,
  policy: ShrinkPolicy | undefined,
): Promise<void> {
  if (policy?.allowShrink === true || sources.length === 0) return;
  const violations: ShrinkViolation[] = [];
  for (const source of sources) {
    const path = (local.get(source.entity) ?? source.path).replaceAll("'", "''");
    let rows: number;
    try {
      const reader = await duck.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM read_parquet('${path}')`);
      rows = Number(reader.getRowObjects()[0]?.["n"] ?? 0);
    } catch {
      continue;
    }
    const violation = shrinkViolation(source.entity, await servedRows(db, source.entity), rows, policy);
    if (violation) violations.push(violation);
  }
  if (violations.length > 0)
    throw new ShrinkRefusedError("load", violations, policy?.maxShrink ?? DEFAULT_MAX_SHRINK);
}

/** Row count, table and time of the last load of every entity (entities never loaded have `table: null`). */
export async function servingStatus(db: SqlClient): Promise<ServingStatus[]> {
  const rows = await queryLoads<{
    entity: string;
    table_name: string;
    rows: number;
    loaded_at: Date;
    source_sha256: string;
  }>(
    db,
    `SELECT DISTINCT ON (entity) entity, table_name, rows, loaded_at, source_sha256 FROM serving_loads ORDER BY entity, id DESC`,
  );
  const byEntity = new Map(rows.map((row) => [row.entity, row]));
  return SERVING_ENTITY_NAMES.map((entity) => {
    const row = byEntity.get(entity);
    return {
      entity,
      table: row?.table_name ?? null,
      rows: row ? Number(row.rows) : 0,
      loadedAt: row?.loaded_at ?? null,
      sourceSha256: row?.source_sha256 ?? null,
    };
  });
}

// ---- internals ----------------------------------------------------------------------------------

/** Rows behind the entity's view now (0 when it was never loaded). */
async function servedRows(db: SqlClient, entity: ServingEntityName): Promise<number> {
  const rows = await queryLoads<{ rows: number | string }>(
    db,
    `SELECT rows FROM serving_loads WHERE entity = $1 ORDER BY id DESC LIMIT 1`,
    [entity],
  );
  return rows[0] ? Number(rows[0].rows) : 0;
}

async function activeTable(db: SqlClient, entity: ServingEntityName): Promise<string | null> {
  const rows = await queryLoads<{ table_name: string }>(
    db,
    `SELECT table_name FROM serving_loads WHERE entity = $1 ORDER BY id DESC LIMIT 1`,
    [entity],
  );
  return rows[0]?.table_name ?? null;
}

function createTableSql(spec: ServingEntity, table: string): string {
  const columns = [
    `accession text COLLATE "C" NOT NULL`,
    ...spec.columns.map((c) => `${c.name} ${c.type}${c.type === "text" ? ` COLLATE "C"` : ""}`),
    "record jsonb NOT NULL",
    // The record's JSON text, rendered once here: pages send it as stored, so PostgreSQL does not run
    // jsonb output for every row of every page (`record::text` was most of a list page's database time).
    "doc text NOT NULL",
    "search tsvector",
  ];
  return `CREATE TABLE ${table} (\n  ${columns.join(",\n  ")}\n)`;
}

function insertSql(spec: ServingEntity, table: string): string {
  const names = ["accession", ...spec.columns.map((c) => c.name), "record", "doc", "search"];
  const values = [
    `nullif(btrim(r ->> 'accession'), '')`,
    ...spec.columns.map((c) => c.expr),
    "r",
    "r::text",
    spec.search,
  ];
  return `INSERT INTO ${table} (${names.join(", ")})
SELECT ${values.join(",\n  ")}
FROM (SELECT jsonb_strip_nulls(value) AS r FROM jsonb_array_elements($1::jsonb)) AS records`;
}

function indexSql(spec: ServingEntity, table: string): string[] {
  const statements = spec.columns
    .filter((c) => c.index)
    .map((c) =>
      c.type.endsWith("[]")
        ? `CREATE INDEX ${table}_${c.name}_idx ON ${table} USING gin (${c.name})`
        : // With the accession second, a filtered list page is one ordered index range scan.
          `CREATE INDEX ${table}_${c.name}_idx ON ${table} (${c.name}, accession)`,
    );
  statements.push(`CREATE INDEX ${table}_search_idx ON ${table} USING gin (search)`);
  return statements;
}

async function swapView(tx: SqlClient, spec: ServingEntity, table: string): Promise<void> {
  const names = ["accession", ...spec.columns.map((c) => c.name), "record", "doc", "search"];
  const columnsOf = async (relation: string): Promise<string> => {
    const { rows } = await tx.query<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
      [relation],
    );
    return rows.map((r) => `${r.column_name} ${r.data_type}`).join(",");
  };
  const current = await columnsOf(spec.name);
  const view = `CREATE OR REPLACE VIEW ${spec.name} AS SELECT ${names.join(", ")} FROM ${table}`;
  // CREATE OR REPLACE keeps the view's identity (readers queued on it continue) but cannot drop,
  // reorder or retype columns; only a new release with other columns or types (a date that became a
  // timestamptz) pays for a drop.
  if (current !== "" && current !== (await columnsOf(table))) await tx.exec(`DROP VIEW ${spec.name}`);
  await tx.exec(view);
}

async function copyRecords(
  db: SqlClient,
  duck: DuckDBConnection,
  spec: ServingEntity,
  table: string,
  parquetPath: string,
  options: LoadEntityOptions,
): Promise<number> {
  const file = parquetPath.replaceAll("'", "''");
  const source = `read_parquet('${file}')`;
  let described: DescribedColumn[];
  try {
    const reader = await duck.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
    described = reader
      .getRowObjects()
      .map((row) => ({ name: String(row["column_name"]), type: String(row["column_type"]) }));
  } catch (error) {
    throw new ServingLoadError(`${parquetPath}: cannot read the ${spec.name} Parquet file`, {
      entity: spec.name,
      file: parquetPath,
      details: { reason: error instanceof Error ? error.message : String(error) },
      hint: "Check that the file exists and is the curated Parquet of this entity",
      cause: error,
    });
  }
  const columns = described.map((c) => c.name);
  if (!columns.includes("accession")) {
    throw new ServingLoadError(`${parquetPath}: the ${spec.name} Parquet file has no accession column`, {
      entity: spec.name,
      file: parquetPath,
      details: { columns },
      hint: "Load the curated entity Parquet, whose columns are the record fields",
    });
  }

  await refuseInexactIntegers(duck, spec.name, parquetPath, described, source);

  const batchRows = options.batchRows ?? 2000;
  const batchBytes = options.batchBytes ?? 8 * 1024 * 1024;
  const sql = insertSql(spec, table);
  const reportRows = stageReporter(options.onProgress, "load", "rows", "rows");
  const result = await duck.stream(recordJsonQuery(described, source));
  let rows = 0;
  let batch: string[] = [];
  let bytes = 0;
  // One INSERT in flight while DuckDB decodes the next chunk, so neither engine waits for the other.
  let pending: Promise<unknown> = Promise.resolve();
  const flush = async (): Promise<void> => {
    throwIfAborted(options.signal, "load");
    const json = `[${batch.join(",")}]`;
    const count = batch.length;
    batch = [];
    bytes = 0;
    await pending;
    pending = db.query(sql, [json]).then(() => {
      rows += count;
      reportRows(rows, undefined, spec.name);
    });
  };
  try {
    for (;;) {
      const chunk = await result.fetchChunk();
      if (chunk === null || chunk.rowCount === 0) break;
      const values = chunk.getColumnVector(0);
      for (let i = 0; i < chunk.rowCount; i++) {
        const json = values.getItem(i);
        if (typeof json !== "string") continue;
        batch.push(json);
        bytes += json.length;
        if (batch.length >= batchRows || bytes >= batchBytes) await flush();
      }
    }
    if (batch.length > 0) await flush();
    await pending;
  } catch (error) {
    await pending.catch(() => undefined);
    if (error instanceof ServingLoadError || error instanceof CancelledError) throw error;
    const code = (error as { code?: unknown }).code;
    throw new ServingLoadError(
      `${parquetPath}: loading ${spec.name} records into ${table} failed after ${rows} rows`,
      {
        entity: spec.name,
        file: parquetPath,
        details: {
          table,
          rows,
          reason: error instanceof Error ? error.message : String(error),
          ...(code ? { sqlstate: code } : {}),
        },
        hint:
          code === "23502"
            ? "Every record needs a non-empty accession"
            : "The previous data is still served; fix the file and load again",
        cause: error,
      },
    );
  }
  return rows;
}

/**
 * Counts are served as JSON numbers, which JavaScript (and any reader using doubles) reads exactly only
 * up to 2^53 − 1. NCBI has no count that large, and the parsers hold numbers as doubles, so such a value
 * is a damaged record: refuse the file, naming it, rather than serve a number clients would round.
 */
async function refuseInexactIntegers(
  duck: DuckDBConnection,
  entity: ServingEntityName,
  parquetPath: string,
  described: readonly DescribedColumn[],
  source: string,
): Promise<void> {
  const sql = inexactIntegerQuery(described, source);
  if (sql === undefined) return;
  const row = (await duck.runAndReadAll(sql)).getRowObjects()[0];
  if (row === undefined) return;
  const column = String(row["column_name"]);
  const accession = String(row["accession"]);
  throw new ServingLoadError(
    `${parquetPath}: ${entity} ${accession} has a whole number beyond 2^53 - 1 in ${column}, which JSON clients cannot read exactly`,
    {
      entity,
      file: parquetPath,
      details: { accession, column, limit: MAX_EXACT_JSON_INTEGER },
      hint: `Check the upstream record of ${accession}; the previous data is still served`,
    },
  );
}

async function withDuckdb<T>(
  given: DuckDBConnection | undefined,
  fn: (duck: DuckDBConnection) => Promise<T>,
): Promise<T> {
  if (given) return fn(given);
  return withDuckDb({}, (session) => fn(session.connection));
}

async function sha256File(path: string, entity: string): Promise<string> {
  const hash = createHash("sha256");
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (error) {
    throw new ServingLoadError(`cannot read ${path}`, {
      entity,
      file: path,
      hint: "Check the path of the curated Parquet file",
      cause: error,
    });
  }
  return hash.digest("hex");
}

/**
 * DuckDB reads Parquet from a file: copy each object (checksum verified by the lake's reader) into a
 * temporary one first, so every entity's row count is known before the first swap.
 */
async function withObjectFiles<T>(
  read: ((object: CatalogObject) => Promise<Readable>) | undefined,
  sources: readonly { entity: ServingEntityName; object?: CatalogObject }[],
  fn: (local: ReadonlyMap<ServingEntityName, string>) => Promise<T>,
): Promise<T> {
  const withObjects = sources.filter((s) => s.object !== undefined);
  if (withObjects.length === 0 || read === undefined) return fn(new Map());
  const dir = await mkdtemp(join(tmpdir(), "omicslake-serving-"));
  try {
    const local = new Map<ServingEntityName, string>();
    for (const { entity, object } of withObjects) {
      const path = join(dir, `${entity}.parquet`);
      try {
        await pipeline(await read(object!), createWriteStream(path));
      } catch (error) {
        throw new ServingLoadError(`cannot read the curated object ${object!.key}`, {
          entity,
          details: { key: object!.key, reason: error instanceof Error ? error.message : String(error) },
          hint: 'Check the object with "omicslake fsck"',
          cause: error,
        });
      }
      local.set(entity, path);
    }
    return await fn(local);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
