import { expect, it } from "vitest";
import type { NewUpstreamFileRecord } from "../src/catalog/catalog-types.js";
import { openCatalog } from "../src/catalog/sql-catalog.js";
import { forEachDatabase } from "@omicslake/core/testing";

const SHA = (c: string): string => c.repeat(64);

forEachDatabase((ctx) => {
  it("keeps every version of an upstream file and answers the latest per URL, in name order", async () => {
    const catalog = ctx().catalog;
    const dataset = await catalog.createDataset({ name: "upstream-versions", layer: "raw" });
    const record = (url: string, name: string, sha: string, key: string): NewUpstreamFileRecord => ({
      datasetId: dataset.id,
      url,
      name,
      partition: { month: "2024-01" },
      etag: `"${sha}"`,
      lastModified: new Date("2024-01-02T03:04:05Z"),
      size: 10,
      sha256: SHA(sha),
      md5: null,
      objectKey: key,
      runId: null,
    });
    await catalog.upstreamFiles.add(record("https://x/b.xml", "b.xml", "1", "raw/upstream-versions/b.xml"));
    await catalog.upstreamFiles.add(record("https://x/a.xml", "a.xml", "2", "raw/upstream-versions/a.xml"));
    const second = await catalog.upstreamFiles.add(
      record("https://x/b.xml", "b.xml", "3", "raw/upstream-versions/versions/2/b.xml"),
    );

    expect(await catalog.upstreamFiles.latest(dataset.id, "https://x/b.xml")).toEqual(second);
    expect(second).toMatchObject({ partition: { month: "2024-01" }, sha256: SHA("3"), runId: null });
    expect(await catalog.upstreamFiles.latest(dataset.id, "https://x/none.xml")).toBeUndefined();
    expect((await catalog.upstreamFiles.current(dataset.id)).map((r) => [r.name, r.sha256])).toEqual([
      ["a.xml", SHA("2")],
      ["b.xml", SHA("3")],
    ]);
    expect((await catalog.upstreamFiles.history(dataset.id)).map((r) => r.sha256)).toEqual([
      SHA("1"),
      SHA("2"),
      SHA("3"),
    ]);
  });

  it("answers a health check with its engine and hands out no database client", async () => {
    const catalog = ctx().catalog;
    await expect(catalog.ping()).resolves.toBeUndefined();
    expect(catalog.engine).toBe(ctx().engine);
    expect("db" in catalog).toBe(false);
  });
});

it("fails its health check once its database is closed", async () => {
  const catalog = await openCatalog({ pgliteDir: "memory://" });
  await catalog.ping();
  await catalog.close();
  await expect(catalog.ping()).rejects.toThrow();
});
