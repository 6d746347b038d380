import { AsyncLocalStorage } from "node:async_hooks";
import pg from "pg";
import { OmicslakeError } from "../../errors/omicslake-error.js";
import { redactSecrets, redactUrl } from "../../errors/redact-secrets.js";
import type { QueryOptions, SqlClient } from "../sql-client.js";
import { PG_OIDS, mapArrayLeaves, parseInt8, parseNumeric } from "../sql-value-parsers.js";
import { isDuplicateSchemaError, quoteSchemaName } from "../schema-name.js";
import { SOCKET_PORT } from "../pglite/socket-location.js";

export interface PostgresSqlClientOptions {
  /** A `postgres://user@host:port/database` URL, as in `DATABASE_URL`. */
  readonly url?: string;
  /**
   * Instead of a URL: the directory of the Unix socket through which another omicslake process shares
   * its embedded catalog (see `pglite/catalog-socket-server.ts`).
   */
  readonly socketDir?: string;
  /**
   * Create this schema when missing and make it the only schema on every connection's search path,
   * so separate runs (test files, benchmarks) never see each other's tables.
   */
  readonly schema?: string;
  /** Pool size; 10 by default. */
  readonly maxConnections?: number;
}

// Per-pool parsers (never the process-wide pg.types registry, which other code may rely on).
const defaultTextParser = pg.types.getTypeParser as unknown as (
  oid: number,
  format?: string,
) => (text: string) => unknown;
const baseInt8Array = defaultTextParser(PG_OIDS.int8Array, "text");
const baseNumericArray = defaultTextParser(PG_OIDS.numericArray, "text");
const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => {
    if (format === undefined || format === "text") {
      switch (oid) {
        case PG_OIDS.int8:
          return parseInt8;
        case PG_OIDS.numeric:
          return parseNumeric;
        case PG_OIDS.int8Array:
          return (text: string) => mapArrayLeaves(baseInt8Array(text), parseInt8);
        case PG_OIDS.numericArray:
          return (text: string) => mapArrayLeaves(baseNumericArray(text), parseNumeric);
      }
    }
    return defaultTextParser(oid, format);
  }) as pg.CustomTypesConfig["getTypeParser"],
};

/** A PostgreSQL server through a `pg` pool; transactions take a dedicated connection. */
export class PostgresSqlClient implements SqlClient {
  readonly kind = "postgres" as const;
  readonly #pool: pg.Pool;
  readonly #scope = new AsyncLocalStorage<PostgresTransaction>();
  #closed = false;

  private constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  static async open(options: PostgresSqlClientOptions): Promise<PostgresSqlClient> {
    const quoted = options.schema === undefined ? undefined : quoteSchemaName(options.schema);
    const target =
      options.url !== undefined
        ? { connectionString: options.url }
        : { host: options.socketDir, port: SOCKET_PORT, user: "omicslake", database: "catalog" };
    const where =
      options.url !== undefined
        ? describeUrl(options.url)
        : `the socket ${options.socketDir ?? "(none)"} of the process sharing the embedded catalog`;
    const pool = new pg.Pool({
      ...target,
      max: options.maxConnections ?? 10,
      application_name: "omicslake",
      types: typeParsers,
      // Sent in the startup packet, so the path is in force before the first query on every connection.
      ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
    });
    // An idle connection the server drops emits here; without a listener the process would exit.
    // The pool discards that connection and opens a new one on the next checkout.
    pool.on("error", () => undefined);
    const client = new PostgresSqlClient(pool);
    try {
      if (quoted !== undefined) {
        try {
          await pool.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
        } catch (error) {
          if (!isDuplicateSchemaError(error)) throw error;
        }
      } else {
        await pool.query("SELECT 1");
      }
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw new OmicslakeError("database_unavailable", `cannot use the PostgreSQL database at ${where}`, {
        details: {
          url: where,
          reason: redactSecrets(error instanceof Error ? error.message : String(error)),
        },
        hint: "Check that the server is running and that DATABASE_URL (or [lake] database) names a reachable database and user",
        cause: error,
      });
    }
    return client;
  }

  async query<T extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[] = [],
    options?: QueryOptions,
  ): Promise<{ rows: T[]; rowCount: number }> {
    const tx = this.#scope.getStore();
    if (tx?.active) return tx.query<T>(sql, params, options);
    this.#assertOpen();
    const result = await this.#pool.query<T>(config(sql, params, options));
    return { rows: result.rows, rowCount: result.rowCount ?? 0 };
  }

  async exec(sql: string): Promise<void> {
    const tx = this.#scope.getStore();
    if (tx?.active) return tx.exec(sql);
    this.#assertOpen();
    // Without parameters pg uses the simple-query protocol, which accepts several statements.
    await this.#pool.query(sql);
  }

  async transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
    const outer = this.#scope.getStore();
    if (outer?.active) return fn(outer);
    this.#assertOpen();
    const connection = await this.#pool.connect();
    const tx = new PostgresTransaction(connection);
    let broken: Error | undefined;
    // The pool listens for errors on idle connections only: a server that ends this one while the
    // callback works between queries (the shared catalog's holder exiting, or cutting off an idle
    // transaction) would otherwise crash the process. The next query on it fails with the reason.
    const onError = (error: Error): void => {
      broken = error;
    };
    connection.on("error", onError);
    try {
      await connection.query("BEGIN");
      let result: T;
      try {
        result = await this.#scope.run(tx, () => fn(tx));
      } catch (error) {
        await connection.query("ROLLBACK").catch((rollbackError: unknown) => {
          // The connection's state is unknown; destroy it rather than return it to the pool.
          broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        });
        throw error;
      }
      const commit = await connection.query("COMMIT");
      if (commit.command === "ROLLBACK") {
        throw new Error("the transaction was rolled back because a statement inside it failed");
      }
      return result;
    } finally {
      tx.end();
      connection.off("error", onError);
      connection.release(broken);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error("the catalog database client is closed");
  }
}

class PostgresTransaction implements SqlClient {
  readonly kind = "postgres" as const;
  readonly #connection: pg.PoolClient;
  #active = true;

  constructor(connection: pg.PoolClient) {
    this.#connection = connection;
  }

  get active(): boolean {
    return this.#active;
  }

  end(): void {
    this.#active = false;
  }

  async query<T extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[] = [],
    options?: QueryOptions,
  ): Promise<{ rows: T[]; rowCount: number }> {
    this.#assertActive();
    const result = await this.#connection.query<T>(config(sql, params, options));
    return { rows: result.rows, rowCount: result.rowCount ?? 0 };
  }

  async exec(sql: string): Promise<void> {
    this.#assertActive();
    await this.#connection.query(sql);
  }

  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
    this.#assertActive();
    return fn(this);
  }

  close(): Promise<void> {
    return Promise.reject(new Error("close the client that opened the transaction, not the transaction"));
  }

  #assertActive(): void {
    if (!this.#active) throw new Error("this transaction has already finished; use the client it came from");
  }
}

/** pg's query config; a `name` makes pg prepare the statement once per connection. */
function config(sql: string, params: readonly unknown[], options: QueryOptions | undefined): pg.QueryConfig {
  return options?.prepare === undefined
    ? { text: sql, values: [...params] }
    : { name: options.prepare, text: sql, values: [...params] };
}

/** The URL without its password (in the userinfo or as a `?password=` parameter), for messages. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = "";
    return redactUrl(parsed);
  } catch {
    return "(unparsable URL)";
  }
}
