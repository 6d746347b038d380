import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ShrinkRefusedError } from "../src/shrink-guard.js";
import { loadEntity, loadServing, servingStatus } from "../src/serving/serving-loader.js";
import { forEachDatabase } from "@omicslake/core/testing";

let dir: string;

/** A curated-like Parquet of `rows` records `<prefix>1…` with an accession and a title. */
async function entityFile(name: string, prefix: string, rows: number): Promise<string> {
  const path = join(dir, `${name}.parquet`);
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    await connection.run(
      `COPY (SELECT '${prefix}' || i AS accession, 'title ' || i AS title FROM range(1, ${rows + 1}) t(i) WHERE ${rows} > 0) TO '${path}' (FORMAT parquet)`,
    );
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return path;
}

describe("serving loads refuse to shrink served entities", () => {
  const files: Record<string, string> = {};
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-shrink-"));
    files["study10"] = await entityFile("study10", "SRP", 10);
    files["study3"] = await entityFile("study3", "SRP", 3);
    files["study0"] = await entityFile("study0", "SRP", 0);
    files["run10"] = await entityFile("run10", "SRR", 10);
    files["run12"] = await entityFile("run12", "SRR", 12);
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  forEachDatabase((ctx) => {
    const count = async (entity: string): Promise<number> => {
      const { rows } = await ctx().db.query<{ n: number | string }>(`SELECT count(*) AS n FROM ${entity}`);
      return Number(rows[0]?.n);
    };

    it("refuses a load that loses more than max_shrink or empties the entity, keeping the served table", async () => {
      const { db } = ctx();
      const before = await loadEntity(db, "sra_study", files["study10"]!);
      const shrunk = await loadEntity(db, "sra_study", files["study3"]!).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(shrunk).toBeInstanceOf(ShrinkRefusedError);
      expect(shrunk).toMatchObject({
        code: "shrink_refused",
        violations: [{ entity: "sra_study", oldRows: 10, newRows: 3 }],
      });
      expect((shrunk as Error).message).toContain("sra_study 10 → 3 rows");
      expect((shrunk as Error).message).toContain("omicslake load --allow-shrink");
      await expect(loadEntity(db, "sra_study", files["study0"]!)).rejects.toMatchObject({
        code: "shrink_refused",
        violations: [{ entity: "sra_study", oldRows: 10, newRows: 0 }],
      });
      expect(await count("sra_study")).toBe(10);
      expect((await servingStatus(db)).find((s) => s.entity === "sra_study")).toMatchObject({
        table: before.table,
        rows: 10,
      });
      // Neither refused load left a table behind: only the served one exists.
      const { rows: tables } = await db.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name LIKE 'sra_study_%'`,
      );
      expect(tables.map((t) => t.table_name)).toEqual([before.table]);
    });

    it("lets a shrink within max_shrink through, and any shrink with allowShrink", async () => {
      const { db } = ctx();
      await loadEntity(db, "sra_study", files["study10"]!, { shrink: { allowShrink: true } });
      expect((await loadEntity(db, "sra_study", files["study3"]!, { shrink: { maxShrink: 0.8 } })).rows).toBe(
        3,
      );
      await loadEntity(db, "sra_study", files["study10"]!);
      expect(
        (await loadEntity(db, "sra_study", files["study0"]!, { shrink: { allowShrink: true } })).rows,
      ).toBe(0);
      expect(await count("sra_study")).toBe(0);
      // From empty, anything loads.
      expect((await loadEntity(db, "sra_study", files["study3"]!)).rows).toBe(3);
    });

    it("refuses a multi-entity load before swapping any entity when one would shrink", async () => {
      const { db } = ctx();
      await loadServing(db, {
        files: { sra_study: files["study10"]!, sra_run: files["run10"]! },
        shrink: { allowShrink: true },
      });
      const status = await servingStatus(db);
      await expect(
        loadServing(db, { files: { sra_run: files["run12"]!, sra_study: files["study0"]! } }),
      ).rejects.toMatchObject({
        code: "shrink_refused",
        violations: [{ entity: "sra_study", oldRows: 10, newRows: 0 }],
      });
      // sra_run would have grown, but it comes in the same load: it was not swapped either.
      expect(await servingStatus(db)).toEqual(status);
      expect(await count("sra_run")).toBe(10);
      const results = await loadServing(db, {
        files: { sra_run: files["run12"]!, sra_study: files["study0"]! },
        shrink: { allowShrink: true },
      });
      expect(results.map((r) => [r.entity, r.rows])).toEqual([
        ["sra_study", 0],
        ["sra_run", 12],
      ]);
    });
  });
});
