import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import type { TestCell, TestEntry, TestMatrix } from "./write-test-store.js";

const repoRoot = resolve(fileURLToPath(new URL("../../../..", import.meta.url)));

/** The 10x v3 fixture (matrix.mtx.gz, features, barcodes, cells.tsv with Cluster) and its expected.json. */
export const TENX_FIXTURE = resolve(repoRoot, "../shared/fixtures/formats/10x_v3");

export function tenxFixtureMissing(): string | undefined {
  return existsSync(join(TENX_FIXTURE, "matrix.mtx.gz"))
    ? undefined
    : `the 10x fixture is not at ${TENX_FIXTURE}`;
}

/**
 * The fixture as a test matrix: genes from features.tsv (id, symbol), cells from barcodes.tsv with the
 * columns of cells.tsv (a barcode without a row there has no metadata, so no group), grouped by `Cluster`.
 */
export async function readTenxTestMatrix(dir = TENX_FIXTURE): Promise<TestMatrix> {
  const text = async (name: string): Promise<string> => {
    const bytes = await readFile(join(dir, name));
    return (name.endsWith(".gz") ? gunzipSync(bytes) : bytes).toString("utf8");
  };
  const lines = (s: string): string[] => s.split("\n").filter((l) => l.length > 0);
  const genes = lines(await text("features.tsv.gz")).map((line) => {
    const [id, symbol] = line.split("\t");
    return { gene_id: id ?? null, symbol: symbol ?? null };
  });
  const barcodes = lines(await text("barcodes.tsv.gz"));
  const [header, ...metaRows] = lines(await text("cells.tsv"));
  const columns = (header ?? "").split("\t").slice(1);
  const meta = new Map<string, Record<string, string | number>>();
  for (const row of metaRows) {
    const [name, ...values] = row.split("\t");
    meta.set(
      name ?? "",
      Object.fromEntries(columns.map((c, i) => [c, c === "nCount" ? Number(values[i]) : (values[i] ?? "")])),
    );
  }
  const cells: TestCell[] = barcodes.map((cell) => {
    const m = meta.get(cell);
    return m === undefined ? { cell } : { cell, meta: m };
  });
  const entries: TestEntry[] = [];
  let sizeSeen = false;
  for (const line of lines(await text("matrix.mtx.gz"))) {
    if (line.startsWith("%")) continue;
    const [a, b, c] = line.trim().split(/\s+/).map(Number);
    if (!sizeSeen) {
      sizeSeen = true;
      continue;
    }
    entries.push([(a as number) - 1, (b as number) - 1, c as number]);
  }
  return {
    dataset: "tenx",
    genes,
    cells,
    entries,
    groupBy: "Cluster",
    valueType: "INTEGER",
    cellTypes: { Cluster: "VARCHAR", Subject: "VARCHAR", nCount: "BIGINT" },
  };
}
