import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openDuckDb } from "../duckdb-session.js";
import {
  duckdbTypeOf,
  ndjsonColumnsArgument,
  recordColumns,
  typedSelectList,
} from "./duckdb-column-types.js";

describe("duckdbTypeOf", () => {
  it("maps JSON Schema scalars, lists, structs and maps to DuckDB types", () => {
    expect(duckdbTypeOf({ type: "string" })).toBe("VARCHAR");
    expect(duckdbTypeOf({ type: "string", format: "date" })).toBe("DATE");
    expect(duckdbTypeOf({ type: "string", format: "date-time" })).toBe("TIMESTAMP WITH TIME ZONE");
    expect(duckdbTypeOf({ type: "integer", minimum: 0 })).toBe("BIGINT");
    expect(duckdbTypeOf({ type: "number" })).toBe("DOUBLE");
    expect(duckdbTypeOf({ type: "boolean" })).toBe("BOOLEAN");
    expect(duckdbTypeOf({ type: "array", items: { type: "integer" } })).toBe("BIGINT[]");
    expect(
      duckdbTypeOf({
        type: "object",
        properties: { tag: { type: "string" }, 'odd "name"': { type: "array", items: { type: "number" } } },
      }),
    ).toBe('STRUCT("tag" VARCHAR, "odd ""name""" DOUBLE[])');
    expect(
      duckdbTypeOf({ type: "object", additionalProperties: { type: "array", items: { type: "string" } } }),
    ).toBe("MAP(VARCHAR, VARCHAR[])");
    expect(duckdbTypeOf({ anyOf: [{ type: "string" }, { type: "null" }] })).toBe("VARCHAR");
    expect(duckdbTypeOf({ anyOf: [{ type: "string" }, { type: "integer" }] })).toBe("JSON");
    expect(duckdbTypeOf({})).toBe("JSON");
  });

  it("gives every record kind typed top-level columns, nested ones included", () => {
    const run = new Map(recordColumns("sra_run").map((c) => [c.name, c]));
    expect(run.get("accession")).toMatchObject({ type: "VARCHAR", required: true });
    expect(run.get("totalSpots")).toMatchObject({ type: "BIGINT", readType: "DOUBLE" });
    expect(run.get("totalBases")?.type).toBe("BIGINT");
    expect(run.get("published")).toMatchObject({
      type: "TIMESTAMP WITH TIME ZONE",
      readType: "VARCHAR",
      temporal: "timestamp",
    });
    expect(run.get("nreads")?.type).toBe("BIGINT");
    expect(run.get("loadDone")?.type).toBe("BOOLEAN");
    expect(run.get("files")?.type).toMatch(/^STRUCT\(.*"attributes" MAP\(VARCHAR, VARCHAR\).*\)\[\]$/);
    expect(run.get("files")?.type).toContain('"size" BIGINT, "date" TIMESTAMP WITH TIME ZONE');
    expect(run.get("files")?.readType).toContain('"size" DOUBLE, "date" VARCHAR');
    const series = new Map(recordColumns("geo_series").map((c) => [c.name, c.type]));
    expect(series.get("other")).toBe("MAP(VARCHAR, VARCHAR[])");
    expect(series.get("sampleIds")).toBe("VARCHAR[]");
  });

  it("types NDJSON records: counts BIGINT, dates DATE, timestamps UTC, bad dates NULL with their text kept", async () => {
    const dir = await mkdtemp(join(tmpdir(), "omicslake-column-types-"));
    try {
      const file = join(dir, "runs.ndjson");
      const base = { kind: "sra_run", pubmedIds: [], readSpecs: [], files: [] };
      const runs = [
        // What the SRA parser emits: a zone-less timestamp, counts past 2^32, a file date.
        {
          ...base,
          accession: "SRR1",
          published: "2017-11-15T00:01:15",
          totalBases: 16750052600,
          size: 8622020036,
          files: [{ size: 8622020036, date: "2017-11-14T23:01:15", attributes: {}, alternatives: [] }],
        },
        // As NCBI sometimes has them: no month or day, impossible, partial, with a zone, blank.
        { ...base, accession: "SRR2", published: "0000-00-00T00:00:00", runDate: "2019-13-45" },
        { ...base, accession: "SRR3", published: "2019-03", runDate: "2019-03-01T10:00:00+02:00" },
        { ...base, accession: "SRR4", published: " ", totalBases: 1e20 },
      ];
      await writeFile(file, runs.map((r) => JSON.stringify(r)).join("\n") + "\n");
      const duck = await openDuckDb(dir);
      let rows: Record<string, unknown>[];
      try {
        const select = `SELECT ${typedSelectList("sra_run", "r")} FROM read_ndjson('${file}', columns = ${ndjsonColumnsArgument("sra_run")}, format = 'newline_delimited') r`;
        const types = Object.fromEntries(
          (await duck.rows(`DESCRIBE ${select}`)).map((c) => [
            String(c["column_name"]),
            String(c["column_type"]),
          ]),
        );
        expect(types).toMatchObject({
          totalBases: "BIGINT",
          size: "BIGINT",
          published: "TIMESTAMP WITH TIME ZONE",
          published_raw: "VARCHAR",
          runDate_raw: "VARCHAR",
        });
        expect(types["files"]).toContain("size BIGINT");
        rows = await duck.rows(
          `SELECT accession, totalBases::VARCHAR AS bases, size::VARCHAR AS size, strftime(timezone('UTC', published), '%Y-%m-%d %H:%M:%S') AS published, published_raw, strftime(timezone('UTC', runDate), '%Y-%m-%d %H:%M:%S') AS run_date, runDate_raw, strftime(timezone('UTC', files[1].date), '%H:%M') AS file_time FROM (${select}) ORDER BY accession`,
        );
      } finally {
        duck.close();
      }
      expect(rows).toEqual([
        {
          accession: "SRR1",
          bases: "16750052600",
          size: "8622020036",
          published: "2017-11-15 00:01:15",
          published_raw: null,
          run_date: null,
          runDate_raw: null,
          file_time: "23:01",
        },
        {
          accession: "SRR2",
          bases: null,
          size: null,
          published: null,
          published_raw: "0000-00-00T00:00:00",
          run_date: null,
          runDate_raw: "2019-13-45",
          file_time: null,
        },
        {
          accession: "SRR3",
          bases: null,
          size: null,
          published: null,
          published_raw: "2019-03",
          run_date: "2019-03-01 08:00:00",
          runDate_raw: null,
          file_time: null,
        },
        // A count beyond BIGINT is NULL rather than a failed batch; blank text is no value at all.
        {
          accession: "SRR4",
          bases: null,
          size: null,
          published: null,
          published_raw: null,
          run_date: null,
          runDate_raw: null,
          file_time: null,
        },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
