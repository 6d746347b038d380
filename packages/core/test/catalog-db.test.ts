import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CATALOG_MIGRATIONS } from "../src/catalog-db/migrations/catalog-migrations.js";
import { runMigrations } from "../src/catalog-db/migrations/migrator.js";
import { openSqlClient } from "../src/catalog-db/open-sql-client.js";
import { openCatalog } from "../src/catalog/sql-catalog.js";
import { OmicslakeError, ValidationError } from "../src/errors/omicslake-error.js";
import { forEachDatabase, freshSchemaName } from "@omicslake/core/testing";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

forEachDatabase((ctx) => {
  it("returns int8 and numeric as numbers, timestamptz as Date, jsonb parsed and arrays as arrays", async () => {
    const { rows, rowCount } = await ctx().db.query(
      `SELECT 9007199254740991::int8 AS big, (SELECT sum(v) FROM unnest(ARRAY[1, 2, 3]::int8[]) v) AS total,
              count(*) AS n, TIMESTAMPTZ '2024-03-31 12:00:00+00' AS at, '{"a": [1, "x"]}'::jsonb AS doc,
              ARRAY['p', 'q']::text[] AS words, ARRAY[4, 5]::int8[] AS ids`,
    );
    expect(rowCount).toBe(1);
    expect(rows[0]).toEqual({
      big: 9007199254740991,
      total: 6,
      n: 1,
      at: new Date("2024-03-31T12:00:00Z"),
      doc: { a: [1, "x"] },
      words: ["p", "q"],
      ids: [4, 5],
    });
  });

  it("refuses an int8 that a JavaScript number cannot hold exactly", async () => {
    await expect(ctx().db.query("SELECT 9007199254740993::int8 AS too_big")).rejects.toThrow(/does not fit/);
  });

  it("reports affected rows", async () => {
    const db = ctx().db;
    await db.exec("CREATE TABLE t_count (id int); INSERT INTO t_count VALUES (1), (2), (3)");
    const { rowCount } = await db.query("UPDATE t_count SET id = id + 10 WHERE id >= $1", [2]);
    expect(rowCount).toBe(2);
  });

  it("runs a named prepared statement with fresh parameters each time; PGlite runs it unprepared", async () => {
    const db = ctx().db;
    await db.exec(
      "CREATE TABLE t_prepared (id int, word text); INSERT INTO t_prepared VALUES (1, 'a'), (2, 'b'), (3, 'c')",
    );
    const sql = "SELECT word FROM t_prepared WHERE id >= $1 ORDER BY id";
    const words = async (from: number): Promise<string[]> =>
      (await db.query<{ word: string }>(sql, [from], { prepare: "t_prepared_words" })).rows.map(
        (r) => r.word,
      );
    // More calls than the pool has connections, so some connections reuse the statement they prepared.
    for (let k = 0; k < 12; k++) expect(await words((k % 3) + 1)).toEqual(["a", "b", "c"].slice(k % 3));
    const prepared = await db.transaction(async (tx) => {
      await tx.query(sql, [2], { prepare: "t_prepared_words" });
      const { rows } = await tx.query<{ n: number }>(
        "SELECT count(*) AS n FROM pg_prepared_statements WHERE name = $1",
        ["t_prepared_words"],
      );
      return rows[0]?.n;
    });
    expect(prepared).toBe(db.kind === "postgres" ? 1 : 0);
  });

  it("rolls back a transaction whose callback throws", async () => {
    const db = ctx().db;
    await db.exec("CREATE TABLE t_rollback (id int)");
    await expect(
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO t_rollback VALUES (1)");
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    const { rows } = await db.query("SELECT count(*) AS n FROM t_rollback");
    expect(rows[0]).toEqual({ n: 0 });
  });

  it("lets calls on the client inside a transaction join it, and nested transactions reuse it", async () => {
    const db = ctx().db;
    await db.exec("CREATE TABLE t_join (id int)");
    await expect(
      db.transaction(async () => {
        // The root client, not `tx`: on PGlite this would deadlock if it queued behind the transaction.
        await db.query("INSERT INTO t_join VALUES (1)");
        await db.transaction(async (inner) => {
          await inner.query("INSERT INTO t_join VALUES (2)");
        });
        const inside = await db.query("SELECT count(*) AS n FROM t_join");
        expect(inside.rows[0]).toEqual({ n: 2 });
        throw new Error("undo both");
      }),
    ).rejects.toThrow("undo both");
    const { rows } = await db.query("SELECT count(*) AS n FROM t_join");
    expect(rows[0]).toEqual({ n: 0 });
  });

  it("never shows another caller a transaction's uncommitted rows", async () => {
    const db = ctx().db;
    await db.exec("CREATE TABLE t_isolated (id int)");
    let inserted!: () => void;
    const insertedSignal = new Promise<void>((resolve) => (inserted = resolve));
    const writer = db.transaction(async (tx) => {
      await tx.query("INSERT INTO t_isolated VALUES (1)");
      inserted();
      await sleep(50);
      throw new Error("abandon");
    });
    await insertedSignal;
    // Runs outside the transaction's async context: it must not read the pending row.
    const reader = db.query("SELECT count(*) AS n FROM t_isolated");
    await expect(writer).rejects.toThrow("abandon");
    expect((await reader).rows[0]).toEqual({ n: 0 });
  });

  it("fails the commit when a statement inside the transaction failed and the error was swallowed", async () => {
    const db = ctx().db;
    await db.exec("CREATE TABLE t_aborted (id int)");
    await expect(
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO t_aborted VALUES (1)");
        await tx.query("SELECT 1 / 0").catch(() => undefined);
      }),
    ).rejects.toThrow(/rolled back/);
    const { rows } = await db.query("SELECT count(*) AS n FROM t_aborted");
    expect(rows[0]).toEqual({ n: 0 });
    // The client is usable afterwards.
    expect((await db.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
  });

  it("refuses a finished transaction's client", async () => {
    const db = ctx().db;
    const leaked = await db.transaction((tx) => Promise.resolve(tx));
    await expect(Promise.resolve().then(() => leaked.query("SELECT 1"))).rejects.toThrow(/already finished/);
  });

  it("applies migrations once: a second run applies nothing", async () => {
    const db = ctx().db;
    expect(await runMigrations(db)).toEqual({ applied: [] });
    const { rows } = await db.query<{ id: string }>("SELECT id FROM schema_migrations ORDER BY id");
    expect(rows.map((row) => row.id)).toEqual(CATALOG_MIGRATIONS.map((migration) => migration.id));
    expect(rows[0]?.id).toBe("0001_catalog");
    const tables = await db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name`,
    );
    expect(tables.rows.map((row) => row.table_name)).toEqual(
      expect.arrayContaining([
        "api_keys",
        "datasets",
        "objects",
        "provenance",
        "runs",
        "schema_migrations",
        "schema_versions",
      ]),
    );
  });

  it("rolls a failing migration back entirely and names it", async () => {
    const db = ctx().db;
    const broken = {
      id: "9999_broken",
      sql: "CREATE TABLE broken_a (id int); CREATE TABLE broken_b (id no_such_type)",
    };
    await expect(runMigrations(db, [...CATALOG_MIGRATIONS, broken])).rejects.toThrow(/9999_broken/);
    const { rows } = await db.query("SELECT to_regclass('broken_a') IS NULL AS gone");
    expect(rows[0]).toEqual({ gone: true });
    const recorded = await db.query("SELECT id FROM schema_migrations WHERE id = '9999_broken'");
    expect(recorded.rows).toEqual([]);
  });

  it("refuses migrations listed out of order", async () => {
    const a = { id: "0002_b", sql: "SELECT 1" };
    const b = { id: "0002_a", sql: "SELECT 1" };
    await expect(runMigrations(ctx().db, [...CATALOG_MIGRATIONS, a, b])).rejects.toThrow(/out of order/);
  });

  it("lets two migrators start at once on an empty database: each migration is applied exactly once", async () => {
    const { engine, config } = ctx();
    const schema = engine === "postgres" ? freshSchemaName() : undefined;
    const first = await openSqlClient(
      engine === "postgres" ? { ...config, schema } : { pgliteDir: "memory://" },
    );
    // On PostgreSQL a second pool is a second process as far as the server is concerned.
    const second = engine === "postgres" ? await openSqlClient({ ...config, schema }) : first;
    try {
      const results = await Promise.all([runMigrations(first), runMigrations(second)]);
      const applied = results.flatMap((result) => result.applied).sort();
      expect(applied).toEqual(CATALOG_MIGRATIONS.map((migration) => migration.id));
      const { rows } = await first.query("SELECT count(*) AS n FROM schema_migrations");
      expect(rows[0]).toEqual({ n: CATALOG_MIGRATIONS.length });
    } finally {
      if (second !== first) await second.close();
      if (schema) await first.exec(`DROP SCHEMA "${schema}" CASCADE`);
      await first.close();
    }
  });
});

describe("openSqlClient", () => {
  it("refuses a URL that is not postgres://", async () => {
    await expect(openSqlClient({ url: "mysql://root@localhost/x" })).rejects.toThrow(ValidationError);
  });

  it("refuses a configuration that names no database", async () => {
    await expect(openSqlClient({})).rejects.toThrow(/no catalog database/);
  });

  it("refuses a schema name that would need quoting", async () => {
    await expect(openSqlClient({ pgliteDir: "memory://", schema: 'x"; DROP TABLE y; --' })).rejects.toThrow(
      ValidationError,
    );
  });

  it("explains an unreachable server without leaking the password", async () => {
    const error = await openSqlClient({ url: "postgres://someone:s3cret@127.0.0.1:1/nowhere" }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OmicslakeError);
    expect((error as OmicslakeError).code).toBe("database_unavailable");
    expect((error as Error).message).toContain("127.0.0.1:1/nowhere");
    expect((error as Error).message).not.toContain("s3cret");
  });
});

describe("PGlite data directory", () => {
  // Sharing an open directory with other clients is covered in catalog-socket.test.ts.
  it("refuses a directory held by a process of another host, saying so", async () => {
    const dir = await mkdtemp(join(tmpdir(), "omicslake-catalog-"));
    try {
      const pgliteDir = join(dir, "catalog");
      await writeFile(
        `${pgliteDir}.lock`,
        JSON.stringify({ pid: 1, host: `not-${hostname()}`, since: "2024-01-01T00:00:00Z" }),
      );
      const error = await openSqlClient({ pgliteDir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OmicslakeError);
      expect((error as OmicslakeError).code).toBe("database_in_use");
      expect((error as Error).message).toContain(`not-${hostname()}`);
      expect((error as Error).message).toContain("one host");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("takes over a lock left by a process that no longer runs", async () => {
    const dir = await mkdtemp(join(tmpdir(), "omicslake-catalog-"));
    try {
      const pgliteDir = join(dir, "catalog");
      const dead = spawnSync(process.execPath, ["-e", ""]).pid;
      await writeFile(
        `${pgliteDir}.lock`,
        JSON.stringify({ pid: dead, host: hostname(), since: "2024-01-01T00:00:00Z" }),
      );
      const db = await openSqlClient({ pgliteDir });
      expect((await db.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
      await db.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("keeps the catalog across reopening and does not migrate twice", async () => {
    const dir = await mkdtemp(join(tmpdir(), "omicslake-catalog-"));
    try {
      const pgliteDir = join(dir, "lake", "catalog");
      const first = await openCatalog({ pgliteDir });
      const created = await first.createDataset({ name: "kept", layer: "raw" });
      await first.close();
      const second = await openCatalog({ pgliteDir });
      try {
        expect(await second.migrate()).toEqual({ applied: [] });
        expect((await second.getDataset(created.id)).name).toBe("kept");
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
