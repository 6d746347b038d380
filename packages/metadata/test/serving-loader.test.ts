import { createReadStream } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVING_ENTITIES, SERVING_ENTITY_NAMES } from "../src/entities/index.js";
import { loadEntity, loadServing, servingStatus } from "../src/serving/serving-loader.js";
import { ServingLoadError } from "../src/serving/serving-load-error.js";
import { forEachDatabase } from "@omicslake/core/testing";
import {
  ENTITIES_WITHOUT_SHARED_FIXTURE,
  HAVE_NCBI_FIXTURES,
  NO_FIXTURES_REASON,
  writeServingParquet,
} from "@omicslake/metadata/testing";
import type { ServingFixtureFiles } from "@omicslake/metadata/testing";

let dir: string;
let fixturesOnly: ServingFixtureFiles;
let v1: ServingFixtureFiles;
let v2: ServingFixtureFiles;

async function writeParquet(path: string, selectSql: string): Promise<void> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    await connection.run(`COPY (${selectSql}) TO '${path}' (FORMAT parquet)`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe.skipIf(!HAVE_NCBI_FIXTURES)(
  `serving loader${HAVE_NCBI_FIXTURES ? "" : ` — skipped: ${NO_FIXTURES_REASON}`}`,
  () => {
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "omicslake-serving-"));
      const make = async (name: string, generated: number, variant: string): Promise<ServingFixtureFiles> => {
        const sub = join(dir, name);
        await import("node:fs/promises").then((fs) => fs.mkdir(sub));
        return writeServingParquet(sub, { generated, variant });
      };
      fixturesOnly = await make("fixtures", 0, "v0");
      v1 = await make("v1", 20, "v1");
      v2 = await make("v2", 25, "v2");
      await writeParquet(join(dir, "no-accession.parquet"), `SELECT 'x' AS title`);
      await writeParquet(
        join(dir, "double-numbers.parquet"),
        `SELECT 'sra_sample' AS kind, 'SRS1' AS accession, CAST(7227 AS DOUBLE) AS taxonId, CAST(3803482950 AS DOUBLE) AS totalSpots`,
      );
      // A count no JSON reader using doubles reads exactly (2^53 + 1), and dates that did not parse.
      await writeParquet(
        join(dir, "inexact-count.parquet"),
        `SELECT 'sra_run' AS kind, 'SRR1' AS accession, [{'count': 9007199254740993::BIGINT}] AS baseCounts`,
      );
      await writeParquet(
        join(dir, "bad-dates.parquet"),
        `SELECT 'sra_run' AS kind, 'SRR2' AS accession, NULL::TIMESTAMPTZ AS published, '0000-00-00T00:00:00' AS published_raw`,
      );
      await writeParquet(
        join(dir, "duplicates.parquet"),
        `SELECT 'SRP1' AS accession, 'a' AS title UNION ALL SELECT 'SRP1', 'b'`,
      );
    });
    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    forEachDatabase((ctx) => {
      it("fills every indexed filter column from the real fixture records alone", async () => {
        const { db } = ctx();
        const results = await loadServing(db, { files: fixturesOnly.files });
        expect(results.map((r) => r.entity).sort()).toEqual([...SERVING_ENTITY_NAMES].sort());
        const empty: string[] = [];
        for (const entity of SERVING_ENTITY_NAMES) {
          const result = results.find((r) => r.entity === entity);
          expect(result?.rows, entity).toBe(fixturesOnly.counts[entity]);
          if (ENTITIES_WITHOUT_SHARED_FIXTURE.has(entity)) {
            // Loaded empty, with every column in place: what consolidation gives when upstream sent none.
            expect(result?.rows, entity).toBe(0);
            continue;
          }
          for (const column of SERVING_ENTITIES[entity].columns) {
            const present = column.type.endsWith("[]")
              ? `cardinality(${column.name}) > 0`
              : `${column.name} IS NOT NULL`;
            const { rows } = await db.query<{ n: number }>(
              `SELECT count(*) AS n FROM ${entity} WHERE ${present}`,
            );
            if (rows[0]?.n === 0) empty.push(`${entity}.${column.name}`);
          }
          const { rows } = await db.query<{ n: number }>(
            `SELECT count(*) AS n FROM ${entity} WHERE search @@ websearch_to_tsquery('english', split_part(coalesce(title, ''), ' ', 1))`,
          );
          expect(rows[0]?.n ?? 0, `${entity} full-text search`).toBeGreaterThan(0);
        }
        // These columns exist for upstream fields the fixture files happen not to carry; generated rows cover them.
        expect(empty).toEqual([]);
      });

      it("keeps the record whole, with absent fields absent rather than null", async () => {
        const { db } = ctx();
        const { rows } = await db.query<{ record: Record<string, unknown>; library_strategy: string }>(
          `SELECT record, library_strategy FROM sra_experiment WHERE accession = 'SRX5692097'`,
        );
        expect(rows).toHaveLength(1);
        const record = rows[0]!.record;
        expect(record["accession"]).toBe("SRX5692097");
        expect(record["kind"]).toBe("sra_experiment");
        expect(Object.values(record)).not.toContain(null);
        expect((record["library"] as { strategy?: string }).strategy?.toLowerCase()).toBe(
          rows[0]!.library_strategy,
        );
        // The JSON text stored for serving is the record, byte for byte as PostgreSQL would render it.
        const { rows: differ } = await db.query<{ n: number }>(
          `SELECT count(*) AS n FROM sra_experiment WHERE doc IS DISTINCT FROM record::text OR doc::jsonb IS DISTINCT FROM record`,
        );
        expect(differ[0]?.n).toBe(0);
        const { rows: docs } = await db.query<{ doc: string }>(
          `SELECT doc FROM sra_experiment WHERE accession = 'SRX5692097'`,
        );
        expect(JSON.parse(docs[0]!.doc)).toEqual(record);
      });

      it("types counts, dates and timestamps, and serves them as whole numbers and ISO 8601 text", async () => {
        const { db } = ctx();
        await loadServing(db, {
          files: fixturesOnly.files,
          entities: ["sra_run", "geo_series", "biosample"],
        });
        const { rows: types } = await db.query<{
          table_name: string;
          column_name: string;
          data_type: string;
        }>(
          `SELECT table_name, column_name, data_type FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name IN ('sra_run', 'geo_series', 'biosample')
              AND column_name IN ('total_bases', 'total_spots', 'published', 'submission_date', 'last_update')`,
        );
        expect(
          Object.fromEntries(types.map((t) => [`${t.table_name}.${t.column_name}`, t.data_type])),
        ).toEqual({
          "sra_run.total_bases": "bigint",
          "sra_run.total_spots": "bigint",
          "sra_run.published": "timestamp with time zone",
          "geo_series.submission_date": "date",
          "biosample.submission_date": "date",
          "biosample.last_update": "date",
        });
        // SRR5026356: 16,750,052,600 bases and an 8.6 GB .sra file, both past 2^32.
        const { rows } = await db.query<{ doc: string; total_bases: string | number; published: Date }>(
          `SELECT doc, total_bases, published FROM sra_run WHERE accession = 'SRR5026356'`,
        );
        expect(rows).toHaveLength(1);
        expect(String(rows[0]!.total_bases)).toBe("16750052600");
        expect(rows[0]!.published.toISOString()).toBe("2017-11-15T00:01:15.000Z");
        const doc = rows[0]!.doc;
        expect(doc).toContain('"totalBases": 16750052600,');
        expect(doc).toContain('"size": 8622020036,');
        expect(doc).toContain('"published": "2017-11-15T00:01:15Z"');
        expect(doc).not.toMatch(/"(totalSpots|totalBases|size)": [0-9]+\.0/);
        const { rows: samples } = await db.query<{ doc: string }>(
          `SELECT doc FROM biosample WHERE accession = 'SAMN02981965'`,
        );
        expect(samples[0]!.doc).toContain('"lastUpdate": "2015-12-22T01:19:06.303Z"');
        const { rows: series } = await db.query<{ doc: string }>(
          `SELECT doc FROM geo_series WHERE accession = 'GSE146537'`,
        );
        expect(series[0]!.doc).toContain('"lastUpdateDate": "2022-03-25"');

        // A release that served `published` as a date: the reload retypes the view rather than fail.
        const active = (await servingStatus(db)).find((s) => s.entity === "sra_run")!.table!;
        await db.exec(
          `DROP VIEW sra_run; ALTER TABLE ${active} ALTER COLUMN published TYPE date USING published::date; CREATE VIEW sra_run AS SELECT * FROM ${active}`,
        );
        await loadEntity(db, "sra_run", fixturesOnly.files.sra_run);
        const { rows: retyped } = await db.query<{ data_type: string }>(
          `SELECT data_type FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = 'sra_run' AND column_name = 'published'`,
        );
        expect(retyped[0]?.data_type).toBe("timestamp with time zone");
      });

      it("serves a date that did not parse as null with its text, and refuses counts past 2^53", async () => {
        const { db } = ctx();
        const allow = { shrink: { allowShrink: true } };
        await loadEntity(db, "sra_run", join(dir, "bad-dates.parquet"), allow);
        const { rows } = await db.query<{ published: Date | null; record: Record<string, unknown> }>(
          `SELECT published, record FROM sra_run WHERE accession = 'SRR2'`,
        );
        expect(rows[0]!.published).toBeNull();
        expect(rows[0]!.record).toMatchObject({ published_raw: "0000-00-00T00:00:00" });
        expect(rows[0]!.record).not.toHaveProperty("published");

        const error = await loadEntity(db, "sra_run", join(dir, "inexact-count.parquet"), allow).catch(
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ServingLoadError);
        expect((error as ServingLoadError).message).toMatch(
          /SRR1 has a whole number beyond 2\^53 - 1 in baseCounts/,
        );
        expect((error as ServingLoadError).details).toMatchObject({
          accession: "SRR1",
          column: "baseCounts",
        });
        // The refused file changed nothing: the previous rows are still served.
        const { rows: served } = await db.query<{ accession: string }>(`SELECT accession FROM sra_run`);
        expect(served.map((r) => r.accession)).toEqual(["SRR2"]);
      });

      it("reads whole numbers a Parquet writer typed as DOUBLE", async () => {
        const { db } = ctx();
        // One row replacing the fixtures' many is meant here: let the shrink guard through.
        const allow = { shrink: { allowShrink: true } };
        await loadEntity(db, "sra_sample", join(dir, "double-numbers.parquet"), allow);
        const { rows } = await db.query<{ taxon_id: number }>(
          `SELECT taxon_id FROM sra_sample WHERE accession = 'SRS1'`,
        );
        expect(rows[0]?.taxon_id).toBe(7227);
        await loadEntity(db, "sra_run", join(dir, "double-numbers.parquet"), allow);
        const { rows: runs } = await db.query<{ total_spots: number }>(
          `SELECT total_spots FROM sra_run WHERE accession = 'SRS1'`,
        );
        expect(runs[0]?.total_spots).toBe(3803482950);
      });

      it("swaps A and B on each reload, records each load and drops the table it replaced", async () => {
        const { db } = ctx();
        const first = await loadEntity(db, "sra_study", v1.files.sra_study);
        const second = await loadEntity(db, "sra_study", v2.files.sra_study);
        expect(second.table).not.toBe(first.table);
        expect(second.rows).toBe(v2.counts.sra_study);
        const { rows: tables } = await db.query<{ table_name: string }>(
          `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name LIKE 'sra_study_%' ORDER BY 1`,
        );
        expect(tables.map((t) => t.table_name)).toEqual([second.table]);
        const { rows: titles } = await db.query<{ title: string }>(
          `SELECT title FROM sra_study WHERE accession = 'SRP9000001'`,
        );
        expect(titles[0]?.title).toBe("Generated study 1 v2");
        const status = (await servingStatus(db)).find((s) => s.entity === "sra_study");
        expect(status).toMatchObject({
          table: second.table,
          rows: v2.counts.sra_study,
          sourceSha256: second.sourceSha256,
        });
        expect(second.sourceSha256).toMatch(/^[0-9a-f]{64}$/);
        expect(second.sourceSha256).not.toBe(first.sourceSha256);
      });

      it("leaves the served data untouched when a load fails, and finishes on the next run", async () => {
        const { db } = ctx();
        const before = await loadEntity(db, "sra_run", v1.files.sra_run);
        await expect(loadEntity(db, "sra_run", join(dir, "no-accession.parquet"))).rejects.toMatchObject({
          code: "serving_load_failed",
          details: { entity: "sra_run", file: join(dir, "no-accession.parquet") },
        });
        await expect(loadEntity(db, "sra_run", join(dir, "duplicates.parquet"))).rejects.toThrow(
          /repeat an accession/,
        );
        await expect(loadEntity(db, "sra_run", join(dir, "missing.parquet"))).rejects.toBeInstanceOf(
          ServingLoadError,
        );
        const { rows } = await db.query<{ n: number }>(`SELECT count(*) AS n FROM sra_run`);
        expect(rows[0]?.n).toBe(v1.counts.sra_run);
        expect((await servingStatus(db)).find((s) => s.entity === "sra_run")?.table).toBe(before.table);
        // A killed load leaves a half-filled idle table behind; the next load starts it over.
        const after = await loadEntity(db, "sra_run", v2.files.sra_run);
        expect(after.table).not.toBe(before.table);
        const { rows: again } = await db.query<{ n: number }>(`SELECT count(*) AS n FROM sra_run`);
        expect(again[0]?.n).toBe(v2.counts.sra_run);
      });

      it("loads a curated catalog object through the lake's verified reader, recording its key and checksum", async () => {
        const { db } = ctx();
        const path = v1.files.geo_platform;
        const sha256 = createHash("sha256")
          .update(await readFile(path))
          .digest("hex");
        const object = {
          id: 1,
          datasetId: 1,
          layer: "curated",
          key: "curated/ncbi/geo_platform.parquet",
          name: "geo_platform.parquet",
          size: 0,
          sha256,
          mediaType: null,
          createdAt: new Date(),
        } as const;
        const [result] = await loadServing(
          { servingClient: () => db, readObject: () => Promise.resolve(createReadStream(path)) },
          { objects: { geo_platform: object } },
        );
        expect(result).toMatchObject({
          entity: "geo_platform",
          rows: v1.counts.geo_platform,
          sourceSha256: sha256,
        });
        const { rows } = await db.query<{ source: string }>(
          `SELECT source FROM serving_loads WHERE entity = 'geo_platform' ORDER BY id DESC LIMIT 1`,
        );
        expect(rows[0]?.source).toBe(object.key);
        await expect(loadServing(db, { objects: { geo_platform: object } })).rejects.toThrow(
          /needs the lake/,
        );
      });

      it("loads from a curated folder, and refuses an entity named without a file", async () => {
        const { db } = ctx();
        const results = await loadServing(
          { servingClient: () => db },
          { curatedDir: join(dir, "v1"), entities: ["bioproject", "biosample"] },
        );
        expect(results.map((r) => [r.entity, r.rows])).toEqual([
          ["bioproject", v1.counts.bioproject],
          ["biosample", v1.counts.biosample],
        ]);
        await expect(
          loadServing(db, { curatedDir: join(dir, "nowhere"), entities: ["bioproject"] }),
        ).rejects.toThrow(/no curated file for bioproject/);
      });
    });
  },
);
