import { rm } from "node:fs/promises";
import { parseConfig } from "@omicslake/core";
import type { OpenedLake } from "@omicslake/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LakeStoreAccess, buildConfiguredExpressionStore } from "@omicslake/expression";
import { openFsLake, putSmallMatrix, tempDir } from "./support/store-test-lake.js";

// A build whose ClickHouse load fails is still published: the error must say so, and name no password.
describe("building with the ClickHouse engine when the server does not answer", () => {
  let opened: OpenedLake;
  let cache: string;
  beforeAll(async () => {
    opened = await openFsLake();
    cache = await tempDir("expr-configured-");
    await putSmallMatrix(opened.lake, opened.root, "small");
  });
  afterAll(async () => {
    await opened?.dispose();
    if (cache) await rm(cache, { recursive: true, force: true });
  });

  it("publishes the build, and says the load failed and that no rebuild is needed", async () => {
    const config = {
      ...parseConfig(`[expression]\nengine = "clickhouse"\nurl = "http://reader:s3cret@127.0.0.1:1"\n`, {
        baseDir: opened.root,
        env: {},
      }),
      root: opened.root,
    };
    const error = (await buildConfiguredExpressionStore(opened.lake, config, "small").catch(
      (e: unknown) => e,
    )) as Error & { code?: string };
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe("engine_unavailable");
    expect(error.message).toContain('build 1 of "small" is published');
    expect(error.message).toContain("No rebuild is needed");
    expect(JSON.stringify({ message: error.message, stack: error.stack })).not.toContain("s3cret");
    const access = new LakeStoreAccess(opened.lake, { cacheDir: cache });
    expect((await access.current("small")).manifest.build).toBe(1);
  });
});
