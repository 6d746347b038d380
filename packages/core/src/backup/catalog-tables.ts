import type { SqlClient } from "../catalog-db/sql-client.js";

/** A base table of the catalog schema, with what a generic dump and load need to know about it. */
export interface CatalogTable {
  readonly name: string;
  /** Columns a row can be inserted with (stored generated columns are recomputed, so left out). */
  readonly columns: readonly string[];
  /** Tables this one references by foreign key (itself excluded): they are loaded first. */
  readonly references: readonly string[];
}

/**
 * Tables that are not catalog data. `schema_migrations` is recorded in the manifest as the dump's
 * migration level instead. The serving tables (`{entity}_a|b`) and their load history are derived from
 * curated objects, so a restored lake rebuilds them with `omicslake load`; their columns follow the entity
 * definitions, not the migrations, so a restore could not recreate them from a migration level anyway.
 */
const NOT_DUMPED = new Set(["schema_migrations", "serving_loads"]);

/**
 * The catalog's base tables in the current schema, in an order that loads every referenced table
 * before the tables that reference it. Read from the system catalogs, so tables added by later
 * migrations are dumped without a change here.
 */
export async function catalogTables(db: SqlClient): Promise<CatalogTable[]> {
  const serving = await servingTables(db);
  const { rows: tables } = await db.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const { rows: columns } = await db.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = current_schema() AND is_generated <> 'ALWAYS'
      ORDER BY table_name, ordinal_position`,
  );
  const { rows: fks } = await db.query<{ child: string; parent: string }>(
    `SELECT c.relname AS child, p.relname AS parent FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
      WHERE k.contype = 'f' AND c.relnamespace = current_schema()::regnamespace`,
  );
  const names = tables.map((t) => t.name).filter((name) => !NOT_DUMPED.has(name) && !serving.has(name));
  const byName = new Map<string, CatalogTable>();
  for (const name of names) {
    byName.set(name, {
      name,
      columns: columns.filter((c) => c.table_name === name).map((c) => c.column_name),
      references: [
        ...new Set(fks.filter((f) => f.child === name && f.parent !== name).map((f) => f.parent)),
      ].filter((parent) => names.includes(parent)),
    });
  }
  return dependencyOrder(byName);
}

async function servingTables(db: SqlClient): Promise<Set<string>> {
  const { rows } = await db.query<{ exists: boolean }>(
    `SELECT to_regclass('serving_loads') IS NOT NULL AS exists`,
  );
  if (!rows[0]?.exists) return new Set();
  const { rows: entities } = await db.query<{ entity: string }>(`SELECT DISTINCT entity FROM serving_loads`);
  return new Set(entities.flatMap((e) => [`${e.entity}_a`, `${e.entity}_b`]));
}

/** Parents before children; a cycle (no migration creates one) is a bug and says which tables. */
function dependencyOrder(tables: Map<string, CatalogTable>): CatalogTable[] {
  const ordered: CatalogTable[] = [];
  const done = new Set<string>();
  const visiting = new Set<string>();
  const visit = (table: CatalogTable): void => {
    if (done.has(table.name)) return;
    if (visiting.has(table.name))
      throw new Error(`catalog tables reference each other in a cycle through ${table.name}`);
    visiting.add(table.name);
    for (const parent of table.references) {
      const found = tables.get(parent);
      if (found) visit(found);
    }
    visiting.delete(table.name);
    done.add(table.name);
    ordered.push(table);
  };
  for (const table of tables.values()) visit(table);
  return ordered;
}

/** A PostgreSQL identifier, double-quoted. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
