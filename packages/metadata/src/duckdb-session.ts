import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";

/** An in-memory DuckDB with its spill directory in `workDir`, so large sorts and joins go to disk, not RAM. */
export interface DuckDbSession {
  readonly connection: DuckDBConnection;
  run(sql: string): Promise<void>;
  /** Rows of a small result as plain JSON-safe objects (bigints as numbers when safe). */
  rows(sql: string): Promise<Record<string, unknown>[]>;
  close(): void;
}

export async function openDuckDb(
  workDir: string,
  options: { path?: string; memoryLimit?: string } = {},
): Promise<DuckDbSession> {
  const instance = await DuckDBInstance.create(options.path ?? ":memory:");
  const connection = await instance.connect();
  const session: DuckDbSession = {
    connection,
    async run(sql) {
      await connection.run(sql);
    },
    async rows(sql) {
      const reader = await connection.runAndReadAll(sql);
      return reader
        .getRowObjectsJS()
        .map((row) =>
          Object.fromEntries(
            Object.entries(row).map(([k, v]) => [
              k,
              typeof v === "bigint" && Number.isSafeInteger(Number(v)) ? Number(v) : v,
            ]),
          ),
        );
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
  await session.run(`SET temp_directory = ${sqlString(`${workDir}/duckdb-spill`)}`);
  if (options.memoryLimit) await session.run(`SET memory_limit = ${sqlString(options.memoryLimit)}`);
  return session;
}

/** A SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
