import { DuckDBInstance } from "@duckdb/node-api";

/**
 * Runs `sql` on a fresh in-memory DuckDB and returns the rows as plain objects: the tests read the
 * converters' Parquet back through an engine independent of the writer under test.
 */
export async function query(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJS();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
