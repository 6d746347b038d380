import { ValidationError } from "../errors/omicslake-error.js";
import type { SqlClient } from "./sql-client.js";

export interface SqlClientConfig {
  /** `postgres://…` (as in `DATABASE_URL`): use a PostgreSQL server. Takes precedence over `pgliteDir`. */
  readonly url?: string;
  /** A PGlite data directory (created when missing) or `memory://`. */
  readonly pgliteDir?: string;
  /** Keep every table in this schema (created when missing); isolates test and benchmark runs. */
  readonly schema?: string;
}

/**
 * Opens the catalog database the configuration names. Each engine's module (and its driver: pg, or
 * PGlite's WebAssembly build) is imported only when chosen, so a process that uses one never loads the other.
 * @example const db = await openSqlClient({ url: process.env.DATABASE_URL, pgliteDir: join(root, "catalog") });
 */
export async function openSqlClient(config: SqlClientConfig): Promise<SqlClient> {
  const url = config.url?.trim();
  if (url) {
    if (!/^postgres(ql)?:\/\//.test(url)) {
      throw new ValidationError(`the catalog database URL must start with postgres:// or postgresql://`, {
        details: { url: url.replace(/\/\/[^@/]*@/, "//…@") },
        hint: "Set DATABASE_URL (or [lake] database) to postgres://user@host:5432/database, or to a PGlite directory",
      });
    }
    const { PostgresSqlClient } = await import("./postgres/postgres-sql-client.js");
    return PostgresSqlClient.open({ url, ...(config.schema === undefined ? {} : { schema: config.schema }) });
  }
  const dir = config.pgliteDir?.trim();
  if (dir?.startsWith("memory://")) {
    const { PgliteSqlClient } = await import("./pglite/pglite-sql-client.js");
    return PgliteSqlClient.open({
      dataDir: dir,
      ...(config.schema === undefined ? {} : { schema: config.schema }),
    });
  }
  if (dir) {
    // Shared with the other omicslake processes of this host: opened directly, or through the socket of the process holding it.
    const { openEmbeddedCatalog } = await import("./pglite/open-embedded-catalog.js");
    return openEmbeddedCatalog({
      dataDir: dir,
      ...(config.schema === undefined ? {} : { schema: config.schema }),
    });
  }
  throw new ValidationError("no catalog database is configured", {
    hint: "Give a PGlite directory (or memory://) or a postgres:// URL",
  });
}
