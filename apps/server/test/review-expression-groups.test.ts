import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lakeEngines, type OpenedLake } from "@omicslake/core/testing";
import { lazyExpressionService } from "@omicslake/expression";
import { buildServer } from "../src/app.js";
// eslint-disable-next-line omicslake/package-boundaries
import { openTestService, type TestService } from "../../../packages/expression/test/service-test-store.js";

const fsEngine = lakeEngines().find((e) => e.skip === undefined && e.name.startsWith("fs"));
/** More distinct barcodes than a group column's values are listed for an "unknown cell type" error. */
const CELLS = 100_010;

/**
 * A cell type of a `by` column with very many values (a barcode, a sample id) is looked up, not searched for in
 * the first page of that column's distinct values: the last barcode is as much a group as the first.
 */
describe.skipIf(fsEngine === undefined)("cell types of a column with many values", () => {
  let opened: OpenedLake;
  let test: TestService;
  let app: FastifyInstance;
  beforeAll(async () => {
    opened = await fsEngine!.open();
    const cells = Array.from({ length: CELLS }, (_, i) => ({
      cell: `c${String(i).padStart(6, "0")}`,
      meta: { cell_type: i % 2 === 0 ? "A" : "B", barcode: `bc${String(i).padStart(6, "0")}` },
    }));
    test = await openTestService([
      {
        dataset: "wide",
        genes: [{ symbol: "G0" }, { symbol: "G1" }],
        cells,
        entries: [
          [0, CELLS - 1, 3],
          [1, CELLS - 1, 2],
          [0, 0, 1],
        ],
      },
    ]);
    app = await buildServer({
      lake: opened.lake,
      rateLimit: 0,
      expression: lazyExpressionService(async () => test.service),
    });
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await opened?.dispose();
    await test?.close().catch(() => undefined);
  });

  it("finds a value past the first 100,000 distinct ones, and still names an unknown one", async () => {
    const last = `bc${String(CELLS - 1).padStart(6, "0")}`;
    const agg = await app.inject({
      method: "GET",
      url: `/v1/expression/wide/aggregates?genes=G0&by=barcode&cell_type=${last}`,
    });
    expect(agg.statusCode, agg.body).toBe(200);
    expect(agg.json<{ data: unknown[] }>().data).toEqual([
      expect.objectContaining({ group: last, gene: "G0", n_cells: 1, mean: 3 }),
    ]);
    const cells = await app.inject({
      method: "GET",
      url: `/v1/expression/wide/cells?by=barcode&cell_type=${last}&cell_type=bc000000`,
    });
    expect(cells.statusCode, cells.body).toBe(200);
    expect(cells.json<{ data: { barcode: string }[] }>().data.map((c) => c.barcode)).toEqual([
      "bc000000",
      last,
    ]);
    const unknown = await app.inject({
      method: "GET",
      url: `/v1/expression/wide/cells?by=barcode&cell_type=bc999999`,
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json<{ error: { code: string; message: string } }>().error).toMatchObject({
      code: "unknown_group",
      message: expect.stringContaining('"bc999999"') as unknown,
    });
  });
});
