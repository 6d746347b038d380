import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { sqlIdentifier, type Lake } from "@omicslake/core";
import { downloadObject } from "../curated-objects.js";
import { openDuckDb, sqlString } from "../duckdb-session.js";
import { CURATED_ENTITIES, DEFAULT_CURATED_DATASET, curatedObjectName } from "../entities/index.js";
import { ACCESSION_LINKS_TABLE } from "../links/build-accession-links.js";
import { MetadataFlowError } from "../metadata-flow-error.js";

export interface QueryCuratedOptions {
  /** At most this many rows come back (default 1,000); `truncated` says whether there were more. */
  readonly limit?: number;
  readonly curatedName?: string;
  readonly workDir?: string;
  /**
   * More tables the query may read: view name → a local, already verified Parquet file (the CLI adds the
   * expression stores' tables this way). Their directories become readable to the query, and nothing else does.
   */
  readonly views?: Readonly<Record<string, string>>;
}

export interface QueryCuratedResult {
  readonly columns: readonly string[];
  /** Rows as JSON values: big integers as strings, structs as objects, lists as arrays. */
  readonly rows: readonly (readonly unknown[])[];
  readonly truncated: boolean;
  /** The curated tables the query could see. */
  readonly tables: readonly string[];
}

/**
 * Runs one SQL statement with DuckDB over the curated tables (`sra_run`, `geo_series`, …, `accession_links`, each a
 * view of its Parquet file). The engine streams: it stops after `limit` rows, so a huge result never
 * fills memory. The session cannot read or write files outside its own scratch directory.
 *
 * @example
 * const { columns, rows } = await queryCurated(lake, "SELECT studyType, count(*) FROM sra_study GROUP BY 1");
 */
export async function queryCurated(
  lake: Lake,
  sql: string,
  options: QueryCuratedOptions = {},
): Promise<QueryCuratedResult> {
  const limit = options.limit ?? 1000;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new MetadataFlowError(
      "invalid_limit",
      `query limit must be a positive whole number, got ${String(limit)}`,
      {
        details: { limit },
        hint: "Pass a limit such as 1000",
      },
    );
  }
  const curatedName = options.curatedName ?? DEFAULT_CURATED_DATASET;
  const curated = await lake.catalog.findDataset(curatedName, "curated");
  const views = Object.entries(options.views ?? {});
  if (!curated && views.length === 0) {
    throw new MetadataFlowError("not_consolidated", `there is no curated dataset "${curatedName}" to query`, {
      details: { dataset: curatedName },
      hint: 'Run "omicslake consolidate" first',
    });
  }
  const work = await mkdtemp(join(options.workDir ?? tmpdir(), "omicslake-query-"));
  try {
    const dataDir = join(work, "data");
    await mkdir(dataDir, { recursive: true });
    const duck = await openDuckDb(work);
    try {
      const tables: string[] = [];
      const curatedTables = [...CURATED_ENTITIES.map((e) => e.name), ACCESSION_LINKS_TABLE];
      for (const name of curated ? curatedTables : []) {
        const object = await lake.catalog.findObjectByKey(lake.objectKey(curated!, curatedObjectName(name)));
        if (!object) continue;
        const local = join(dataDir, curatedObjectName(name));
        await downloadObject(lake, object, local);
        await duck.run(`CREATE VIEW ${name} AS SELECT * FROM read_parquet(${sqlString(local)})`);
        tables.push(name);
      }
      const readable = new Set([`${work}/`]);
      for (const [name, file] of views) {
        if (tables.includes(name)) continue;
        await duck.run(
          `CREATE VIEW ${sqlIdentifier(name)} AS SELECT * FROM read_parquet(${sqlString(file)})`,
        );
        readable.add(`${dirname(file)}/`);
        tables.push(name);
      }
      // From here on the user's SQL runs: only the scratch directory (and the given views' folders) are
      // reachable, and that cannot be undone.
      await duck.run(`SET allowed_directories = [${[...readable].map(sqlString).join(", ")}]`);
      await duck.run("SET enable_external_access = false");
      await duck.run("SET lock_configuration = true");
      let reader;
      try {
        reader = await duck.connection.streamAndReadUntil(sql, limit + 1);
      } catch (cause) {
        throw new MetadataFlowError("query_failed", `query failed: ${(cause as Error).message}`, {
          details: { sql, tables },
          hint: `Query the curated tables: ${tables.join(", ") || "(none yet)"}`,
          cause,
        });
      }
      const rows = reader.getRowsJson();
      return {
        columns: reader.columnNames(),
        rows: rows.slice(0, limit),
        truncated: rows.length > limit || !reader.done,
        tables,
      };
    } finally {
      duck.close();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
