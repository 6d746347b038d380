import type { SqlClient } from "../sql-client.js";
import { CATALOG_MIGRATIONS } from "./catalog-migrations.js";
import type { Migration } from "./migration.js";

/**
 * Applies the migrations `db` has not recorded yet, in order, in one transaction, and returns the
 * ids it applied. A transaction-scoped advisory lock (keyed on the current schema) makes a second
 * process wait until the first has committed, after which it finds nothing left to do; both engines
 * support it, and a failure leaves the database exactly as it was.
 */
export async function runMigrations(
  db: SqlClient,
  migrations: readonly Migration[] = CATALOG_MIGRATIONS,
): Promise<{ applied: readonly string[] }> {
  checkOrder(migrations);
  if (await allRecorded(db, migrations)) return { applied: [] };
  return db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock(hashtext('omicslake.migrate:' || current_schema()))");
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      id text PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await tx.query<{ id: string }>("SELECT id FROM schema_migrations");
    const done = new Set(rows.map((row) => row.id));
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.id)) continue;
      try {
        await tx.exec(migration.sql);
      } catch (error) {
        throw new Error(
          `catalog migration ${migration.id} failed: ${error instanceof Error ? error.message : String(error)}`,
          {
            cause: error,
          },
        );
      }
      await tx.query("INSERT INTO schema_migrations (id) VALUES ($1)", [migration.id]);
      applied.push(migration.id);
    }
    return { applied };
  });
}

/**
 * Whether every migration is recorded already, which is what nearly every open finds. Answered with
 * one read and no lock: the advisory lock's first use in a new embedded session costs a one-shot
 * command more than the rest of its catalog work. Any failure (no table yet) means "take the full path".
 */
async function allRecorded(db: SqlClient, migrations: readonly Migration[]): Promise<boolean> {
  try {
    const { rows } = await db.query<{ id: string }>("SELECT id FROM schema_migrations");
    const done = new Set(rows.map((row) => row.id));
    return migrations.every((migration) => done.has(migration.id));
  } catch {
    return false;
  }
}

/** Ids must be unique and strictly increasing so every database applies them in the same order. */
function checkOrder(migrations: readonly Migration[]): void {
  for (let i = 1; i < migrations.length; i++) {
    const previous = migrations[i - 1]!.id;
    const current = migrations[i]!.id;
    if (!(previous < current))
      throw new Error(`catalog migrations are out of order: ${previous} before ${current}`);
  }
}
