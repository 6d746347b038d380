import { OmicslakeError } from "../../errors/omicslake-error.js";
import type { QueryOptions, SqlClient } from "../sql-client.js";

/** SQLSTATEs the catalog socket sends when it ends a connection: holder exiting, idle transaction cut off, protocol error. */
const ENDED_BY_HOLDER = new Set(["57P01", "25P03", "08P01"]);
const CONNECTION_ERRNOS = new Set(["ECONNRESET", "EPIPE", "ECONNREFUSED", "ENOENT", "ENOTCONN"]);

/**
 * The embedded catalog reached through the socket of the process that holds it. Behaves as the catalog
 * of that process (`kind` "pglite", as the health check reports it); the queries go through `pg`.
 * When the holder goes away mid-command the command fails with `database_in_use` saying so, never
 * hangs; the next call reopens the catalog (directly, as its new holder, or through a new holder's
 * socket), so a long-running client such as `serve` outlives the command it was sharing with.
 */
export class SharedPgliteSqlClient implements SqlClient {
  readonly kind = "pglite" as const;
  readonly #dataDir: string;
  readonly #reopen: () => Promise<SqlClient>;
  #inner: SqlClient;
  #broken = false;
  #reopening: Promise<SqlClient> | undefined;
  #closed = false;

  constructor(inner: SqlClient, dataDir: string, reopen: () => Promise<SqlClient>) {
    this.#inner = inner;
    this.#dataDir = dataDir;
    this.#reopen = reopen;
  }

  async query<T extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
    options?: QueryOptions,
  ): Promise<{ rows: T[]; rowCount: number }> {
    const inner = await this.#current();
    return this.#guard(inner, () => inner.query<T>(sql, params, options));
  }

  async exec(sql: string): Promise<void> {
    const inner = await this.#current();
    return this.#guard(inner, () => inner.exec(sql));
  }

  async transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
    const inner = await this.#current();
    return this.#guard(inner, () => inner.transaction(fn));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const inner = this.#reopening ? await this.#reopening.catch(() => this.#inner) : this.#inner;
    await inner.close().catch(() => undefined);
  }

  async #current(): Promise<SqlClient> {
    if (this.#closed) throw new Error("the catalog database client is closed");
    if (!this.#broken) return this.#inner;
    this.#reopening ??= (async () => {
      const old = this.#inner;
      await old.close().catch(() => undefined);
      try {
        this.#inner = await this.#reopen();
        this.#broken = false;
        return this.#inner;
      } finally {
        this.#reopening = undefined;
      }
    })();
    return this.#reopening;
  }

  async #guard<T>(inner: SqlClient, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (!isLostConnection(error)) throw error;
      if (inner === this.#inner) this.#broken = true;
      const sqlState = (error as { code?: unknown }).code;
      const reason =
        sqlState === "25P03"
          ? (error as Error).message
          : "the omicslake process that shared it stopped answering while this command was using it";
      throw new OmicslakeError(
        "database_in_use",
        `the embedded catalog ${this.#dataDir} became unavailable: ${reason}`,
        {
          details: { dataDir: this.#dataDir },
          hint: "Run the command again: it then opens the catalog itself, or through whichever omicslake process holds it now. What this command was writing when it failed was rolled back",
          cause: error,
        },
      );
    }
  }
}

function isLostConnection(error: unknown): boolean {
  if (error instanceof OmicslakeError) return false;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && (ENDED_BY_HOLDER.has(code) || CONNECTION_ERRNOS.has(code))) return true;
  const message = error instanceof Error ? error.message : "";
  return /Connection terminated|connection is closed|Client has encountered a connection error/i.test(
    message,
  );
}
