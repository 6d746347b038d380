import { CATALOG_MIGRATIONS, runMigrations } from "@omicslake/core";
import { forEachDatabase } from "@omicslake/core/testing";
import { expect, it } from "vitest";
import { servingStatus } from "../src/serving/serving-loader.js";

// Releases before catalog migration 0005 let the loader create serving_loads on first use.
const LOADER_CREATED_DDL = `CREATE TABLE IF NOT EXISTS serving_loads (
  id bigserial PRIMARY KEY,
  entity text NOT NULL,
  table_name text NOT NULL,
  rows bigint NOT NULL,
  loaded_at timestamptz NOT NULL DEFAULT now(),
  source text,
  source_sha256 text NOT NULL,
  seconds double precision
);
CREATE INDEX IF NOT EXISTS serving_loads_entity_idx ON serving_loads (entity, id)`;

forEachDatabase(
  (ctx) => {
    it("comes with the catalog migrations, and a catalog that served before them keeps its load history", async () => {
      const { db } = ctx();
      await expect(servingStatus(db)).rejects.toThrow(/without the catalog migrations/);

      await runMigrations(
        db,
        CATALOG_MIGRATIONS.filter((m) => m.id < "0005"),
      );
      await db.exec(LOADER_CREATED_DDL);
      await db.query(
        `INSERT INTO serving_loads (entity, table_name, rows, source_sha256) VALUES ('sra_study', 'sra_study_a', 3, $1)`,
        ["a".repeat(64)],
      );

      expect((await runMigrations(db)).applied).toContain("0005_serving_loads");
      const status = await servingStatus(db);
      expect(status.find((s) => s.entity === "sra_study")).toMatchObject({ table: "sra_study_a", rows: 3 });
      expect(status.find((s) => s.entity === "sra_run")).toMatchObject({ table: null, rows: 0 });
    });
  },
  { migrate: false },
);
