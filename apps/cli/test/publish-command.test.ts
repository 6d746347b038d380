import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, openLake, type LakeConfig } from "@omicslake/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runInProcess } from "./support/run-in-process.js";

const sha = (bytes: Buffer | string): string => createHash("sha256").update(bytes).digest("hex");

describe("omicslake publish", () => {
  let dir: string;
  let config: LakeConfig;
  const snapshot = Buffer.from("a DuckDB snapshot's bytes");
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omicslake-cli-publish-"));
    expect((await runInProcess(dir, ["init"])).code).toBe(0);
    const env = { ...process.env };
    delete env["DATABASE_URL"];
    config = await loadConfig({ cwd: dir, env });
    // What consolidate and snapshot leave in curated, without a DuckLake catalog (publish then has none to copy).
    const lake = await openLake(config);
    try {
      const curated = await lake.ensureDataset({ name: "metadata", layer: "curated", source: "ncbi" });
      await lake.putObject(curated, { name: "omicslake.duckdb", body: snapshot });
      await lake.putObject(curated, { name: "sra_study.parquet", body: "PAR1" });
    } finally {
      await lake.close();
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("publishes into the lake's own published/ folder, then sends nothing unchanged", async () => {
    const first = await runInProcess(dir, ["publish", "--json"]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const result = JSON.parse(first.stdout) as Record<string, unknown>;
    expect(result).toMatchObject({ files: 2, uploaded: 2, skipped: 0, bytes_uploaded: snapshot.length + 4 });
    expect(result.destination).toMatch(/^file:\/\/.*\/published$/);
    const manifest = JSON.parse(await readFile(join(config.root, "published", "manifest.json"), "utf8")) as {
      files: { path: string; sha256: string }[];
    };
    expect(manifest.files).toEqual([
      { path: "omicslake.duckdb", size: snapshot.length, sha256: sha(snapshot) },
      { path: "parquet/sra_study.parquet", size: 4, sha256: sha("PAR1") },
    ]);
    const second = JSON.parse((await runInProcess(dir, ["publish", "--json"])).stdout) as Record<
      string,
      unknown
    >;
    expect(second).toMatchObject({ files: 2, uploaded: 0, skipped: 2, bytes_uploaded: 0 });
  });

  it("refuses a destination it cannot write, naming it", async () => {
    const result = await runInProcess(dir, ["publish", "--to", "ftp://example.org/x"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("ftp://example.org/x");
    expect(result.stderr).toContain("file:///");
  });
});
