import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ValidationError } from "../errors/omicslake-error.js";
import { openDuckDb, withDuckDb } from "./duckdb-session.js";
import { sqlIdentifier, sqlList, sqlString } from "./sql-quote.js";

let work: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), "omicslake-duckdb-"));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

const setting = async (name: string, duck: Awaited<ReturnType<typeof openDuckDb>>): Promise<unknown> =>
  (await duck.rows(`SELECT current_setting(${sqlString(name)}) AS v`))[0]?.["v"];

describe("openDuckDb", () => {
  it("applies the requested settings", async () => {
    const spill = join(work, "spill's dir");
    const duck = await openDuckDb({ tempDirectory: spill, memoryLimit: "256MB", threads: 1 });
    try {
      expect(await setting("temp_directory", duck)).toBe(spill);
      expect(await setting("threads", duck)).toBe(1);
      // DuckDB reports the limit in its own unit (MiB), so compare the bytes it parsed.
      const bytes = await duck.rows("SELECT current_setting('memory_limit') AS v");
      expect(String(bytes[0]?.["v"])).toMatch(/^24[0-9](\.\d+)? MiB$|^256\.0 MB$/);
    } finally {
      duck.close();
    }
  });

  it("connect gives another connection to the same database, which runs beside the first", async () => {
    const duck = await openDuckDb({ threads: 1 });
    try {
      await duck.run("CREATE TABLE shared_table AS SELECT 7 AS n");
      const other = await duck.connect();
      try {
        const [a, b] = await Promise.all([
          other.runAndReadAll("SELECT n FROM shared_table"),
          duck.rows("SELECT n + 1 AS n FROM shared_table"),
        ]);
        expect(a.getRowObjectsJS()).toEqual([{ n: 7 }]);
        expect(b).toEqual([{ n: 8 }]);
      } finally {
        other.closeSync();
      }
    } finally {
      duck.close();
    }
  });

  it("fails on a value DuckDB rejects and names it", async () => {
    await expect(openDuckDb({ memoryLimit: "lots" })).rejects.toThrow(ValidationError);
    await expect(openDuckDb({ memoryLimit: "lots" })).rejects.toThrow(/memory_limit = "lots"/);
    await expect(openDuckDb({ threads: 0 })).rejects.toThrow(/threads must be a positive integer, got 0/);
  });

  it("keeps a database file that a second session reads", async () => {
    const path = join(work, "kept.duckdb");
    await withDuckDb({ path }, (duck) => duck.run("CREATE TABLE t AS SELECT 7 AS n"));
    const rows = await withDuckDb({ path }, (duck) => duck.rows("SELECT n FROM t"));
    expect(rows).toEqual([{ n: 7 }]);
  });

  it("closes the database when the body throws", async () => {
    const path = join(work, "closed.duckdb");
    await expect(
      withDuckDb({ path }, async (duck) => {
        await duck.run("CREATE TABLE t (n INTEGER)");
        throw new Error("body failed");
      }),
    ).rejects.toThrow("body failed");
    // A database still open in this process would refuse a second instance of the same file.
    const rows = await withDuckDb({ path }, (duck) => duck.rows("SELECT count(*) AS n FROM t"));
    expect(rows).toEqual([{ n: 0 }]);
  });

  it("round-trips hostile names and paths through the quoting helpers", async () => {
    const hostile = `x"; DROP TABLE t; --'`;
    const files = [join(work, "a'b.parquet"), join(work, 'c"d.parquet')];
    await withDuckDb({}, async (duck) => {
      for (const [i, file] of files.entries())
        await duck.run(
          `COPY (SELECT ${i} AS ${sqlIdentifier(hostile)}) TO ${sqlString(file)} (FORMAT parquet)`,
        );
      const rows = await duck.rows(
        `SELECT ${sqlIdentifier(hostile)} AS v FROM read_parquet(${sqlList(files)}) ORDER BY v`,
      );
      expect(rows).toEqual([{ v: 0 }, { v: 1 }]);
      const described = await duck.rows(`DESCRIBE SELECT * FROM read_parquet(${sqlString(files[0]!)})`);
      expect(described.map((r) => r["column_name"])).toEqual([hostile]);
    });
  });
});
