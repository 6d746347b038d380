import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lakeEngines, type OpenedLake } from "@omicslake/core/testing";
import { lazyExpressionService } from "@omicslake/expression";
import { buildServer } from "../src/app.js";
// The stores these tests query are written by the expression package's own test fixtures (known numbers).
// eslint-disable-next-line omicslake/package-boundaries
import { mixedTestMatrix } from "../../../packages/expression/test/engine-conformance.js";
// eslint-disable-next-line omicslake/package-boundaries
import { openTestService, type TestService } from "../../../packages/expression/test/service-test-store.js";

const fsEngine = lakeEngines().find((e) => e.skip === undefined && e.name.startsWith("fs"));

describe.skipIf(fsEngine === undefined)("/v1/expression/{dataset}/matrix with hostile input", () => {
  let opened: OpenedLake;
  let test: TestService;
  let app: FastifyInstance;
  beforeAll(async () => {
    opened = await fsEngine!.open();
    test = await openTestService([mixedTestMatrix()]);
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

  it("refuses an empty cell list like an empty gene list, instead of answering a subset of no cells", async () => {
    for (const cells of ["", ",", "%20,%20"]) {
      const res = await get(`/v1/expression/mixed/matrix?genes=G0&cells=${cells}`);
      expect(res.statusCode, cells).toBe(400);
      expect(res.json<{ error: { code: string; message: string } }>().error).toMatchObject({
        code: "invalid_input",
        message: expect.stringMatching(/at least one cell/) as unknown,
      });
    }
    // Leaving cells out still means every cell.
    const all = await get("/v1/expression/mixed/matrix?genes=G0&shape=wide");
    expect(all.json<{ cells: string[] }>().cells).toHaveLength(16);
  });

  it("answers JSON to an Accept it cannot serve, and documents no 406 it never sends", async () => {
    const res = await get("/v1/expression/mixed/matrix?genes=G0", { accept: "image/png" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toContain("application/json");
    const spec = (await get("/openapi.json")).json<{
      paths: Record<string, { get: { responses: Record<string, unknown> } }>;
    }>();
    expect(Object.keys(spec.paths["/v1/expression/{dataset}/matrix"]!.get.responses)).not.toContain("406");
  });
});
