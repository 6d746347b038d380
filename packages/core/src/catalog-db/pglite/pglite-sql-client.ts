import { AsyncLocalStorage } from "node:async_hooks";
import { readdir, rm } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { ensurePrivateDir, tightenTree } from "../../lake/private-files.js";
import type { SqlClient } from "../sql-client.js";
import { PG_OIDS, parseInt8, parseNumeric } from "../sql-value-parsers.js";
import { isDuplicateSchemaError, quoteSchemaName } from "../schema-name.js";
import { CatalogSocketServer, type CatalogSocketServerOptions } from "./catalog-socket-server.js";
import { lockDataDir, type DataDirLock } from "./data-dir-lock.js";
import { createSocketDir } from "./socket-location.js";

export interface PgliteSqlClientOptions {
  /** A directory (created when missing) or `memory://` for a throw-away database. */
  readonly dataDir: string;
  /** Create this schema when missing and put it first on the search path (isolates runs). */
  readonly schema?: string;
  /** The data directory's lock when the caller already took it (openSqlClient does); taken here otherwise. */
  readonly lock?: DataDirLock;
  /**
   * Share the catalog with the other omicslake processes of this host over a Unix socket beside the
   * data directory (default: true for a directory; a `memory://` database is never shared).
   */
  readonly share?: boolean | CatalogSocketServerOptions;
}

/** PGlite runs synchronously inside WebAssembly; yield to the event loop this often so timers and I/O still run. */
const OPERATIONS_PER_YIELD = 32;

/**
 * PostgreSQL's buffer pool is set up (zeroed) inside WebAssembly on every open, before the first query:
 * at the 128MB PGlite's initdb writes it was the largest single cost of opening the catalog, paid by
 * every one-shot command. A page not in the pool is read through the data directory's mount, which the
 * OS page cache serves, so a smaller pool costs large scans little. Durability is unaffected.
 */
const SHARED_BUFFERS = "16MB";

/**
 * Embedded PostgreSQL (PGlite). It has one connection, so every top-level query and every
 * transaction goes through one queue: without it a query issued by an unrelated caller while a
 * transaction is open would run inside that transaction. A call on this client made from inside a
 * transaction callback joins that transaction instead of queueing behind it (which would deadlock).
 */
export class PgliteSqlClient implements SqlClient {
  readonly kind = "pglite" as const;
  readonly #db: PGlite;
  #release: () => Promise<void>;
  /** Run after a remote client's turn: the session as this client set it up (its search path). */
  readonly #baseline: string;
  #socket: CatalogSocketServer | undefined;
  readonly #scope = new AsyncLocalStorage<PgliteTransaction>();
  #tail: Promise<unknown> = Promise.resolve();
  #sinceYield = 0;
  #closed = false;
  /** A remote client used the backend since this client's last query: its session needs restoring. */
  #sessionTouched = false;

  private constructor(db: PGlite, release: () => Promise<void>, baseline: string) {
    this.#db = db;
    this.#release = release;
    this.#baseline = baseline;
  }

  static async open(options: PgliteSqlClientOptions): Promise<PgliteSqlClient> {
    const quoted = options.schema === undefined ? undefined : quoteSchemaName(options.schema);
    const memory = options.dataDir.startsWith("memory://");
    let release = (): Promise<void> => Promise.resolve();
    let lock: DataDirLock | undefined;
    let fresh = false;
    if (!memory) {
      await ensurePrivateDir(options.dataDir);
      fresh = (await readdir(options.dataDir)).length === 0;
      const held = options.lock ?? (await lockDataDir(options.dataDir, { shares: options.share !== false }));
      lock = held;
      // PGlite writes its files world-readable (0666 less the umask) and takes no mode: the private
      // directory keeps others out meanwhile, and the files are made 0600 after opening and closing.
      release = async () => {
        try {
          await tightenTree(options.dataDir);
        } finally {
          await held.release();
        }
      };
    }
    let db: PGlite | undefined;
    let client: PgliteSqlClient | undefined;
    try {
      db = await PGlite.create(memory ? "memory://" : options.dataDir, {
        parsers: { [PG_OIDS.int8]: parseInt8, [PG_OIDS.numeric]: parseNumeric },
        startParams: [...PGlite.defaultStartParams, "-c", `shared_buffers=${SHARED_BUFFERS}`],
      });
      if (quoted !== undefined) {
        try {
          await db.exec(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
        } catch (error) {
          if (!isDuplicateSchemaError(error)) throw error;
        }
        // One connection for the life of the client, so setting the path once covers every query.
        await db.exec(`SET search_path TO ${quoted}`);
      }
      // A new database's files come from initdb; an existing one's were tightened when last closed.
      if (fresh) await tightenTree(options.dataDir);
      client = new PgliteSqlClient(
        db,
        release,
        quoted === undefined ? "RESET ALL" : `RESET ALL; SET search_path TO ${quoted}`,
      );
      if (lock !== undefined && options.share !== false) {
        await client.#share(options.dataDir, lock, options.share === true ? {} : (options.share ?? {}));
      }
    } catch (error) {
      if (client !== undefined) await client.close().catch(() => undefined);
      else {
        await db?.close().catch(() => undefined);
        await release();
      }
      throw error;
    }
    return client;
  }

  /** Listens on the catalog's socket and records it in the lock, so other processes connect instead of failing. */
  async #share(dataDir: string, lock: DataDirLock, options: CatalogSocketServerOptions): Promise<void> {
    const { dir, temporary } = await createSocketDir(dataDir);
    const release = this.#release;
    const db = this.#db;
    try {
      this.#socket = await CatalogSocketServer.listen({ db, lease: () => this.#lease() }, dir, options);
      await lock.recordSocket(dir);
    } catch (error) {
      const socket = this.#socket;
      this.#socket = undefined;
      await socket?.close();
      if (temporary) await rm(dir, { recursive: true, force: true });
      throw error;
    }
    this.#release = async () => {
      try {
        if (temporary) await rm(dir, { recursive: true, force: true });
      } finally {
        await release();
      }
    };
  }

  /** The socket other processes reach this catalog through, while it is shared. */
  get socketPath(): string | undefined {
    return this.#socket?.socketPath;
  }

  query<T extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[] = [],
  ): Promise<{ rows: T[]; rowCount: number }> {
    const tx = this.#scope.getStore();
    if (tx?.active) return tx.query<T>(sql, params);
    return this.#exclusive(() => runQuery<T>(this.#db, sql, params));
  }

  async exec(sql: string): Promise<void> {
    const tx = this.#scope.getStore();
    if (tx?.active) return tx.exec(sql);
    await this.#exclusive(() => this.#db.exec(sql));
  }

  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
    const outer = this.#scope.getStore();
    if (outer?.active) return fn(outer);
    return this.#exclusive(async () => {
      const tx = new PgliteTransaction(this.#db);
      await this.#db.exec("BEGIN");
      try {
        const result = await this.#scope.run(tx, () => fn(tx));
        const [commit] = await this.#db.exec("COMMIT");
        // COMMIT of a transaction that already failed (the callback swallowed the error) reports
        // ROLLBACK instead of failing; the caller must not believe its writes landed.
        if (commit?.command === "ROLLBACK") {
          throw new Error("the transaction was rolled back because a statement inside it failed");
        }
        return result;
      } catch (error) {
        // The callback's error is the one worth reporting; a failing ROLLBACK must not replace it.
        if (this.#inTransaction()) await this.#db.exec("ROLLBACK").catch(() => undefined);
        throw error;
      } finally {
        tx.end();
      }
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    // Remote clients go first: their clean-up (rolling back what they left open) still needs the queue.
    const socket = this.#socket;
    this.#socket = undefined;
    await socket?.close().catch(() => undefined);
    if (this.#closed) return;
    this.#closed = true;
    await this.#tail.catch(() => undefined);
    try {
      await this.#db.close();
    } finally {
      await this.#release();
    }
  }

  /** Holds the queue (the one backend) until the returned function is called. */
  #lease(): Promise<() => void> {
    return new Promise((granted, refused) => {
      this.#exclusive(
        () =>
          new Promise<void>((release) =>
            granted(() => {
              this.#sessionTouched = true;
              release();
            }),
          ),
        true,
      ).catch(refused);
    });
  }

  #inTransaction(): boolean {
    return this.#db.isInTransaction();
  }

  #exclusive<T>(fn: () => Promise<T>, remote = false): Promise<T> {
    if (this.#closed) return Promise.reject(new Error("the catalog database client is closed"));
    const run = this.#tail.then(async () => {
      this.#sinceYield += 1;
      if (this.#sinceYield >= OPERATIONS_PER_YIELD) {
        this.#sinceYield = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      // Remote clients set up the session when they take it; this client puts its own back lazily, once.
      if (this.#sessionTouched && !remote) {
        this.#sessionTouched = false;
        await this.#db.exec(this.#baseline);
      }
      return fn();
    });
    this.#tail = run.catch(() => undefined);
    return run;
  }
}

/** The client handed to a transaction callback: runs directly on the connection the queue holds. */
class PgliteTransaction implements SqlClient {
  readonly kind = "pglite" as const;
  readonly #db: PGlite;
  #active = true;

  constructor(db: PGlite) {
    this.#db = db;
  }

  get active(): boolean {
    return this.#active;
  }

  end(): void {
    this.#active = false;
  }

  query<T extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[] = [],
  ): Promise<{ rows: T[]; rowCount: number }> {
    this.#assertActive();
    return runQuery<T>(this.#db, sql, params);
  }

  async exec(sql: string): Promise<void> {
    this.#assertActive();
    await this.#db.exec(sql);
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

async function runQuery<T extends Record<string, unknown>>(
  db: PGlite,
  sql: string,
  params: readonly unknown[],
): Promise<{ rows: T[]; rowCount: number }> {
  const result = await db.query<T>(sql, [...params]);
  return { rows: result.rows, rowCount: result.rowCount ?? result.affectedRows ?? result.rows.length };
}
