import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe } from "vitest";
import type { SqlClientConfig } from "../catalog-db/open-sql-client.js";
import { openSqlClient } from "../catalog-db/open-sql-client.js";
import type { SqlClient } from "../catalog-db/sql-client.js";
import type { SqlCatalogOptions } from "../catalog/sql-catalog.js";
import { SqlCatalog } from "../catalog/sql-catalog.js";

export type Engine = "pglite" | "postgres";

export interface TestDatabase {
  readonly engine: Engine;
  /** How to open another client on the same database (postgres: the same schema). */
  readonly config: SqlClientConfig;
  /** A catalog of its own for this test file: a fresh in-memory PGlite, or a fresh PostgreSQL schema. */
  readonly catalog: SqlCatalog;
  readonly db: SqlClient;
}

export interface ForEachDatabaseOptions extends SqlCatalogOptions {
  /** Apply the migrations before the tests (default true). */
  readonly migrate?: boolean;
}

/**
 * Registers `body` once per catalog engine, each in its own describe block: PGlite always, and
 * PostgreSQL when DATABASE_URL is set (otherwise its block is reported as skipped, with the reason).
 * OMICSLAKE_TEST_DATABASES=pglite (or postgres) narrows the set. Each engine block gets a fresh
 * database for the file (a PGlite in memory, or a randomly named schema dropped afterwards); tests
 * inside a file share it, so they use names of their own.
 *
 * @example forEachDatabase((ctx) => { it("creates", async () => { await ctx().catalog.createDataset(…) }) })
 */
export function forEachDatabase(
  body: (ctx: () => TestDatabase) => void,
  options: ForEachDatabaseOptions = {},
): void {
  const wanted = new Set(
    (process.env["OMICSLAKE_TEST_DATABASES"] ?? "pglite,postgres").split(",").map((s) => s.trim()),
  );
  const url = process.env["DATABASE_URL"];

  const register = (
    engine: Engine,
    makeConfig: () => SqlClientConfig,
    drop?: (config: SqlClientConfig) => Promise<void>,
  ): void => {
    let current: TestDatabase | undefined;
    describe(engine, () => {
      beforeAll(async () => {
        const config = makeConfig();
        const db = await openSqlClient(config);
        const catalog = new SqlCatalog(db, options);
        if (options.migrate ?? true) await catalog.migrate();
        current = { engine, config, catalog, db };
      });
      afterAll(async () => {
        const opened = current;
        current = undefined;
        if (!opened) return;
        await opened.catalog.close();
        if (drop) await drop(opened.config);
      });
      body(() => {
        if (!current) throw new Error(`the ${engine} test database is not open (did beforeAll fail?)`);
        return current;
      });
    });
  };

  if (wanted.has("pglite")) register("pglite", () => ({ pgliteDir: "memory://" }));
  else
    describe.skip("pglite — skipped: OMICSLAKE_TEST_DATABASES does not include pglite", () =>
      body(unavailable("pglite")));

  if (!wanted.has("postgres")) {
    describe.skip("postgres — skipped: OMICSLAKE_TEST_DATABASES does not include postgres", () =>
      body(unavailable("postgres")));
  } else if (!url) {
    describe.skip("postgres — skipped: DATABASE_URL is not set (run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/test)", () =>
      body(unavailable("postgres")));
  } else {
    register(
      "postgres",
      () => ({ url, schema: `olk_test_${randomBytes(6).toString("hex")}` }),
      async (config) => {
        const admin = await openSqlClient({ url });
        try {
          await admin.exec(`DROP SCHEMA IF EXISTS "${config.schema}" CASCADE`);
        } finally {
          await admin.close();
        }
      },
    );
  }
}

function unavailable(engine: Engine): () => TestDatabase {
  return () => {
    throw new Error(`the ${engine} test database is skipped`);
  };
}

/** A new random schema on the same server (postgres) for tests that need an empty database of their own. */
export function freshSchemaName(): string {
  return `olk_test_${randomBytes(6).toString("hex")}`;
}
