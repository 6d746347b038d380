import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertDataset } from "../src/dataset/convert-dataset.js";
import { lakeEngines, type OpenedLake } from "@omicslake/core/testing";

async function parquetRows(bytes: Buffer, workDir: string): Promise<Record<string, unknown>[]> {
  const path = join(workDir, `check-${Date.now()}-${Math.random().toString(16).slice(2)}.parquet`);
  await writeFile(path, bytes);
  const db = await DuckDBInstance.create(":memory:");
  const connection = await db.connect();
  try {
    const reader = await connection.runAndReadAll(`SELECT * FROM read_parquet('${path}')`);
    return reader.getRowObjectsJson();
  } finally {
    connection.closeSync();
    db.closeSync();
  }
}

async function readAll(opened: OpenedLake, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await opened.lake.store.get(key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

for (const engine of lakeEngines()) {
  describe.skipIf(engine.skip !== undefined)(
    `converting raw datasets on ${engine.name}${engine.skip ? ` (skipped: ${engine.skip})` : ""}`,
    () => {
      let opened: OpenedLake;
      beforeAll(async () => {
        opened = await engine.open();
      });
      afterAll(async () => {
        await opened?.dispose();
      });

      it("converts a CSV into processed Parquet with a run, a schema version and a conversion edge", async () => {
        const { lake, root } = opened;
        const csv = join(root, "samples-v1.csv");
        await writeFile(csv, "sample_id,tissue,age\nS1,liver,34\nS2,lung,51\nS3,brain,\n");
        await lake.addFiles([csv], { dataset: "samples-v1", source: "lab" });
        const { dataset, run, schemaVersions, conversion } = await convertDataset(lake, "samples-v1", {
          target: "samples",
        });
        expect(dataset).toMatchObject({ name: "samples", layer: "processed" });
        expect(conversion.format).toBe("csv");
        expect(run.status).toBe("succeeded");
        expect(run.inputs[0]).toMatchObject({ key: "raw/samples-v1/samples-v1.csv" });
        expect(run.inputs[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect(Object.keys(run.toolVersions)).toEqual(expect.arrayContaining(["omicslake"]));
        expect(Object.keys(run.toolVersions).length).toBeGreaterThan(2);
        expect(Object.values(run.rowCounts)).toContain(3);
        expect(schemaVersions).toHaveLength(1);
        expect(schemaVersions[0]?.version).toBe(1);
        expect(schemaVersions[0]?.fields.map((f) => f.name)).toEqual(["sample_id", "tissue", "age"]);

        const files = await lake.listObjects(dataset);
        const table = files.items.find((o) => o.name.endsWith(".parquet"))!;
        const rows = await parquetRows(await readAll(opened, table.key), root);
        expect(rows).toEqual([
          { sample_id: "S1", tissue: "liver", age: expect.anything() as unknown },
          { sample_id: "S2", tissue: "lung", age: expect.anything() as unknown },
          { sample_id: "S3", tissue: "brain", age: null },
        ]);
        expect(Number(rows[1]?.["age"])).toBe(51);
        const lineage = await lake.lineage(dataset);
        expect(lineage.edges.find((e) => e.action === "conversion")).toMatchObject({ runId: run.id });
      });

      it("records a new schema version with its diff when a re-ingest changes the columns, replacing the outputs", async () => {
        const { lake, root } = opened;
        const csv = join(root, "samples-v2.csv");
        await writeFile(csv, "sample_id,tissue,age,sex\nS1,liver,34,female\nS4,heart,29,male\n");
        await lake.addFiles([csv], { dataset: "samples-v2", source: "lab" });
        const { dataset, schemaVersions } = await convertDataset(lake, "samples-v2", { target: "samples" });
        expect(schemaVersions[0]?.version).toBe(2);
        expect(schemaVersions[0]?.diff.added.map((f) => f.name)).toEqual(["sex"]);
        const names = (await lake.listObjects(dataset)).items.map((o) => o.name).sort();
        expect(names).toEqual(["manifest.json", "table.parquet"]);
        const table = (await lake.listObjects(dataset)).items.find((o) => o.name === "table.parquet")!;
        const rows = await parquetRows(await readAll(opened, table.key), root);
        expect(rows.map((r) => r["sample_id"])).toEqual(["S1", "S4"]);
        expect((await lake.fsck()).ok).toBe(true);
      });

      it("converts a 10x triplet with cell metadata and keeps cells without metadata", async () => {
        const { lake, root } = opened;
        const files = {
          "matrix.mtx":
            "%%MatrixMarket matrix coordinate integer general\n3 4 5\n1 1 2\n2 1 1\n3 2 7\n1 4 3\n2 3 1\n",
          "features.tsv": "G1\tCD3E\tGene Expression\nG2\tLYZ\tGene Expression\nG3\tNKG7\tGene Expression\n",
          "barcodes.tsv": "AAAC-1\nAAAG-1\nAAAT-1\nAACA-1\n",
          "cells.tsv": "barcode\tcell_type\nAAAC-1\tT cell\nAAAG-1\tmonocyte\nAAAT-1\tNK cell\n",
        };
        const paths = [];
        for (const [name, text] of Object.entries(files)) {
          const path = join(root, name);
          await writeFile(path, text);
          paths.push(path);
        }
        await lake.addFiles(paths, { dataset: "pbmc-tiny", source: "lab" });
        const { dataset, run, conversion } = await convertDataset(lake, "pbmc-tiny", {
          cellMetadata: "cells.tsv",
        });
        expect(conversion.format).toBe("10x-mtx");
        expect(run.log).toMatch(/AACA-1/);
        const objects = (await lake.listObjects(dataset)).items;
        const matrix = objects.find((o) => o.name === "matrix.X.parquet")!;
        const triplets = await parquetRows(await readAll(opened, matrix.key), root);
        expect(triplets).toHaveLength(5);
        const total = triplets.reduce((sum, t) => sum + Number(t["value"]), 0);
        expect(total).toBe(14);
        const cells = await parquetRows(
          await readAll(opened, objects.find((o) => o.name === "cells.parquet")!.key),
          root,
        );
        expect(cells.map((c) => c["cell_type"])).toEqual(["T cell", "monocyte", "NK cell", null]);
      });

      it("fails cleanly on bad input: a failed run naming the place, nothing in processed", async () => {
        const { lake, root } = opened;
        const bad = join(root, "bad.mtx");
        await writeFile(bad, "%%MatrixMarket matrix coordinate integer general\n3 3 2\n1 1 5\n4 2 1\n");
        await lake.addFiles([bad], { dataset: "bad-matrix", source: "lab" });
        await expect(convertDataset(lake, "bad-matrix")).rejects.toThrow(/line 4/);
        expect(await lake.catalog.findDataset("bad-matrix", "processed")).toBeUndefined();
        const runs = await lake.catalog.listRuns({ step: "convert", status: "failed" });
        expect(runs.items[0]?.error?.message).toMatch(/out of range/);
        expect(runs.items[0]?.inputs[0]).toMatchObject({ key: "raw/bad-matrix/bad.mtx" });
      });

      it("fails a truncated .csv.gz (which DuckDB alone reads as its first rows): a failed run, nothing in processed", async () => {
        const { lake, root } = opened;
        const lines = ["id,score"];
        for (let i = 0; i < 50_000; i++) lines.push(`${i},${(i * 7919) % 1000}`);
        const full = gzipSync(`${lines.join("\n")}\n`);
        const cut = join(root, "cut.csv.gz");
        await writeFile(cut, full.subarray(0, Math.floor(full.length / 2)));
        await lake.addFiles([cut], { dataset: "cut-table", source: "lab" });
        await expect(convertDataset(lake, "cut-table")).rejects.toMatchObject({
          code: "compressed_truncated",
        });
        expect(await lake.catalog.findDataset("cut-table", "processed")).toBeUndefined();
        const runs = await lake.catalog.listRuns({ step: "convert", status: "failed" });
        expect(runs.items[0]?.error?.message).toMatch(/ends early at compressed byte \d+/);
        expect(runs.items[0]?.inputs[0]).toMatchObject({ key: "raw/cut-table/cut.csv.gz" });
      });
    },
  );
}
