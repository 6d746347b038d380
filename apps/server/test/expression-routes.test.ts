import type { FastifyInstance } from "fastify";
import { tableFromIPC } from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OmicslakeError } from "@omicslake/core";
import { lakeEngines, type OpenedLake } from "@omicslake/core/testing";
import {
  ExpressionService,
  createClickHouseEngine,
  lazyExpressionService,
  type StoreAccess,
} from "@omicslake/expression";
import { buildServer } from "../src/app.js";
// The stores these tests query are written by the expression package's own test fixtures (known numbers),
// which are test code and so not part of the package's entry point.
// eslint-disable-next-line omicslake/package-boundaries
import { mixedTestMatrix } from "../../../packages/expression/test/engine-conformance.js";
// eslint-disable-next-line omicslake/package-boundaries
import { openTestService, type TestService } from "../../../packages/expression/test/service-test-store.js";

interface ErrorBody {
  error: { code: string; message: string; details: Record<string, unknown> };
}

const fsEngine = lakeEngines().find((e) => e.skip === undefined && e.name.startsWith("fs"));

describe.skipIf(fsEngine === undefined)("/v1/expression over HTTP", () => {
  let opened: OpenedLake;
  let test: TestService;
  let app: FastifyInstance;
  beforeAll(async () => {
    opened = await fsEngine!.open();
    test = await openTestService([mixedTestMatrix()], { maxResultValues: 100 });
    app = await buildServer({
      lake: opened.lake,
      rateLimit: 0,
      expression: lazyExpressionService(async () => test.service),
    });
  });
  afterAll(async () => {
    await app?.close();
    await opened?.dispose();
    await test?.close().catch(() => undefined);
  });

  const get = (url: string, headers: Record<string, string> = {}) =>
    app.inject({ method: "GET", url, headers });
  const post = (url: string, payload: object) => app.inject({ method: "POST", url, payload });

  it("documents every expression route in the OpenAPI document", async () => {
    const spec = await get("/openapi.json");
    expect(spec.statusCode).toBe(200);
    const paths = spec.json<{ paths: Record<string, Record<string, unknown>> }>().paths;
    for (const path of ["correlation", "variability"])
      expect(Object.keys(paths[`/v1/expression/{dataset}/${path}`] ?? {}).sort()).toEqual(["get", "post"]);
    for (const path of ["genes", "genes/{gene}", "cells", "matrix", "aggregates"])
      expect(paths[`/v1/expression/{dataset}/${path}`], path).toHaveProperty("get");
  });

  it("lists datasets and shows one with its groups, columns and repeated symbols", async () => {
    const list = await get("/v1/expression");
    expect(list.statusCode).toBe(200);
    expect(list.json()).toMatchObject({
      data: [{ dataset: "mixed", genes: 10, cells: 16, group_by: "cell_type" }],
    });
    const one = await get("/v1/expression/mixed");
    expect(one.statusCode).toBe(200);
    const body = one.json<{
      groups: { value: string }[];
      duplicate_symbols: unknown;
      cell_columns: unknown[];
    }>();
    expect(body.groups.map((g) => g.value)).toEqual(["B cell", "T cell", "solo"]);
    expect(body.duplicate_symbols).toEqual({ LYZ: ["LYZ", "LYZ.1"] });
    expect(body.cell_columns).toContainEqual({ name: "donor", type: "VARCHAR" });
  });

  it("answers a pair correlation in cell types and filters, with n and gene names", async () => {
    const res = await get(
      "/v1/expression/mixed/correlation?gene_a=G0&gene_b=G8&cell_type=B%20cell&cell_type=T%20cell&where.donor=d2",
    );
    expect(res.statusCode).toBe(200);
    const body = res.json<{ r: number; n: number; gene_a: { gene: string }; cells: { filter: unknown } }>();
    expect(body.r).toBeCloseTo(1, 12);
    expect(body.gene_a.gene).toBe("G0");
    expect(body.cells.filter).toEqual({ donor: { in: ["d2"] }, cell_type: { in: ["B cell", "T cell"] } });
    expect(body.n).toBe(8);
    const top = await get("/v1/expression/mixed/correlation?gene=G0&top=2&method=spearman");
    expect(top.statusCode).toBe(200);
    expect(top.json<{ data: { gene: string }[] }>().data[0]!.gene).toBe("G8");
  });

  it("takes the reference system's request bodies", async () => {
    const corr = await post("/v1/expression/mixed/correlation", {
      gene_a: "LYZ",
      gene_b: "G0",
      cell_types: ["B cell", "solo"],
    });
    expect(corr.statusCode).toBe(200);
    expect(corr.json()).toMatchObject({ n: 7, gene_a: { gene: "LYZ", same_symbol: ["LYZ", "LYZ.1"] } });
    const cv = await post("/v1/expression/mixed/variability", { cell_type: "T cell", limit: 3 });
    expect(cv.statusCode).toBe(200);
    const body = cv.json<{
      data: { gene: string; cv: number | null }[];
      meta: { n_cells: number; count: number };
    }>();
    expect(body.meta).toMatchObject({ n_cells: 6, count: 3 });
    const page = await get("/v1/expression/mixed/variability?cell_type=T%20cell&limit=3");
    expect(page.json<{ data: unknown[] }>().data).toEqual(body.data);
    const next = page.json<{ links: { next: string } }>().links.next;
    expect((await get(next)).statusCode).toBe(200);
  });

  it("pages genes and cells, and aggregates per cell type", async () => {
    const genes = await get("/v1/expression/mixed/genes?limit=3&q=g");
    expect(genes.statusCode).toBe(200);
    expect(genes.json<{ data: { gene: string }[] }>().data.map((g) => g.gene)).toEqual([
      "G0",
      "G1",
      "ENSG00002",
    ]);
    const gene = await get("/v1/expression/mixed/genes/ENSG00006");
    expect(gene.json()).toMatchObject({ gene: "LYZ.1", same_symbol: ["LYZ.1", "LYZ"] });
    const cells = await get("/v1/expression/mixed/cells?where.n_count.min=200&limit=500");
    expect(cells.json<{ data: { n_count: number }[] }>().data.every((c) => Number(c.n_count) >= 200)).toBe(
      true,
    );
    const agg = await get("/v1/expression/mixed/aggregates?genes=G9,G0");
    expect(agg.statusCode).toBe(200);
    const rows = agg.json<{ data: { group: string; gene: string; mean: number; n_cells: number }[] }>().data;
    expect(rows.find((r) => r.group === "solo" && r.gene === "G9")).toMatchObject({ mean: 7, n_cells: 1 });
  });

  it("streams the matrix as CSV (by Accept), wide JSON with zeros and Arrow", async () => {
    const csv = await get("/v1/expression/mixed/matrix?genes=G9&cell_type=solo&shape=wide", {
      accept: "text/csv",
    });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers["content-type"]).toContain("text/csv");
    expect(csv.body.trimEnd().split("\n")).toEqual(["cell,G9", "c12,7"]);
    const wide = await get(
      "/v1/expression/mixed/matrix?genes=G9,ENSG00002&where.donor=d1&format=json&shape=wide",
    );
    const doc = wide.json<{ genes: string[]; cells: string[]; values: number[][] }>();
    expect(doc.genes).toEqual(["G9", "ENSG00002"]);
    expect(doc.values[1]).toEqual(doc.cells.map(() => 0));
    const arrow = await get("/v1/expression/mixed/matrix?genes=G0&format=arrow");
    expect(arrow.headers["content-type"]).toBe("application/vnd.apache.arrow.stream");
    const table = tableFromIPC(arrow.rawPayload);
    expect(table.schema.fields.map((f) => f.name)).toEqual(["gene", "cell", "value"]);
    expect(table.numRows).toBeGreaterThan(0);
    expect(table.getChild("gene")!.toArray()).toEqual(Array(table.numRows).fill("G0"));
  });

  it("refuses bad input with 4xx in the error shape, never 5xx", async () => {
    const cases: [string, number, string][] = [
      ["/v1/expression/mixed/correlation?gene_a=LYX&gene_b=G0", 404, "unknown_gene"],
      ["/v1/expression/mixed/correlation?gene_a=G0&gene_b=G1&cell_type=NK", 404, "unknown_group"],
      ["/v1/expression/mixed/correlation?gene_a=G0&gene_b=G1&where.Subject=P1", 400, "unknown_column"],
      ["/v1/expression/mixed/correlation?gene_a=G0&gene_b=G1&celltype=B", 400, "invalid_input"],
      ["/v1/expression/mixed/correlation?gene_a=G0", 400, "invalid_input"],
      ["/v1/expression/mixed/correlation?gene=G0&top=1e999", 400, "schema"],
      ["/v1/expression/mixed/correlation?gene=G0&top=5000", 400, "schema"],
      ["/v1/expression/mixed/correlation?gene_a=G0&gene_a=G1&gene_b=G2", 400, "schema"],
      [
        "/v1/expression/mixed/correlation?gene_a=G0'%3B%20DROP%20TABLE%20x%3B--&gene_b=G1",
        404,
        "unknown_gene",
      ],
      ["/v1/expression/mixed/correlation?gene_a=%F0%9F%A7%AC&gene_b=G1", 404, "unknown_gene"],
      ["/v1/expression/mixed/cells?where.n_count.min=lots", 400, "invalid_input"],
      ["/v1/expression/mixed/cells?where.donor%22%3B--=x", 400, "unknown_column"],
      ["/v1/expression/mixed/variability?min_mean=-1", 400, "schema"],
      ["/v1/expression/mixed/variability?cursor=notacursor", 400, "invalid_cursor"],
      ["/v1/expression/mixed/genes?limit=100000000000000000000", 400, "schema"],
      ["/v1/expression/mixed/matrix?genes=G0&format=arrow&shape=wide", 400, "invalid_input"],
      ["/v1/expression/mixed/matrix?genes=G0,G1,G3,G4,G7,G8,G9&shape=wide", 400, "result_too_large"],
      ["/v1/expression/missing/correlation?gene_a=G0&gene_b=G1", 404, "expression_not_built"],
    ];
    for (const [url, status, code] of cases) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(status);
      // Input the request schema refuses is validation_error; what the service refuses has its own code.
      expect(res.json<ErrorBody>().error.code, url).toBe(code === "schema" ? "validation_error" : code);
    }
    const unknown = (await get("/v1/expression/mixed/cells?color=red")).json<ErrorBody>();
    expect(unknown.error.details["allowed"]).toEqual(expect.arrayContaining(["cell_type", "by", "limit"]));
    const tooLarge = (
      await get("/v1/expression/mixed/matrix?genes=G0,G1,G3,G4,G7,G8,G9&shape=wide")
    ).json<ErrorBody>();
    expect(tooLarge.error.message).toMatch(/fewer genes/);
    const bodies: object[] = [
      { gene_a: ["G0"], gene_b: "G1" },
      { gene_a: "G0", gene_b: "G1", filters: { donor: { like: "%" } } },
      { gene_a: "G0", gene_b: "G1", top: 1e308 },
      { gene_a: "G0", gene_b: "G1", cell_types: [] },
      { gene_a: "G0", gene_b: "G1", extra: true },
    ];
    for (const payload of bodies) {
      const res = await post("/v1/expression/mixed/correlation", payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
    }
  });
});

describe("/v1/expression while a store is building, or when the engine is down", () => {
  const fs = lakeEngines().find((e) => e.skip === undefined && e.name.startsWith("fs"));
  it.skipIf(fs === undefined)(
    "answers 409 while the first build runs, and 503 when ClickHouse is unreachable",
    async () => {
      const opened = await fs!.open();
      const test = await openTestService([mixedTestMatrix()]);
      // Failure injection: an access that reports the first build as running.
      const building: StoreAccess = {
        current: (dataset) =>
          Promise.reject(
            new OmicslakeError("expression_building", `"${dataset}" is being built`, {
              details: { dataset },
            }),
          ),
        list: async () => [],
        prune: async () => {},
      };
      const whileBuilding = new ExpressionService({
        access: building,
        engine: test.service.engine,
        limits: { maxResultValues: 10 },
      });
      // A real ClickHouse engine pointed at a port nothing listens on.
      const down = new ExpressionService({
        access: test.access,
        engine: createClickHouseEngine({ url: "http://127.0.0.1:9", database: "omicslake" }),
        limits: { maxResultValues: 10 },
      });
      const app = await buildServer({
        lake: opened.lake,
        rateLimit: 0,
        expression: lazyExpressionService(async () => whileBuilding),
      });
      const unreachable = await buildServer({
        lake: opened.lake,
        rateLimit: 0,
        expression: lazyExpressionService(async () => down),
      });
      const bare = await buildServer({ lake: opened.lake, rateLimit: 0 });
      try {
        const res = await app.inject({ method: "GET", url: "/v1/expression/pbmc/variability?cell_type=B" });
        expect(res.statusCode).toBe(409);
        expect(res.json<ErrorBody>().error.code).toBe("expression_building");
        const gone = await unreachable.inject({ method: "GET", url: "/v1/expression/mixed/genes" });
        expect(gone.statusCode).toBe(503);
        expect(gone.json<ErrorBody>().error.code).toBe("engine_unavailable");
        // A server started without expression settings has no such routes.
        expect((await bare.inject({ method: "GET", url: "/v1/expression" })).statusCode).toBe(404);
      } finally {
        await app.close();
        await unreachable.close();
        await bare.close();
        await test.close().catch(() => undefined);
        await opened.dispose();
      }
    },
    60_000,
  );
});
