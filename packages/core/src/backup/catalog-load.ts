import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import type { SqlClient } from "../catalog-db/sql-client.js";
import { ValidationError } from "../errors/omicslake-error.js";
import { catalogTables, quoteIdent } from "./catalog-tables.js";

const INSERT_ROWS = 500;

/**
 * Loads dumped tables into an empty, migrated catalog, parents before children, a batch of rows per
 * statement. `json_populate_recordset` turns each JSON row back into the table's own types (arrays,
 * jsonb, timestamps), and OVERRIDING SYSTEM VALUE keeps the original ids, which objects, runs and
 * provenance refer to. The identity sequences are then moved past the highest restored id.
 */
export async function loadCatalogDump(
  db: SqlClient,
  dumped: ReadonlyMap<string, () => Promise<Readable>>,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  await db.transaction(async (tx) => {
    const tables = await catalogTables(tx);
    const known = new Set(tables.map((t) => t.name));
    const unknown = [...dumped.keys()].filter((name) => !known.has(name));
    if (unknown.length > 0) {
      throw new ValidationError(`the backup holds tables this catalog does not have: ${unknown.join(", ")}`, {
        details: { tables: unknown },
        hint: "Restore with the omicslake release that made the backup, or a newer one",
      });
    }
    for (const table of tables) {
      const open = dumped.get(table.name);
      if (!open) continue;
      const columns = table.columns.map(quoteIdent).join(", ");
      const insert = `INSERT INTO ${quoteIdent(table.name)} (${columns}) OVERRIDING SYSTEM VALUE
        SELECT ${columns} FROM json_populate_recordset(NULL::${quoteIdent(table.name)}, $1::json)`;
      let batch: string[] = [];
      let count = 0;
      const flush = async (): Promise<void> => {
        if (batch.length === 0) return;
        await tx.query(insert, [`[${batch.join(",")}]`]);
        count += batch.length;
        batch = [];
      };
      const lines = createInterface({ input: await open(), crlfDelay: Infinity });
      for await (const line of lines) {
        if (line.trim() === "") continue;
        batch.push(line);
        if (batch.length >= INSERT_ROWS) await flush();
      }
      await flush();
      counts[table.name] = count;
    }
    await resetIdentitySequences(
      tx,
      tables.map((t) => t.name),
    );
  });
  return counts;
}

/** Moves every identity or serial sequence past the table's highest id, so new rows never collide. */
async function resetIdentitySequences(db: SqlClient, tables: readonly string[]): Promise<void> {
  const { rows } = await db.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = current_schema() AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')`,
  );
  for (const { table_name: table, column_name: column } of rows) {
    if (!tables.includes(table)) continue;
    await db.query(
      `SELECT setval(pg_get_serial_sequence($1, $2), coalesce(max(${quoteIdent(column)}), 0) + 1, false)
         FROM ${quoteIdent(table)}`,
      [quoteIdent(table), column],
    );
  }
}
