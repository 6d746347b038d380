import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DataFrame } from "../src/frame/data-frame.js";
import { CATEGORIES_METADATA_KEY, writeDataFrameParquet } from "../src/parquet/data-frame-parquet-writer.js";
import { writeTripletsParquet } from "../src/parquet/triplet-parquet-writer.js";
import type { TripletBatch } from "../src/parquet/triplet-parquet-writer.js";
import { query } from "./helpers/read-parquet.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "omicslake-parquet-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("writeDataFrameParquet", () => {
  it("writes every column type with nulls, the index first, and category metadata", async () => {
    const frame: DataFrame = {
      rowCount: 3,
      index: { name: "cells", type: { kind: "string" }, values: ["c1", "c2", "c3"] },
      columns: [
        { name: "i32", type: { kind: "int32" }, values: [1, -2, 3], valid: Uint8Array.of(1, 1, 0) },
        { name: "i64", type: { kind: "int64" }, values: BigInt64Array.of(9007199254740993n, 0n, -5n) },
        { name: "f32", type: { kind: "float32" }, values: Float32Array.of(0.5, Number.NaN, 2) },
        { name: "f64", type: { kind: "float64" }, values: [1.25, 2.5, 3.75], valid: Uint8Array.of(0, 1, 1) },
        { name: "flag", type: { kind: "bool" }, values: [true, false, true], valid: Uint8Array.of(1, 0, 1) },
        { name: "label", type: { kind: "string" }, values: ["a", null, "ü'q"] },
        {
          name: "ts",
          type: { kind: "timestamp", unit: "ms" },
          values: [0, 86_400_000, Date.UTC(2024, 1, 29, 12)],
        },
        {
          name: "cell_type",
          type: { kind: "categorical", categories: ["T", "B", "unused"], ordered: false },
          values: Int8Array.of(1, -1, 0),
        },
        { name: "emb", type: { kind: "float64_list", size: 2 }, values: Float64Array.of(1, 2, 3, 4, 5, 6) },
      ],
    };
    const path = join(dir, "obs.parquet");
    const result = await writeDataFrameParquet(frame, path, { metadata: { source: "test" } });
    expect(result.rows).toBe(3);
    expect(result.fields.map((f) => f.name)).toEqual([
      "_index",
      "i32",
      "i64",
      "f32",
      "f64",
      "flag",
      "label",
      "ts",
      "cell_type",
      "emb",
    ]);
    expect(result.fields.find((f) => f.name === "cell_type")?.nullable).toBe(true);
    const rows = await query(
      `SELECT _index, i32, i64::VARCHAR AS i64, f32, f64, flag, label, epoch_ms(ts)::DOUBLE AS ts, cell_type, emb FROM '${path}' ORDER BY _index`,
    );
    expect(rows).toEqual([
      {
        _index: "c1",
        i32: 1,
        i64: "9007199254740993",
        f32: 0.5,
        f64: null,
        flag: true,
        label: "a",
        ts: 0,
        cell_type: "B",
        emb: [1, 2],
      },
      {
        _index: "c2",
        i32: -2,
        i64: "0",
        f32: Number.NaN,
        f64: 2.5,
        flag: null,
        label: null,
        ts: 86_400_000,
        cell_type: null,
        emb: [3, 4],
      },
      {
        _index: "c3",
        i32: null,
        i64: "-5",
        f32: 2,
        f64: 3.75,
        flag: true,
        label: "ü'q",
        ts: Date.UTC(2024, 1, 29, 12),
        cell_type: "T",
        emb: [5, 6],
      },
    ]);
    const meta = await query(
      `SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('${path}')`,
    );
    const kv = Object.fromEntries(meta.map((m) => [String(m["k"]), String(m["v"])])) as Record<
      string,
      string
    >;
    expect(kv["source"]).toBe("test");
    expect(JSON.parse(kv[CATEGORIES_METADATA_KEY] ?? "null")).toEqual({
      cell_type: { categories: ["T", "B", "unused"], ordered: false },
    });
    expect(await readdir(dir)).toEqual(["obs.parquet"]);
  });

  it("refuses a categorical code outside its categories and leaves no file", async () => {
    const frame: DataFrame = {
      rowCount: 1,
      columns: [{ name: "c", type: { kind: "categorical", categories: ["x"], ordered: false }, values: [3] }],
    };
    await expect(writeDataFrameParquet(frame, join(dir, "bad.parquet"))).rejects.toThrow(
      /code 3 outside its 1 categories/,
    );
    expect(await readdir(dir)).toEqual([]);
  });
});

describe("writeTripletsParquet", () => {
  it("streams batches across vector boundaries and keeps their order", async () => {
    const size = 5000;
    const cell = new Int32Array(size);
    const gene = new Int32Array(size);
    const value = new Float32Array(size);
    let emitted = 0;
    const total = 12_345;
    const path = join(dir, "m.parquet");
    let expectedSum = 0;
    const result = await writeTripletsParquet(
      path,
      (): TripletBatch | undefined => {
        if (emitted >= total) return undefined;
        const n = Math.min(size, total - emitted);
        for (let i = 0; i < n; i++) {
          const k = emitted + i;
          cell[i] = Math.floor(k / 7);
          gene[i] = k % 7;
          value[i] = (k % 11) + 0.5;
          expectedSum += (k % 11) + 0.5;
        }
        emitted += n;
        return { cell, gene, value, length: n };
      },
      { valueType: "float32" },
    );
    expect(result.rows).toBe(total);
    expect(result.fields).toEqual([
      { name: "cell_idx", type: "INTEGER", nullable: false },
      { name: "gene_idx", type: "INTEGER", nullable: false },
      { name: "value", type: "FLOAT", nullable: false },
    ]);
    const [agg] = await query(
      `SELECT count(*)::INTEGER AS n, sum(value)::DOUBLE AS s, max(cell_idx) AS mc FROM '${path}'`,
    );
    expect(agg).toEqual({ n: total, s: expectedSum, mc: Math.floor((total - 1) / 7) });
    const ordered = await query(
      `SELECT count(*)::INTEGER AS bad FROM (SELECT cell_idx * 7 + gene_idx AS k, row_number() OVER () - 1 AS r FROM '${path}') WHERE k <> r`,
    );
    expect(ordered[0]?.["bad"]).toBe(0);
  });

  it("rethrows the source's error and leaves nothing behind", async () => {
    let calls = 0;
    const failure = new Error("source broke");
    const path = join(dir, "m.parquet");
    const promise = writeTripletsParquet(
      path,
      () => {
        calls++;
        if (calls > 3) throw failure;
        return {
          cell: new Int32Array(3000),
          gene: new Int32Array(3000),
          value: new Int32Array(3000),
          length: 3000,
        };
      },
      { valueType: "int32" },
    );
    await expect(promise).rejects.toBe(failure);
    expect(await readdir(dir)).toEqual([]);
  });
});
