import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqlClient, runMigrations } from "@omicslake/core";
import type { SqlClient } from "@omicslake/core";
import { runTsChild } from "@omicslake/core/testing";
import { loadEntity, servingStatus } from "../src/serving/serving-loader.js";
import { HAVE_NCBI_FIXTURES, NO_FIXTURES_REASON, writeServingParquet } from "@omicslake/metadata/testing";
import type { ServingFixtureFiles } from "@omicslake/metadata/testing";

const url = process.env["DATABASE_URL"];
const here = dirname(fileURLToPath(import.meta.url));
const skip = !HAVE_NCBI_FIXTURES
  ? NO_FIXTURES_REASON
  : !url
    ? "DATABASE_URL is not set: a killed process must leave its work in a database another process can open"
    : null;

/** Runs the child loader to completion or to its self-inflicted SIGKILL; resolves with the signal, if any. */
async function runChild(schema: string, parquet: string, killAt: string): Promise<NodeJS.Signals | null> {
  const args = [url!, schema, "sra_run", parquet, killAt];
  return (await runTsChild(join(here, "serving-kill-child.ts"), args, "the child loader")).signal;
}

describe.skipIf(skip !== null)(`serving load killed mid-way${skip ? ` — skipped: ${skip}` : ""}`, () => {
  let dir: string;
  let v1: ServingFixtureFiles;
  let v2: ServingFixtureFiles;
  let db: SqlClient;
  const schema = `olk_test_${randomBytes(6).toString("hex")}`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-serving-kill-"));
    await mkdir(join(dir, "v1"));
    await mkdir(join(dir, "v2"));
    v1 = await writeServingParquet(join(dir, "v1"), { generated: 60, variant: "v1" });
    v2 = await writeServingParquet(join(dir, "v2"), { generated: 80, variant: "v2" });
    db = await openSqlClient({ url: url!, schema });
    await runMigrations(db);
    await loadEntity(db, "sra_run", v1.files.sra_run);
  });
  afterAll(async () => {
    await db?.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await db?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const served = async (): Promise<{ rows: number; title: string | undefined }> => {
    const count = await db.query<{ n: number }>(`SELECT count(*) AS n FROM sra_run`);
    const one = await db.query<{ title: string }>(`SELECT title FROM sra_run WHERE accession = 'SRR9000001'`);
    return { rows: count.rows[0]?.n ?? -1, title: one.rows[0]?.title };
  };

  it("keeps serving the previous load when the loader dies after its first batch or after its last one, and a rerun finishes", async () => {
    const before = (await servingStatus(db)).find((s) => s.entity === "sra_run");
    for (const killAt of ["10", String(v2.counts.sra_run)]) {
      expect(await runChild(schema, v2.files.sra_run, killAt)).toBe("SIGKILL");
      expect(await served()).toEqual({ rows: v1.counts.sra_run, title: "Generated run 1 v1" });
      expect((await servingStatus(db)).find((s) => s.entity === "sra_run")?.table).toBe(before?.table);
    }
    expect(await runChild(schema, v2.files.sra_run, "never")).toBeNull();
    expect(await served()).toEqual({ rows: v2.counts.sra_run, title: "Generated run 1 v2" });
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name LIKE 'sra_run_%'`,
      [schema],
    );
    expect(rows[0]?.n).toBe(1);
  });

  it("finishes a reload whose previous run died between the swap and the drop of the old table", async () => {
    const active = (await servingStatus(db)).find((s) => s.entity === "sra_run")?.table;
    const stale = active === "sra_run_a" ? "sra_run_b" : "sra_run_a";
    // The state such a crash leaves: the view on the new table, the old one still there.
    await db.exec(`CREATE TABLE ${stale} AS SELECT * FROM ${active!}`);
    const result = await loadEntity(db, "sra_run", v1.files.sra_run);
    expect(result.table).toBe(stale);
    expect(await served()).toEqual({ rows: v1.counts.sra_run, title: "Generated run 1 v1" });
  });
});
