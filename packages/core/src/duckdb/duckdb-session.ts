import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { ValidationError } from "../errors/omicslake-error.js";
import { sqlString } from "./sql-quote.js";

/** How to open DuckDB. Every setting left out keeps DuckDB's own default. */
export interface DuckDbOptions {
  /** The database file; an in-memory database when absent. The file is created on first use. */
  readonly path?: string;
  /** Worker threads DuckDB may use (its `threads` setting); DuckDB uses every core when absent. */
  readonly threads?: number;
  /** The most memory DuckDB may hold before spilling or failing, as DuckDB writes it: `"2GB"`, `"512MB"`. */
  readonly memoryLimit?: string;
  /**
   * Where large sorts, joins and aggregations spill to disk. Put it on the work directory of the step, so a
   * spill lands beside the step's other scratch files and is removed with them.
   */
  readonly tempDirectory?: string;
}

/** One DuckDB database and its connection; `close` closes both. */
export interface DuckDbSession {
  readonly connection: DuckDBConnection;
  run(sql: string): Promise<void>;
  /** Rows of a small result as plain objects, bigints turned into numbers when they fit exactly. */
  rows(sql: string): Promise<Record<string, unknown>[]>;
  /**
   * Another connection to the same database, for a query that runs beside others (a connection runs one
   * statement at a time). The caller closes it, before `close`.
   */
  connect(): Promise<DuckDBConnection>;
  close(): void;
}

/**
 * Opens a DuckDB database with one connection. The DuckDB module is loaded on first use, not when
 * `@omicslake/core` is imported: its native binding is large, and most commands never open DuckDB.
 *
 * @example
 * const duck = await openDuckDb({ tempDirectory: join(work, "duckdb-spill"), memoryLimit: "2GB" });
 * try { await duck.run(`COPY (…) TO ${sqlString(out)} (FORMAT parquet)`); } finally { duck.close(); }
 */
export async function openDuckDb(options: DuckDbOptions = {}): Promise<DuckDbSession> {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(options.path ?? ":memory:");
  let connection: DuckDBConnection | undefined;
  try {
    connection = await instance.connect();
    const session = sessionOf(instance, connection);
    // Applied with SET once connected, so a value DuckDB rejects fails here, named, before any work starts.
    if (options.tempDirectory !== undefined) await apply(session, "temp_directory", options.tempDirectory);
    if (options.memoryLimit !== undefined) await apply(session, "memory_limit", options.memoryLimit);
    if (options.threads !== undefined) {
      if (!Number.isInteger(options.threads) || options.threads < 1)
        throw new Error(`openDuckDb: threads must be a positive integer, got ${options.threads}`);
      await apply(session, "threads", String(options.threads));
    }
    return session;
  } catch (error) {
    connection?.closeSync();
    instance.closeSync();
    throw error;
  }
}

/**
 * Runs `fn` with a DuckDB session that is closed afterwards, whether `fn` succeeds or throws.
 *
 * @example const n = await withDuckDb({}, async (duck) => (await duck.rows("SELECT 42 AS n"))[0]?.n);
 */
export async function withDuckDb<T>(
  options: DuckDbOptions,
  fn: (session: DuckDbSession) => Promise<T>,
): Promise<T> {
  const session = await openDuckDb(options);
  try {
    return await fn(session);
  } finally {
    session.close();
  }
}

async function apply(session: DuckDbSession, setting: string, value: string): Promise<void> {
  try {
    await session.run(`SET ${setting} = ${sqlString(value)}`);
  } catch (cause) {
    throw new ValidationError(
      `DuckDB refused ${setting} = ${JSON.stringify(value)}: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        details: { setting, value },
        hint: 'Give the setting a value DuckDB accepts, e.g. memory_limit = "2GB"',
        cause,
      },
    );
  }
}

function sessionOf(instance: DuckDBInstance, connection: DuckDBConnection): DuckDbSession {
  return {
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
    connect() {
      return instance.connect();
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
