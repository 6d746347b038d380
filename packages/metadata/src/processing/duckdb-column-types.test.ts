import { describe, expect, it } from "vitest";
import { duckdbTypeOf, recordColumns } from "./duckdb-column-types.js";

describe("duckdbTypeOf", () => {
  it("maps JSON Schema scalars, lists, structs and maps to DuckDB types", () => {
    expect(duckdbTypeOf({ type: "string" })).toBe("VARCHAR");
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
    expect(run.get("totalSpots")?.type).toBe("DOUBLE");
    expect(run.get("nreads")?.type).toBe("BIGINT");
    expect(run.get("loadDone")?.type).toBe("BOOLEAN");
    expect(run.get("files")?.type).toMatch(/^STRUCT\(.*"attributes" MAP\(VARCHAR, VARCHAR\).*\)\[\]$/);
    const series = new Map(recordColumns("geo_series").map((c) => [c.name, c.type]));
    expect(series.get("other")).toBe("MAP(VARCHAR, VARCHAR[])");
    expect(series.get("sampleIds")).toBe("VARCHAR[]");
  });
});
