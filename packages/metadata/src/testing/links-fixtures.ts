import { join } from "node:path";
import { openDuckDb, sqlString } from "../duckdb-session.js";
import { ACCESSION_LINKS_TABLE, buildAccessionLinks } from "../links/build-accession-links.js";

/**
 * Writes `accession_links.parquet` into `dir` from entity Parquet files (as `writeServingParquet` gives
 * them), with the rules consolidation runs, and returns its path.
 */
export async function writeAccessionLinksParquet(
  dir: string,
  files: Readonly<Record<string, string>>,
): Promise<string> {
  const duck = await openDuckDb(dir);
  try {
    for (const [table, file] of Object.entries(files))
      await duck.run(`CREATE VIEW ${table} AS SELECT * FROM read_parquet(${sqlString(file)})`);
    const out = join(dir, `${ACCESSION_LINKS_TABLE}.parquet`);
    await buildAccessionLinks(duck, out);
    return out;
  } finally {
    duck.close();
  }
}
