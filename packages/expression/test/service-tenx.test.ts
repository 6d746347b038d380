import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertDataset } from "@omicslake/formats";
import type { OpenedLake } from "@omicslake/core/testing";
import {
  ExpressionService,
  LakeStoreAccess,
  buildExpressionStore,
  createDuckDbEngine,
  defaultExpressionCacheDir,
} from "@omicslake/expression";
import { expectClose } from "./engine-conformance.js";
import { addTenxFixture, formatFixtures, haveFormatFixtures, openFsLake } from "./support/store-test-lake.js";

// End to end as the CLI and the API ask: a 10x matrix converted in a lake, its store built with `Cluster` as
// the cell type column, then queried through the service by gene name and cell type. The numbers are numpy's.

if (!haveFormatFixtures) console.warn("service-tenx tests skipped: ../shared/fixtures/formats is absent");

interface Expected {
  pearson_all_cells_zeros_included: Record<string, number>;
  cv_by_cell_type_zeros_included_cell17_excluded: Record<
    string,
    Record<string, { cv_sample_sd: number; mean: number; n_cells: number }>
  >;
}

describe.skipIf(!haveFormatFixtures)("the expression service on the 10x fixture", () => {
  let opened: OpenedLake;
  let service: ExpressionService;
  let expected: Expected;

  beforeAll(async () => {
    opened = await openFsLake();
    await addTenxFixture(opened.lake, opened.root, "tenx");
    await convertDataset(opened.lake, "raw:tenx", { cellMetadata: "cells.tsv" });
    await buildExpressionStore(opened.lake, "tenx", { by: "Cluster", workDir: opened.root, threads: 1 });
    service = new ExpressionService({
      access: new LakeStoreAccess(opened.lake, { cacheDir: defaultExpressionCacheDir(opened.root) }),
      engine: await createDuckDbEngine({ threads: 1 }),
      limits: { maxResultValues: 1_000_000 },
    });
    expected = JSON.parse(
      await readFile(join(formatFixtures, "10x_v3", "expected.json"), "utf8"),
    ) as Expected;
  }, 300_000);
  afterAll(async () => {
    await service?.close();
    await opened?.dispose();
  });

  it("agrees with numpy on Pearson pairs over all cells, by gene name", async () => {
    const pairs = Object.entries(expected.pearson_all_cells_zeros_included);
    expect(pairs.length).toBeGreaterThan(0);
    for (const [pair, r] of pairs) {
      const [a, b] = pair.split("|") as [string, string];
      const result = await service.correlation("tenx", { gene_a: a, gene_b: b });
      expect(result.n).toBe(500);
      expectClose(result.r, r, `pearson ${pair}`);
    }
  });

  it("agrees with numpy on CV within each cell type, the cell without metadata in none", async () => {
    const types = Object.entries(expected.cv_by_cell_type_zeros_included_cell17_excluded);
    expect(types.length).toBeGreaterThan(0);
    for (const [cellType, genes] of types) {
      const result = await service.variability("tenx", { cell_type: cellType, limit: 500 });
      const byGene = new Map(result.data.map((row) => [row.gene, row]));
      let checked = 0;
      for (const [gene, want] of Object.entries(genes)) {
        expect(result.meta.n_cells, cellType).toBe(want.n_cells);
        const row = byGene.get(gene) ?? (await pageFor(cellType, gene));
        expectClose(row.cv, want.cv_sample_sd, `cv ${gene} in ${cellType}`);
        expectClose(row.mean, want.mean, `mean ${gene} in ${cellType}`);
        checked++;
      }
      expect(checked).toBeGreaterThan(0);
    }
  });

  /** A gene's row further down the ranking, read page by page. */
  async function pageFor(cellType: string, gene: string) {
    let cursor: string | undefined;
    for (;;) {
      const page = await service.variability("tenx", {
        cell_type: cellType,
        limit: 500,
        ...(cursor !== undefined ? { cursor } : {}),
      });
      const row = page.data.find((r) => r.gene === gene);
      if (row !== undefined) return row;
      if (page.meta.next_cursor === null) throw new Error(`${gene} is not ranked in ${cellType}`);
      cursor = page.meta.next_cursor;
    }
  }
});
