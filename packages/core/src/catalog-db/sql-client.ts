/**
 * The one extension point between the catalog and a PostgreSQL engine: embedded PGlite or a real
 * server through `pg`. Both speak the same SQL, so migrations and queries are written once.
 * Implementations normalise results: bigint/numeric counts come back as JS numbers, timestamps as Date,
 * json/jsonb as parsed values.
 */
export interface SqlClient {
  readonly kind: "pglite" | "postgres";
  query<T extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
    options?: QueryOptions,
  ): Promise<{ rows: T[]; rowCount: number }>;
  /** Runs several statements separated by `;` with no parameters (migrations, DDL). */
  exec(sql: string): Promise<void>;
  /** Runs `fn` in one transaction; rolls back if it throws. Nested calls reuse the outer transaction. */
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface QueryOptions {
  /**
   * Run as a named prepared statement: each connection parses and plans it once, then only binds and
   * executes. One name must always go with the same SQL text. PGlite ignores it.
   */
  readonly prepare?: string;
}
