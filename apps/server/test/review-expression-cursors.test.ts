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
// eslint-disable-next-line omicslake/package-boundaries
import { writeTestStore } from "../../../packages/expression/test/support/write-test-store.js";

interface Paged {
  meta: { next_cursor: string | null };
}

const fsEngine = lakeEngines().find((e) => e.skip === undefined && e.name.startsWith("fs"));

/**
 * A page cursor belongs to one dataset's build (and, for the ranked variability list, to one query): given to
 * another dataset, after a rebuild, or with other cells, it must be refused rather than continue a different
 * list at a position that means something else there.
 */
describe.skipIf(fsEngine === undefined)("expression page cursors", () => {
  let opened: OpenedLake;
  let test: TestService;
  let app: FastifyInstance;
  beforeAll(async () => {
    opened = await fsEngine!.open();
    test = await openTestService([mixedTestMatrix(), { ...mixedTestMatrix(), dataset: "other" }]);
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
  const get = (url: string) => app.inject({ method: "GET", url });
  const cursorOf = async (url: string) => {
    const res = await get(url);
    expect(res.statusCode, url).toBe(200);
    const cursor = res.json<Paged>().meta.next_cursor;
    expect(cursor, url).not.toBeNull();
    return encodeURIComponent(cursor!);
  };

  it("refuses a cursor of another dataset", async () => {
    for (const list of ["genes", "cells", "variability"]) {
      const cursor = await cursorOf(`/v1/expression/mixed/${list}?limit=2`);
      expect((await get(`/v1/expression/mixed/${list}?limit=2&cursor=${cursor}`)).statusCode).toBe(200);
      const res = await get(`/v1/expression/other/${list}?limit=2&cursor=${cursor}`);
      expect(res.statusCode, list).toBe(400);
      expect(res.json<{ error: { code: string } }>().error.code).toBe("invalid_cursor");
    }
  });

  it("refuses a variability cursor given with other cells or another min_mean", async () => {
    const cursor = await cursorOf("/v1/expression/mixed/variability?limit=2&cell_type=T%20cell");
    expect(
      (await get(`/v1/expression/mixed/variability?limit=2&cell_type=T%20cell&cursor=${cursor}`)).statusCode,
    ).toBe(200);
    for (const other of ["cell_type=B%20cell", "cell_type=T%20cell&min_mean=0.5", ""]) {
      const res = await get(`/v1/expression/mixed/variability?limit=2&${other}&cursor=${cursor}`);
      expect(res.statusCode, other).toBe(400);
    }
  });

  it("refuses a cursor of a build that was replaced", async () => {
    const cursors = await Promise.all(
      ["genes", "cells", "variability"].map(async (list) => [
        list,
        await cursorOf(`/v1/expression/other/${list}?limit=2`),
      ]),
    );
    const store = test.stores.find((s) => s.manifest.dataset === "other")!;
    test.access.add(await writeTestStore(store.dir, { ...mixedTestMatrix(), dataset: "other", build: 2 }));
    for (const [list, cursor] of cursors) {
      const res = await get(`/v1/expression/other/${list}?limit=2&cursor=${cursor}`);
      expect(res.statusCode, list).toBe(400);
      expect(res.json<{ error: { code: string } }>().error.code).toBe("invalid_cursor");
    }
  });
});
