import { access } from "node:fs/promises";
import { join } from "node:path";
import { ConflictError, openDuckDb, sqlString, ValidationError } from "@omicslake/core";

/** Where the published DuckLake catalog keeps its data, relative to the catalog file's own directory. */
export const PUBLISHED_DUCKLAKE_DATA_PATH = "data/";
/** The published catalog's path in the tree; its data files are under `ducklake/data/`. */
export const PUBLISHED_DUCKLAKE_CATALOG = "ducklake/metadata.duckdb";

export interface DuckLakeCopy {
  /** The catalog copy, its `data_path` made relative. */
  readonly catalogFile: string;
  /** Every data file any snapshot names, as a path under the data folder (`main/<table>/<file>`). */
  readonly dataFiles: readonly { readonly relative: string; readonly local: string }[];
}

/**
 * Copies the lake's DuckLake catalog (`metadataPath`, data under `dataPath`) into `work` with its
 * `data_path` set to `data/`, so the catalog works wherever it and its `data/` folder are copied
 * together. The lake's own catalog keeps its absolute path: DuckDB's ducklake extension resolves a
 * relative `data_path` against the working directory, not the catalog file, so a relative path there
 * would break every ATTACH not run from the catalog's folder.
 *
 * The copy is read through a read-only ATTACH and `COPY FROM DATABASE`, so it is one consistent state
 * of the catalog even if a consolidation commits meanwhile. Refuses a catalog with a schema, table or
 * file path that is absolute (registered outside the data folder): such a file would not travel.
 */
export async function copyDuckLakeRelative(
  metadataPath: string,
  dataPath: string,
  work: string,
): Promise<DuckLakeCopy | undefined> {
  try {
    await access(metadataPath);
  } catch {
    return undefined;
  }
  const catalogFile = join(work, "ducklake-metadata.duckdb");
  const duck = await openDuckDb();
  try {
    await duck.run(`ATTACH ${sqlString(metadataPath)} AS lake_src (READ_ONLY)`).catch((cause: unknown) => {
      // DuckDB locks a database file for its writer: a consolidation committing right now holds it.
      throw new ConflictError(`cannot read the DuckLake catalog ${metadataPath} to publish it`, {
        details: { catalog: metadataPath },
        hint: 'If "omicslake consolidate" is running, publish after it finishes',
        cause,
      });
    });
    await duck.run(`ATTACH ${sqlString(catalogFile)} AS lake_dst`);
    await duck.run("COPY FROM DATABASE lake_src TO lake_dst");
    await duck.run("DETACH lake_src");
    const absolute = await duck.rows(
      `SELECT 'schema' AS kind, path FROM lake_dst.ducklake_schema WHERE NOT path_is_relative
       UNION ALL SELECT 'table', path FROM lake_dst.ducklake_table WHERE NOT path_is_relative
       UNION ALL SELECT 'file', path FROM lake_dst.ducklake_data_file WHERE NOT path_is_relative
       LIMIT 5`,
    );
    if (absolute.length > 0) {
      throw new ValidationError(
        `the DuckLake catalog ${metadataPath} names paths outside its data folder, which a published copy cannot carry`,
        {
          details: {
            catalog: metadataPath,
            paths: absolute.map((r) => `${String(r.kind)} ${String(r.path)}`),
          },
          hint: 'Run "omicslake consolidate" again so every table file lies under the DuckLake data folder',
        },
      );
    }
    await duck.run(
      `UPDATE lake_dst.ducklake_metadata SET value = ${sqlString(PUBLISHED_DUCKLAKE_DATA_PATH)}
       WHERE key = 'data_path' AND scope IS NULL`,
    );
    // Table rows repeat per version (begin/end snapshot); a file resolves through any of them, since a
    // table's path never changes.
    const rows = await duck.rows(
      `SELECT DISTINCT s.path || t.path || f.path AS relative
         FROM lake_dst.ducklake_data_file f
         JOIN (SELECT DISTINCT table_id, schema_id, path FROM lake_dst.ducklake_table) t USING (table_id)
         JOIN (SELECT DISTINCT schema_id, path FROM lake_dst.ducklake_schema) s USING (schema_id)
        ORDER BY relative`,
    );
    await duck.run("CHECKPOINT lake_dst");
    await duck.run("DETACH lake_dst");
    const dataFiles = rows.map((r) => {
      const relative = String(r.relative);
      return { relative, local: join(dataPath, ...relative.split("/")) };
    });
    return { catalogFile, dataFiles };
  } finally {
    duck.close();
  }
}
