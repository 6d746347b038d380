import type { SqlClient } from "../catalog-db/sql-client.js";
import type { ObjectStore } from "../object-store/object-store.js";
import { catalogTables, quoteIdent } from "./catalog-tables.js";

/** One table's dump file, as the manifest lists it. */
export interface DumpedTable {
  readonly table: string;
  readonly key: string;
  readonly rows: number;
  readonly size: number;
  readonly sha256: string;
}

export interface CatalogDump {
  /** The migrations the dumped catalog had applied: a restore migrates to exactly this level first. */
  readonly migrations: readonly string[];
  readonly tables: readonly DumpedTable[];
}

const FETCH_ROWS = 1000;

/**
 * Writes every catalog table as NDJSON (one `row_to_json` object a line) under `{folder}catalog/`,
 * all read in one REPEATABLE READ, read-only transaction: the tables agree with each other (no object
 * without its dataset) however many writers work meanwhile. Rows stream through a cursor, a thousand
 * at a time, straight into the store, so memory does not grow with the catalog. The JSON text is made
 * by the database and never parsed here, so bigints and timestamps keep their exact values.
 */
export async function dumpCatalog(db: SqlClient, store: ObjectStore, folder: string): Promise<CatalogDump> {
  return db.transaction(async (tx) => {
    await tx.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    const { rows: applied } = await tx.query<{ id: string }>("SELECT id FROM schema_migrations ORDER BY id");
    const tables: DumpedTable[] = [];
    for (const table of await catalogTables(tx)) {
      const key = `${folder}catalog/${table.name}.ndjson`;
      let rows = 0;
      const columns = table.columns.map(quoteIdent).join(", ");
      const lines = async function* (): AsyncGenerator<Uint8Array> {
        await tx.query(
          `DECLARE omicslake_dump NO SCROLL CURSOR FOR
             SELECT row_to_json(r)::text AS line FROM (SELECT ${columns} FROM ${quoteIdent(table.name)}) r`,
        );
        try {
          for (;;) {
            const page = await tx.query<{ line: string }>(`FETCH ${FETCH_ROWS} FROM omicslake_dump`);
            if (page.rows.length === 0) break;
            rows += page.rows.length;
            yield Buffer.from(page.rows.map((row) => `${row.line}\n`).join(""));
          }
        } finally {
          await tx.query("CLOSE omicslake_dump");
        }
      };
      const put = await store.put(key, lines(), { mediaType: "application/x-ndjson" });
      tables.push({ table: table.name, key, rows, size: put.size, sha256: put.sha256 });
    }
    return { migrations: applied.map((row) => row.id), tables };
  });
}
