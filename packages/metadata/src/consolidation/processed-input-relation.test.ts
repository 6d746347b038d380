import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openDuckDb } from "../duckdb-session.js";
import { processedInputRelation } from "./processed-input-relation.js";

describe("processedInputRelation", () => {
  it("reads processed files of an older release in the current types, deriving the _raw date text", async () => {
    const dir = await mkdtemp(join(tmpdir(), "omicslake-input-relation-"));
    const duck = await openDuckDb(dir);
    try {
      // As releases before typed columns wrote them: counts DOUBLE, dates text, no `_raw` column.
      const old = join(dir, "old.parquet");
      await duck.run(
        `COPY (SELECT * FROM (VALUES
           ('SRR1', 16750052600::DOUBLE, '2017-11-15T00:01:15', 'a', '1', 1::BIGINT),
           ('SRR2', 200::DOUBLE, '0000-00-00T00:00:00', 'a', '1', 2::BIGINT)
         ) t(accession, totalBases, published, _source, _order, _line)) TO '${old}' (FORMAT parquet)`,
      );
      // As this release writes them: typed, with `_raw`.
      const current = join(dir, "new.parquet");
      await duck.run(
        `COPY (SELECT 'SRR3' AS accession, 300::BIGINT AS totalBases, NULL::TIMESTAMPTZ AS published, '2019-03' AS published_raw, 'b' AS _source, '2' AS _order, 1::BIGINT AS _line) TO '${current}' (FORMAT parquet)`,
      );
      const view = await processedInputRelation(duck, "sra_run", [old, current]);
      const types = Object.fromEntries(
        (await duck.rows(`DESCRIBE SELECT * FROM ${view}`)).map((c) => [
          String(c["column_name"]),
          String(c["column_type"]),
        ]),
      );
      expect(types).toMatchObject({
        totalBases: "BIGINT",
        published: "TIMESTAMP WITH TIME ZONE",
        published_raw: "VARCHAR",
        runDate: "TIMESTAMP WITH TIME ZONE",
        size: "BIGINT",
        _line: "BIGINT",
      });
      expect(
        await duck.rows(
          `SELECT accession, totalBases::VARCHAR AS bases, strftime(published, '%Y-%m-%dT%H:%M:%S') AS published, published_raw FROM ${view} ORDER BY accession`,
        ),
      ).toEqual([
        { accession: "SRR1", bases: "16750052600", published: "2017-11-15T00:01:15", published_raw: null },
        { accession: "SRR2", bases: "200", published: null, published_raw: "0000-00-00T00:00:00" },
        { accession: "SRR3", bases: "300", published: null, published_raw: "2019-03" },
      ]);
      // No file at all: an empty relation with the same typed columns.
      const empty = await processedInputRelation(duck, "sra_run", []);
      const emptyTypes = (await duck.rows(`DESCRIBE SELECT * FROM ${empty}`)).map(
        (c) => `${String(c["column_name"])} ${String(c["column_type"])}`,
      );
      expect(emptyTypes).toEqual(Object.entries(types).map(([name, type]) => `${name} ${type}`));
    } finally {
      duck.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("reads SRA_Accessions.tab rows of a release that kept their dates as text as timestamps", async () => {
    const dir = await mkdtemp(join(tmpdir(), "omicslake-input-relation-"));
    const duck = await openDuckDb(dir);
    try {
      // As the release before typed columns wrote them: dates text (NCBI's UTC), counts already BIGINT.
      const old = join(dir, "accessions.parquet");
      await duck.run(
        `COPY (SELECT * FROM (VALUES
           ('SRR1', '2016-12-14T16:12:25Z', '2016-12-10T00:00:00Z', 2581869000::BIGINT, 'a', '1', 1::BIGINT),
           ('SRR2', '2016-13-01T00:00:00Z', NULL, NULL::BIGINT, 'a', '1', 2::BIGINT)
         ) t(accession, updated, published, bases, _source, _order, _line)) TO '${old}' (FORMAT parquet)`,
      );
      const view = await processedInputRelation(duck, "sra_accessions", [old]);
      const types = Object.fromEntries(
        (await duck.rows(`DESCRIBE SELECT * FROM ${view}`)).map((c) => [
          String(c["column_name"]),
          String(c["column_type"]),
        ]),
      );
      expect(types).toMatchObject({
        updated: "TIMESTAMP WITH TIME ZONE",
        updated_raw: "VARCHAR",
        received: "TIMESTAMP WITH TIME ZONE",
        bases: "BIGINT",
        spots: "BIGINT",
      });
      expect(
        await duck.rows(
          `SELECT accession, strftime(updated, '%Y-%m-%dT%H:%M:%S') AS updated, updated_raw, strftime(published, '%Y-%m-%d') AS published, bases::VARCHAR AS bases FROM ${view} ORDER BY accession`,
        ),
      ).toEqual([
        {
          accession: "SRR1",
          updated: "2016-12-14T16:12:25",
          updated_raw: null,
          published: "2016-12-10",
          bases: "2581869000",
        },
        {
          accession: "SRR2",
          updated: null,
          updated_raw: "2016-13-01T00:00:00Z",
          published: null,
          bases: null,
        },
      ]);
    } finally {
      duck.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
