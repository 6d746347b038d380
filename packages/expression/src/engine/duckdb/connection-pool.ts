import type { DuckDBConnection } from "@duckdb/node-api";
import { OmicslakeError, type DuckDbSession } from "@omicslake/core";

/** A connection lent for one query (or one streamed result); `release` returns it to the pool. */
export interface ConnectionLease {
  readonly connection: DuckDBConnection;
  release(): void;
}

/**
 * Connections to the engine's one DuckDB database, lent one per query: a DuckDB connection runs one statement
 * at a time, while the database itself (its thread pool, its Parquet metadata cache) is shared by all. At most
 * `size` connections are opened; further queries wait for one to come back. `close` refuses new queries,
 * waits for the ones in flight (a streamed subset holds its lease until its consumer stops), then closes.
 */
export class ConnectionPool {
  private readonly idle: DuckDBConnection[] = [];
  private readonly waiting: ((connection: DuckDBConnection) => void)[] = [];
  private opened = 0;
  private pending = 0;
  private closing: Promise<void> | undefined;
  private drained: (() => void) | undefined;

  constructor(
    private readonly session: DuckDbSession,
    private readonly size: number,
  ) {}

  /**
   * Counts a query as in flight from the moment it is called (before it has a connection), so that `close`
   * waits for it; returns the function that ends it. Throws once the pool is closing.
   */
  begin(): () => void {
    if (this.closing !== undefined)
      throw new OmicslakeError("engine_unavailable", "the DuckDB expression engine is closed", {
        hint: "Open a new engine; this one was closed (the server is shutting down)",
      });
    this.pending++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.pending--;
      if (this.pending === 0) this.drained?.();
    };
  }

  /** A connection for a query that `begin` counts; it must be released before that query ends. */
  async lease(): Promise<ConnectionLease> {
    const connection = await this.acquire();
    let released = false;
    return {
      connection,
      release: () => {
        if (released) return;
        released = true;
        const next = this.waiting.shift();
        if (next) next(connection);
        else this.idle.push(connection);
      },
    };
  }

  /** Runs `fn` (part of a query `begin` counts) on a leased connection, returned afterwards in any case. */
  async use<T>(fn: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    const lease = await this.lease();
    try {
      return await fn(lease.connection);
    } finally {
      lease.release();
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.pending > 0) await new Promise<void>((resolve) => (this.drained = resolve));
      for (const connection of this.idle.splice(0)) connection.closeSync();
      this.session.close();
    })();
    return this.closing;
  }

  private async acquire(): Promise<DuckDBConnection> {
    const idle = this.idle.pop();
    if (idle) return idle;
    if (this.opened < this.size) {
      this.opened++;
      try {
        return await this.session.connect();
      } catch (error) {
        this.opened--;
        throw error;
      }
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}
