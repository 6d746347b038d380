import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DuckDBInstance } from "@duckdb/node-api";
import type { Lake } from "@omicslake/core";
import {
  lakeCombos,
  S3RVER_CREDENTIALS,
  S3RVER_REGION,
  startS3rver,
  type ComboLake,
} from "@omicslake/core/testing";
import { DuckLakeCatalog, DuckLakeReader, registerTable } from "@omicslake/ducklake";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { defaultDuckLakeTarget } from "../src/consolidation/consolidate-metadata.js";
import { publishLake } from "../src/publish/publish-lake.js";
import { parseManifest, type PublishManifest } from "../src/publish/publish-manifest.js";

process.env["TZ"] = "UTC";

const sha256 = (bytes: Buffer): string => createHash("sha256").update(bytes).digest("hex");

/** Writes a Parquet file (and a DuckDB file) with DuckDB itself, so the published files are real ones. */
async function duckWrite(sql: string): Promise<void> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    await connection.run(sql);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/**
 * A lake as consolidate and snapshot leave it, made directly (the real steps take seconds per entity):
 * a curated `metadata` dataset with a snapshot and one entity Parquet, and a DuckLake catalog in the
 * lake root registering a copy of that Parquet.
 */
async function seedPublishable(lake: Lake, root: string, work: string): Promise<void> {
  const parquet = join(work, "sra_study.parquet");
  await duckWrite(
    `COPY (SELECT * FROM (VALUES ('SRP1', 'first'), ('SRP2', 'second')) t(accession, title)) TO '${parquet}' (FORMAT parquet)`,
  );
  const snapshot = join(work, "omicslake.duckdb");
  await duckWrite(
    `ATTACH '${snapshot}' AS s; CREATE TABLE s.sra_study AS SELECT * FROM read_parquet('${parquet}'); DETACH s`,
  );
  const curated = await lake.ensureDataset({ name: "metadata", layer: "curated", source: "ncbi" });
  await lake.putObject(curated, { name: "omicslake.duckdb", file: snapshot });
  await lake.putObject(curated, { name: "sra_study.parquet", file: parquet });

  const target = defaultDuckLakeTarget(root);
  const catalog = await DuckLakeCatalog.open({ ...target, createdBy: "test" });
  try {
    const dir = join(target.dataPath, "main", "sra_study");
    await mkdir(dir, { recursive: true });
    const copy = join(dir, "run-1-sra_study.parquet");
    await writeFile(copy, await readFile(parquet));
    await catalog.commit([registerTable({ table: "sra_study", files: [copy] })]);
  } finally {
    await catalog.close();
  }
}

const EXPECTED_PATHS = [
  "ducklake/data/main/sra_study/run-1-sra_study.parquet",
  "ducklake/metadata.duckdb",
  "omicslake.duckdb",
  "parquet/sra_study.parquet",
];

// The catalog only records the run and lists objects here: the fs store with both engines covers it;
// the destination is a directory and an S3 bucket (s3rver).
const combos = lakeCombos().filter((c) => c.store === "fs");

describe.each(combos)("publish ($name)", (combo) => {
  let opened: ComboLake;
  let work: string;
  beforeEach((context) => {
    if (combo.skip) context.skip(combo.skip);
  });
  // One lake for the block (opening one costs seconds); the test that corrupts an object runs last.
  beforeAll(async () => {
    if (combo.skip) return;
    opened = await combo.open();
    work = await mkdtemp(join(tmpdir(), "omicslake-publish-test-"));
    await seedPublishable(opened.lake, opened.root, work);
  });
  afterAll(async () => {
    await opened?.dispose();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("publishes every file with its sha256, re-sends only what changed and opens after a move", async () => {
    const { lake, root } = opened;
    const dest = join(work, "out");
    const to = pathToFileURL(dest).href;

    const first = await publishLake(lake, { lakeRoot: root, to });
    expect(first).toMatchObject({ files: 4, uploaded: 4, skipped: 0, removed: 0 });
    expect(first.run.status).toBe("succeeded");
    const manifest = parseManifest(await readFile(join(dest, "manifest.json"), "utf8"), "test");
    expect(manifest.files.map((f) => f.path)).toEqual(EXPECTED_PATHS);
    let total = 0;
    for (const file of manifest.files) {
      const bytes = await readFile(join(dest, ...file.path.split("/")));
      expect({ path: file.path, sha256: sha256(bytes), size: bytes.length }).toEqual(file);
      total += file.size;
    }
    expect(first.bytes_uploaded).toBe(total);

    // Nothing changed: nothing is sent again, the DuckLake copy included.
    const second = await publishLake(lake, { lakeRoot: root, to });
    expect(second).toMatchObject({ files: 4, uploaded: 0, skipped: 4, bytes_uploaded: 0 });

    // One curated file changes: only it is sent.
    const changed = join(work, "changed.parquet");
    await duckWrite(`COPY (SELECT 'SRP3' AS accession, 'third' AS title) TO '${changed}' (FORMAT parquet)`);
    await lake.putObject("curated:metadata", { name: "sra_study.parquet", file: changed });
    const third = await publishLake(lake, { lakeRoot: root, to });
    expect(third).toMatchObject({ uploaded: 1, skipped: 3 });
    expect(sha256(await readFile(join(dest, "parquet", "sra_study.parquet")))).toBe(
      sha256(await readFile(changed)),
    );

    // A file only the old manifest lists is removed, after the new manifest is in place.
    const stale = join(dest, "parquet", "gone.parquet");
    await writeFile(stale, "old");
    const withStale: PublishManifest = {
      ...third.manifest,
      files: [
        ...third.manifest.files,
        { path: "parquet/gone.parquet", size: 3, sha256: sha256(Buffer.from("old")) },
      ],
    };
    await writeFile(join(dest, "manifest.json"), JSON.stringify(withStale));
    const fourth = await publishLake(lake, { lakeRoot: root, to });
    expect(fourth).toMatchObject({ uploaded: 0, removed: 1 });
    await expect(readFile(stale)).rejects.toThrow(/ENOENT/);
    expect(parseManifest(await readFile(join(dest, "manifest.json"), "utf8"), "t").retired).toEqual([]);

    // Moved elsewhere, the tree still opens: the DuckLake catalog's data path is relative to itself.
    const moved = join(work, "moved", "elsewhere");
    await mkdir(join(work, "moved"));
    await rename(dest, moved);
    const reader = await DuckLakeReader.open(join(moved, "ducklake", "metadata.duckdb"));
    try {
      const rows = await reader.readTable("sra_study", { orderBy: ["accession"] });
      expect(rows.map((r) => r.accession)).toEqual(["SRP1", "SRP2"]);
    } finally {
      await reader.close();
    }
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    try {
      await connection.run(`ATTACH '${join(moved, "ducklake", "metadata.duckdb")}' AS cat (READ_ONLY)`);
      const dataPath = (
        await connection.runAndReadAll("SELECT value FROM cat.ducklake_metadata WHERE key = 'data_path'")
      ).getRowObjectsJS();
      expect(dataPath).toEqual([{ value: "data/" }]);
      await connection.run(`ATTACH '${join(moved, "omicslake.duckdb")}' AS snap (READ_ONLY)`);
      const count = (
        await connection.runAndReadAll("SELECT count(*)::INT AS n FROM snap.sra_study")
      ).getRowObjectsJS();
      expect(count).toEqual([{ n: 2 }]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it("uploads verified files, the manifest last, and only changes the second time", async () => {
    const { lake, root } = opened;
    const s3 = await startS3rver({ bucket: "published" });
    try {
      const connection = {
        endpoint: s3.endpoint,
        region: S3RVER_REGION,
        forcePathStyle: true,
        ...S3RVER_CREDENTIALS,
      };
      const to = `s3://${s3.bucket}/release/v1`;
      const first = await publishLake(lake, { lakeRoot: root, to, s3: connection });
      expect(first).toMatchObject({ files: 4, uploaded: 4 });

      const client = new S3Client({ ...connection, credentials: S3RVER_CREDENTIALS });
      try {
        const get = async (key: string): Promise<Buffer> => {
          const response = await client.send(
            new GetObjectCommand({ Bucket: s3.bucket, Key: `release/v1/${key}` }),
          );
          return Buffer.from(await response.Body!.transformToByteArray());
        };
        const manifest = parseManifest((await get("manifest.json")).toString("utf8"), "s3");
        expect(manifest.files.map((f) => f.path)).toEqual(EXPECTED_PATHS);
        for (const file of manifest.files) expect(sha256(await get(file.path))).toBe(file.sha256);
      } finally {
        client.destroy();
      }
      const second = await publishLake(lake, { lakeRoot: root, to, s3: connection });
      expect(second).toMatchObject({ uploaded: 0, skipped: 4 });
      await lake.putObject("curated:metadata", { name: "omicslake.duckdb", body: "another snapshot" });
      const third = await publishLake(lake, { lakeRoot: root, to, s3: connection });
      expect(third).toMatchObject({ uploaded: 1, skipped: 3, bytes_uploaded: "another snapshot".length });
    } finally {
      await s3.close();
    }
  });

  it("refuses a second publish to a folder another one holds, and takes over a dead one's, removing its temp files", async () => {
    const { lake, root } = opened;
    const dest = join(work, "locked");
    await mkdir(join(dest, "parquet"), { recursive: true });
    const lock = join(dest, ".publish.lock");
    await writeFile(lock, JSON.stringify({ host: hostname(), pid: process.pid }));
    await expect(publishLake(lake, { lakeRoot: root, to: dest })).rejects.toMatchObject({ code: "conflict" });
    await expect(readFile(join(dest, "manifest.json"))).rejects.toThrow(/ENOENT/);

    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    await writeFile(lock, JSON.stringify({ host: hostname(), pid: dead }));
    const debris = join(dest, "parquet", "sra_study.parquet.publish-0123456789ab.tmp");
    await writeFile(debris, "half");
    const result = await publishLake(lake, { lakeRoot: root, to: dest });
    expect(result.uploaded).toBe(4);
    await expect(readFile(debris)).rejects.toThrow(/ENOENT/);
    await expect(readFile(lock)).rejects.toThrow(/ENOENT/);
  });

  it("never publishes bytes that fail their checksum", async () => {
    const { lake, root } = opened;
    const object = await lake.catalog.findObjectByKey("curated/metadata/sra_study.parquet");
    expect(object).toBeDefined();
    // Corrupt the stored bytes behind the catalog's back (same size, other content).
    const stored = join(root, "objects", "curated", "metadata", "sra_study.parquet");
    const bytes = await readFile(stored);
    const middle = bytes.length >> 1;
    bytes[middle] = (bytes[middle] ?? 0) ^ 0xff;
    await writeFile(stored, bytes);
    const dest = join(work, "out-corrupt");
    const error: unknown = await publishLake(lake, { lakeRoot: root, to: dest }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as { code?: unknown }).code).toBe("integrity_error");
    expect((error as Error).message).toContain("sra_study.parquet");
    // No manifest, so nothing is published; and the corrupt file never took its name.
    await expect(readFile(join(dest, "manifest.json"))).rejects.toThrow(/ENOENT/);
    await expect(readFile(join(dest, "parquet", "sra_study.parquet"))).rejects.toThrow(/ENOENT/);
  });
});
