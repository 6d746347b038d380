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

const ROUTES: [string, string, object?][] = [
  ["GET", "/v1/expression"],
  ["GET", "/v1/expression/mixed"],
  ["GET", "/v1/expression/mixed/genes"],
  ["GET", "/v1/expression/mixed/genes/G0"],
  ["GET", "/v1/expression/mixed/cells"],
  ["GET", "/v1/expression/mixed/matrix?genes=G0"],
  ["GET", "/v1/expression/mixed/correlation?gene_a=G0&gene_b=G1"],
  ["POST", "/v1/expression/mixed/correlation", { gene_a: "G0", gene_b: "G1" }],
  ["GET", "/v1/expression/mixed/variability"],
  ["POST", "/v1/expression/mixed/variability", {}],
  ["GET", "/v1/expression/mixed/aggregates?genes=G0"],
  // Unknown datasets and bad input must not tell an anonymous caller anything either.
  ["GET", "/v1/expression/missing/genes"],
  ["GET", "/v1/expression/mixed/genes/NOPE"],
];

/** With `[server] public_reads = false` every expression route needs a key, before any dataset is looked at. */
describe.skipIf(fsEngine === undefined)("expression routes without public reads", () => {
  let opened: OpenedLake;
  let test: TestService;
  let open: FastifyInstance;
  let closed: FastifyInstance;
  beforeAll(async () => {
    opened = await fsEngine!.open();
    test = await openTestService([mixedTestMatrix()]);
    const expression = lazyExpressionService(async () => test.service);
    closed = await buildServer({ lake: opened.lake, rateLimit: 0, publicReads: false, expression });
    open = await buildServer({ lake: opened.lake, rateLimit: 0, expression });
  });
  afterAll(async () => {
    await closed?.close();
    await open?.close();
    await opened?.dispose();
    await test?.close().catch(() => undefined);
  });

  it("answers 401 to a request without a key, 200 when reads are public", async () => {
    for (const [method, url, payload] of ROUTES) {
      const request = { method: method as "GET" | "POST", url, ...(payload ? { payload } : {}) };
      const res = await closed.inject(request);
      expect(res.statusCode, `${method} ${url}`).toBe(401);
      const publicRes = await open.inject(request);
      expect(publicRes.statusCode, `${method} ${url}`).toBeLessThan(500);
    }
  });
});
