import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  CellFilter,
  CellValue,
  CorrelationMethod,
  ExpressionEngine,
  SubsetBatch,
  SubsetRequest,
} from "@omicslake/expression";
import { numpyMissing, numpyReference, type ReferenceStats } from "./support/numpy-reference.js";
import { readTenxTestMatrix, TENX_FIXTURE, tenxFixtureMissing } from "./support/tenx-test-matrix.js";
import {
  denseEntries,
  writeTestStore,
  type TestCell,
  type TestMatrix,
  type WrittenTestStore,
} from "./support/write-test-store.js";

/**
 * The tests every expression engine passes, from one body: each engine file calls
 * `describeEngineConformance("duckdb", () => createDuckDbEngine({}))`. Stores are written by
 * support/write-test-store.ts from matrices whose statistics numpy computes independently (dense, zeros
 * included), and the engine must agree to 1e-9 relative.
 */
export interface ConformanceOptions {
  /** Registers the tests as skipped, with this message, when the engine cannot run here. */
  readonly skip?: string;
}

/** Relative agreement with numpy, with a floor for values that are 0 in exact arithmetic. */
export function expectClose(actual: number | null | undefined, expected: number | null, what: string): void {
  if (expected === null) {
    expect(actual ?? null, `${what}: expected null`).toBeNull();
    return;
  }
  expect(actual, `${what}: expected ${expected}`).not.toBeNull();
  expect(actual, `${what}: expected ${expected}`).not.toBeUndefined();
  const a = actual as number;
  const tolerance = 1e-9 * Math.max(Math.abs(a), Math.abs(expected)) + 1e-12;
  expect(Math.abs(a - expected), `${what}: got ${a}, expected ${expected}`).toBeLessThanOrEqual(tolerance);
}

/** A small generator with a seed, so every run writes the same matrix. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const CELLS = 16;
/**
 * 10 genes × 16 cells with every case the statistics must get right: sparse counts, negative values (scaled
 * data), a gene never expressed, a gene equal in every cell, a gene nonzero in every cell, a repeated symbol
 * (LYZ twice), fractions, a gene that is another times two (r = 1), a gene expressed only in a one-cell group.
 * Cells: groups "B cell" (6), "T cell" (6), "solo" (1), and 3 cells without a cell type (one with no metadata).
 */
export function mixedTestMatrix(): TestMatrix {
  const rand = seeded(12);
  const sparse = (p: number, scale: number, round: boolean): number[] =>
    Array.from({ length: CELLS }, () => {
      if (rand() > p) return 0;
      const v = 1 + rand() * scale;
      return round ? Math.round(v) : v;
    });
  const g0 = sparse(0.5, 6, true);
  const dense: number[][] = [
    g0,
    Array.from({ length: CELLS }, (_, i) => (i % 3 === 0 ? 0 : Math.round((rand() - 0.5) * 8) || -1)),
    Array.from({ length: CELLS }, () => 0),
    Array.from({ length: CELLS }, () => 5),
    Array.from({ length: CELLS }, () => 1 + Math.round(rand() * 9)),
    sparse(0.4, 3, true),
    sparse(0.6, 4, true),
    sparse(0.5, 2.5, false),
    g0.map((v) => v * 2),
    Array.from({ length: CELLS }, (_, i) => (i === 12 ? 7 : 0)),
  ];
  const types = ["B cell", "T cell"];
  const cells: TestCell[] = Array.from({ length: CELLS }, (_, i) => {
    if (i === 15) return { cell: `c${i}` };
    const cellType = i < 12 ? (types[i % 2] as string) : i === 12 ? "solo" : null;
    return {
      cell: i === 3 ? "c1" : `c${i}`, // a repeated barcode, made unique
      meta: {
        cell_type: cellType,
        donor: i % 3 === 0 ? "d1" : "d2",
        n_count: 100 + i * 10,
        flag: i % 4 === 0,
      },
    };
  });
  return {
    dataset: "mixed",
    genes: dense.map((_, i) => ({
      gene_id: `ENSG${String(i).padStart(5, "0")}`,
      symbol: i === 5 || i === 6 ? "LYZ" : i === 2 ? null : `G${i}`,
      extra: { biotype: i % 2 === 0 ? "protein_coding" : "lncRNA" },
    })),
    cells,
    entries: denseEntries(dense),
  };
}

/** Source cell indexes that meet `filter`, evaluated in JS on the matrix's metadata. */
function matching(matrix: TestMatrix, filter: CellFilter): number[] {
  const out: number[] = [];
  matrix.cells.forEach((cell, i) => {
    const ok = Object.entries(filter).every(([column, condition]) => {
      const v: CellValue = cell.meta?.[column] ?? null;
      if ("in" in condition) return condition.in.some((x) => (x === null ? v === null : x === v));
      if (v === null) return false;
      if (condition.min !== undefined && (v as number) < (condition.min as number)) return false;
      if (condition.max !== undefined && (v as number) > (condition.max as number)) return false;
      return true;
    });
    if (ok) out.push(i);
  });
  return out;
}

async function collect(iterable: AsyncIterable<SubsetBatch>): Promise<SubsetBatch[]> {
  const out: SubsetBatch[] = [];
  for await (const batch of iterable) out.push(batch);
  return out;
}

function flatten(batches: readonly SubsetBatch[]): [number, number, number][] {
  return batches.flatMap((b) =>
    Array.from({ length: b.length }, (_, i): [number, number, number] => [
      b.cell[i] as number,
      b.gene[i] as number,
      b.value[i] as number,
    ]),
  );
}

export function describeEngineConformance(
  name: string,
  makeEngine: () => Promise<ExpressionEngine>,
  options: ConformanceOptions = {},
): void {
  if (options.skip !== undefined) {
    describe.skip(`${name} engine conformance (${options.skip})`, () => {
      it("is skipped", () => undefined);
    });
    return;
  }
  const noNumpy = numpyMissing();
  if (noNumpy !== undefined) console.warn(`${name} conformance: numpy cases skipped: ${noNumpy}`);
  const noTenx = tenxFixtureMissing();
  if (noTenx !== undefined) console.warn(`${name} conformance: 10x fixture cases skipped: ${noTenx}`);

  describe(`${name} engine conformance`, () => {
    let engine: ExpressionEngine;
    let tmp: string;
    let stores = 0;
    const write = async (matrix: TestMatrix): Promise<WrittenTestStore> => {
      const store = await writeTestStore(join(tmp, `store${++stores}`), matrix);
      await engine.prepare(store);
      return store;
    };

    beforeAll(async () => {
      tmp = await mkdtemp(join(tmpdir(), "expr-conformance-"));
      engine = await makeEngine();
    });
    afterAll(async () => {
      await engine?.close();
      if (tmp) await rm(tmp, { recursive: true, force: true });
    });

    describe("statistics with implicit zeros against numpy", () => {
      const matrix = mixedTestMatrix();
      const genes = matrix.genes.length;
      const filters: Record<string, CellFilter> = {
        all: {},
        "B cell": { cell_type: { in: ["B cell"] } },
        "T cell": { cell_type: { in: ["T cell"] } },
        solo: { cell_type: { in: ["solo"] } },
        "both types": { cell_type: { in: ["B cell", "T cell"] } },
        "no type": { cell_type: { in: [null] } },
        "donor d1, n_count >= 130": { donor: { in: ["d1"] }, n_count: { min: 130 } },
        "n_count 120..200 and flagged": { n_count: { min: 120, max: 200 }, flag: { in: [true] } },
      };
      let store: WrittenTestStore;
      let reference: Record<string, ReferenceStats>;
      // Every pair over all cells and one group; elsewhere the pairs that hold the special genes (negative,
      // never expressed, constant, everywhere, proportional, one-cell), so the file stays quick on a slow server.
      const everyPair = Array.from({ length: genes }, (_, a) =>
        Array.from({ length: genes - a }, (_, i): [number, number] => [a, a + i]),
      ).flat();
      const somePairs: [number, number][] = [
        [0, 1],
        [0, 8],
        [1, 4],
        [2, 5],
        [3, 4],
        [4, 7],
        [5, 6],
        [7, 9],
        [1, 1],
      ];
      const pairsFor = (label: string): [number, number][] =>
        label === "all" || label === "T cell" ? everyPair : somePairs;
      const topGenesFor = (label: string): number[] =>
        label === "all" ? Array.from({ length: genes }, (_, i) => i) : [0, 1, 4, 9];

      beforeAll(async () => {
        store = await write(matrix);
        if (noNumpy !== undefined) return;
        reference = numpyReference({
          genes,
          cells: CELLS,
          entries: matrix.entries,
          cellSets: Object.fromEntries(Object.entries(filters).map(([k, f]) => [k, matching(matrix, f)])),
          correlate: Array.from({ length: genes }, (_, i) => i),
        });
      });

      it.skipIf(noNumpy !== undefined)("pair correlations (Pearson and Spearman), n and means", async () => {
        for (const [label, filter] of Object.entries(filters)) {
          const ref = reference[label] as ReferenceStats;
          const cells = new Set(matching(matrix, filter));
          for (const method of ["pearson", "spearman"] as CorrelationMethod[]) {
            for (const [a, b] of pairsFor(label)) {
              {
                const what = `${method} ${a}~${b} over ${label}`;
                const got = await engine.correlation(store, { a, b, method, cells: filter });
                expect(got.n, what).toBe(ref.n);
                expectClose(got.r, ref[method][String(a)]?.[b] ?? null, what);
                if (got.r === null) expect(got.undefined_reason, what).toBeDefined();
                expectClose(got.mean_a, ref.mean[a] ?? null, `${what} mean_a`);
                expectClose(got.mean_b, ref.mean[b] ?? null, `${what} mean_b`);
                const both = matrix.entries.filter(
                  ([g, c]) =>
                    g === a && cells.has(c) && matrix.entries.some(([g2, c2]) => g2 === b && c2 === c),
                ).length;
                expect(got.n_both_expressing, what).toBe(both);
              }
            }
          }
        }
      });

      it.skipIf(noNumpy !== undefined)("a one-cell group and an empty set make r undefined", async () => {
        const one = await engine.correlation(store, {
          a: 0,
          b: 4,
          method: "pearson",
          cells: filters.solo ?? {},
        });
        expect(one).toMatchObject({ r: null, n: 1, undefined_reason: "too_few_cells" });
        const none = await engine.correlation(store, {
          a: 0,
          b: 4,
          method: "pearson",
          cells: { donor: { in: ["nobody"] } },
        });
        expect(none).toMatchObject({ r: null, n: 0, n_both_expressing: 0 });
        const constant = await engine.correlation(store, { a: 3, b: 4, method: "spearman", cells: {} });
        expect(constant).toMatchObject({ r: null, undefined_reason: "constant" });
      });

      it.skipIf(noNumpy !== undefined)("top-k correlated genes, by r and by |r|", async () => {
        for (const [label, filter] of Object.entries(filters)) {
          const ref = reference[label] as ReferenceStats;
          for (const method of ["pearson", "spearman"] as CorrelationMethod[]) {
            for (const gene of topGenesFor(label)) {
              const row = ref[method][String(gene)] as (number | null)[];
              const defined = row.flatMap((r, g) => (g !== gene && r !== null ? [{ g, r }] : []));
              for (const order of ["r", "abs"] as const) {
                for (const k of label === "all" ? [3, genes] : [4]) {
                  const what = `${method} top ${k} by ${order} of ${gene} over ${label}`;
                  const got = await engine.topCorrelated(store, { gene, method, cells: filter, k, order });
                  expect(got.n, what).toBe(ref.n);
                  expect(got.rows.length, what).toBe(Math.min(k, defined.length));
                  expect(got.undefined_genes, what).toBe(genes - 1 - defined.length);
                  const key = (r: number): number => (order === "abs" ? Math.abs(r) : r);
                  const expectedKeys = defined.map((d) => key(d.r)).sort((x, y) => y - x);
                  got.rows.forEach((r, i) => {
                    expect(r.gene_idx, what).not.toBe(gene);
                    expectClose(r.r, row[r.gene_idx] ?? null, `${what} gene ${r.gene_idx}`);
                    expectClose(key(r.r), expectedKeys[i] ?? null, `${what} rank ${i}`);
                  });
                }
              }
            }
          }
        }
      });

      it.skipIf(noNumpy !== undefined)(
        "variability: CV ranked, undefined after defined, min_mean, paging",
        async () => {
          for (const [label, filter] of Object.entries(filters)) {
            const ref = reference[label] as ReferenceStats;
            for (const minMean of [0, 0.5]) {
              const what = `variability over ${label}, min_mean ${minMean}`;
              const got = await engine.variability(store, { cells: filter, min_mean: minMean, limit: genes });
              const kept = Array.from({ length: genes }, (_, g) => g).filter(
                (g) => (ref.mean[g] ?? 0) >= minMean,
              );
              expect(got.n, what).toBe(ref.n);
              expect(got.total, what).toBe(kept.length);
              expect(
                got.rows.map((r) => r.gene_idx).sort((x, y) => x - y),
                what,
              ).toEqual(kept);
              let seenNull = false;
              let previous = Infinity;
              for (const row of got.rows) {
                const g = row.gene_idx;
                expectClose(row.cv, ref.n < 2 ? null : (ref.cv[g] ?? null), `${what} cv of ${g}`);
                expectClose(row.mean, ref.mean[g] ?? null, `${what} mean of ${g}`);
                if (ref.n >= 2)
                  expectClose(row.variance, ref.variance[g] ?? null, `${what} variance of ${g}`);
                expectClose(
                  row.fraction,
                  ref.n === 0 ? 0 : (ref.n_expressing[g] as number) / ref.n,
                  `${what} fraction`,
                );
                expect(row.n_expressing, what).toBe(ref.n_expressing[g]);
                if (row.cv === null) {
                  seenNull = true;
                  expect(row.undefined_reason, what).toBeDefined();
                } else {
                  expect(seenNull, `${what}: defined CV after an undefined one`).toBe(false);
                  expect(row.cv, what).toBeLessThanOrEqual(previous);
                  previous = row.cv;
                }
              }
              const paged = [];
              for (let offset = 0; offset < kept.length; offset += 3) {
                const page = await engine.variability(store, {
                  cells: filter,
                  min_mean: minMean,
                  limit: 3,
                  offset,
                });
                expect(page.total, what).toBe(kept.length);
                paged.push(...page.rows.map((r) => r.gene_idx));
              }
              expect(paged, `${what}, paged by 3`).toEqual(got.rows.map((r) => r.gene_idx));
            }
          }
        },
      );

      it("a gene with mean 0 has an undefined CV with reason zero_mean", async () => {
        const got = await engine.variability(store, { cells: {}, min_mean: 0, limit: genes });
        const never = got.rows.find((r) => r.gene_idx === 2);
        expect(never).toMatchObject({
          cv: null,
          mean: 0,
          variance: 0,
          fraction: 0,
          undefined_reason: "zero_mean",
        });
        expect(got.rows.at(-1)?.cv).toBeNull();
        const constant = got.rows.find((r) => r.gene_idx === 3);
        expect(constant).toMatchObject({ cv: 0, mean: 5, variance: 0, fraction: 1 });
      });

      it("aggregates per group: n_cells, mean, fraction, sum, mean over expressing cells", async () => {
        const requested = [0, 1, 2, 9];
        for (const filter of [{}, { donor: { in: ["d2"] } }] as CellFilter[]) {
          const rows = await engine.aggregates(store, { genes: requested, by: "cell_type", cells: filter });
          const cells = matching(matrix, filter);
          const groups = [...new Set(cells.map((c) => matrix.cells[c]?.meta?.cell_type ?? null))];
          expect(rows.length).toBe(groups.length * requested.length);
          for (const group of groups) {
            const members = cells.filter((c) => (matrix.cells[c]?.meta?.cell_type ?? null) === group);
            for (const gene of requested) {
              const values = members.map(
                (c) => matrix.entries.find(([g, cc]) => g === gene && cc === c)?.[2] ?? 0,
              );
              const nz = values.filter((v) => v !== 0);
              const sum = values.reduce((a, b) => a + b, 0);
              const row = rows.find((r) => r.group === group && r.gene_idx === gene);
              const what = `aggregate of ${gene} in ${String(group)}`;
              expect(row, what).toBeDefined();
              expect(row?.n_cells, what).toBe(members.length);
              expectClose(row?.sum, sum, `${what} sum`);
              expectClose(row?.mean, sum / members.length, `${what} mean`);
              expectClose(row?.fraction, nz.length / members.length, `${what} fraction`);
              expectClose(
                row?.mean_expressing,
                nz.length === 0 ? null : nz.reduce((a, b) => a + b, 0) / nz.length,
                `${what} mean_expressing`,
              );
            }
          }
        }
      });

      it("genes: keyset pages, unique names for a repeated symbol, q, where", async () => {
        const pages = [];
        let after: number | undefined;
        for (;;) {
          const page = await engine.genes(store, { limit: 3, ...(after === undefined ? {} : { after }) });
          if (page.length === 0) break;
          expect(page.length).toBeLessThanOrEqual(3);
          pages.push(...page);
          after = page.at(-1)?.gene_idx;
        }
        expect(pages.map((g) => g.gene_idx)).toEqual(Array.from({ length: genes }, (_, i) => i));
        expect(pages.map((g) => g.gene)).toEqual([
          "G0",
          "G1",
          "ENSG00002",
          "G3",
          "G4",
          "LYZ",
          "LYZ.1",
          "G7",
          "G8",
          "G9",
        ]);
        expect(pages[2]).toMatchObject({ gene_id: "ENSG00002", symbol: null, n_expressing: 0, mean: 0 });
        expect(pages[3]).toMatchObject({ n_expressing: CELLS, mean: 5, biotype: "lncRNA" });
        const lyz = await engine.genes(store, { limit: 10, q: "lyz" });
        expect(lyz.map((g) => g.gene)).toEqual(["LYZ", "LYZ.1"]);
        const byId = await engine.genes(store, { limit: 10, q: "ensg00004" });
        expect(byId.map((g) => g.gene_idx)).toEqual([4]);
        const coding = await engine.genes(store, {
          limit: 10,
          where: { biotype: { in: ["protein_coding"] } },
        });
        expect(coding.map((g) => g.gene_idx)).toEqual([0, 2, 4, 6, 8]);
      });

      it("cells: keyset pages with a filter, counts per group, distinct values", async () => {
        const filter: CellFilter = { donor: { in: ["d2"] } };
        const seen: number[] = [];
        let after: number | undefined;
        for (;;) {
          const page = await engine.cells(store, {
            limit: 4,
            where: filter,
            ...(after === undefined ? {} : { after }),
          });
          if (page.length === 0) break;
          seen.push(...page.map((c) => c.cell_idx));
          after = page.at(-1)?.cell_idx;
        }
        const expected = matching(matrix, filter)
          .map((c) => store.cellIdxOfSource[c] as number)
          .sort((a, b) => a - b);
        expect(seen).toEqual(expected);
        const all = await engine.cells(store, { limit: 100 });
        expect(all.length).toBe(CELLS);
        expect(new Set(all.map((c) => c.cell)).size).toBe(CELLS);
        expect(all.map((c) => c.cell)).toContain("c1.1");
        const c5 = all.find((c) => c.cell === "c5");
        expect(c5).toMatchObject({ cell_type: "T cell", donor: "d2", n_count: 150, flag: false });

        const counts = await engine.countCells(store, {}, "cell_type");
        expect(counts).toEqual(
          expect.arrayContaining([
            { value: "B cell", cells: 6 },
            { value: "T cell", cells: 6 },
            { value: "solo", cells: 1 },
            { value: null, cells: 3 },
          ]),
        );
        expect(counts.length).toBe(4);
        expect(await engine.countCells(store, { donor: { in: ["d1"] } }, null)).toEqual([
          { value: null, cells: matching(matrix, { donor: { in: ["d1"] } }).length },
        ]);
        const values = await engine.distinctValues(store, "cell_type", 10);
        expect([...values].sort()).toEqual(["B cell", "T cell", "solo", null].sort());
        expect((await engine.distinctValues(store, "cell_type", 2)).length).toBe(2);
      });

      it("subset: nonzeros by (cell, gene) in batches of at most batchRows, by filter and by ids", async () => {
        const subsetGenes = [4, 0, 1, 2];
        const filter: CellFilter = { cell_type: { in: ["T cell", "solo"] } };
        const cells = new Set(matching(matrix, filter).map((c) => store.cellIdxOfSource[c] as number));
        const expected = matrix.entries
          .map(([g, c, v]): [number, number, number] => [store.cellIdxOfSource[c] as number, g, v])
          .filter(([c, g]) => cells.has(c) && subsetGenes.includes(g))
          .sort((x, y) => x[0] - y[0] || x[1] - y[1]);
        expect(expected.length).toBeGreaterThan(7);
        for (const batchRows of [1, 2, 7, 10_000]) {
          const request: SubsetRequest = { genes: subsetGenes, cells: { where: filter }, batchRows };
          const batches = await collect(engine.subset(store, request));
          batches.forEach((b, i) => {
            expect(b.length).toBeLessThanOrEqual(batchRows);
            if (i < batches.length - 1) expect(b.length).toBe(batchRows);
          });
          expect(flatten(batches), `batchRows ${batchRows}`).toEqual(expected);
        }
        const ids = [...cells].slice(0, 3);
        const byIds = flatten(
          await collect(engine.subset(store, { genes: subsetGenes, cells: { ids }, batchRows: 2 })),
        );
        expect(byIds).toEqual(expected.filter(([c]) => ids.includes(c)));
        // Stopping early frees what the stream held: later queries still answer.
        for await (const batch of engine.subset(store, {
          genes: subsetGenes,
          cells: { where: {} },
          batchRows: 1,
        })) {
          expect(batch.length).toBe(1);
          break;
        }
        const after = await engine.countCells(store, {}, null);
        expect(after).toEqual([{ value: null, cells: CELLS }]);
        const none = await collect(engine.subset(store, { genes: [2], cells: { where: {} }, batchRows: 5 }));
        expect(flatten(none)).toEqual([]);
      });
    });

    describe("subsets across many row groups", () => {
      it("keep (cell, gene) order for long gene lists and filters that become joins", async () => {
        // Big enough that a parallel engine splits the scan and a long IN list or a semi-join is planned as
        // a join: order must still hold.
        const rand = seeded(7);
        const genes = 200;
        const cells = 1500;
        const entries: [number, number, number][] = [];
        for (let c = 0; c < cells; c++)
          for (let g = 0; g < genes; g++)
            if (rand() < 0.08) entries.push([g, c, 1 + Math.floor(rand() * 20)]);
        const matrix: TestMatrix = {
          dataset: "wide",
          genes: Array.from({ length: genes }, (_, i) => ({ symbol: `W${i}` })),
          cells: Array.from({ length: cells }, (_, i) => ({
            cell: `w${i}`,
            meta: { cell_type: `t${i % 3}`, depth: i % 17 },
          })),
          entries,
        };
        const store = await write(matrix);
        const wanted = new Set(Array.from({ length: 120 }, (_, i) => (i * 7) % genes));
        const filters: CellFilter[] = [
          {},
          { cell_type: { in: ["t0", "t2"] } },
          { depth: { min: 3, max: 12 } },
        ];
        for (const where of filters) {
          const chosen = new Set(matching(matrix, where).map((c) => store.cellIdxOfSource[c] as number));
          const expected = entries
            .map(([g, c, v]): [number, number, number] => [store.cellIdxOfSource[c] as number, g, v])
            .filter(([c, g]) => chosen.has(c) && wanted.has(g))
            .sort((x, y) => x[0] - y[0] || x[1] - y[1]);
          const got = await collect(
            engine.subset(store, { genes: [...wanted], cells: { where }, batchRows: 997 }),
          );
          expect(flatten(got), `subset over ${JSON.stringify(where)}`).toEqual(expected);
        }
      });
    });

    describe("a store without a group column", () => {
      it("has no group_stats, and answers every statistic from the values", async () => {
        const base = mixedTestMatrix();
        const store = await write({ ...base, dataset: "ungrouped", groupBy: null, valueType: "FLOAT" });
        expect(store.manifest.groupBy).toBeNull();
        expect(store.files.groupStats).toBeUndefined();
        const grouped = await write({ ...base, dataset: "grouped" });
        const cells: CellFilter = { cell_type: { in: ["T cell"] } };
        // Stored as FLOAT, gene 7's fractions differ from the DOUBLE store: compare what does not depend on them.
        const counts = await engine.countCells(store, cells, null);
        expect(counts).toEqual(await engine.countCells(grouped, cells, null));
        const a = await engine.variability(store, { cells, min_mean: 0, limit: 3 });
        const b = await engine.variability(grouped, { cells, min_mean: 0, limit: 3 });
        expect(a.n).toBe(b.n);
        expect(a.total).toBe(b.total);
        const pairA = await engine.correlation(store, { a: 0, b: 8, method: "pearson", cells });
        expect(pairA.r).toBeCloseTo(1, 12);
        const agg = await engine.aggregates(store, { genes: [3], by: "cell_type", cells: {} });
        expect(agg.find((r) => r.group === "T cell")).toMatchObject({ n_cells: 6, mean: 5, sum: 30 });
      });
    });

    describe("odd names and values in filters", () => {
      const odd = `we"ird'; DROP TABLE x; --`;
      const wide = "ünïcødé 名前 col";
      const matrix: TestMatrix = {
        dataset: `odd"; name`,
        genes: [{ symbol: "A" }, { symbol: "B'" }],
        cells: [
          { cell: "x'1", meta: { cell_type: `it's "odd"; --`, [odd]: "o'ne", [wide]: 1.5 } },
          { cell: "x2", meta: { cell_type: `it's "odd"; --`, [odd]: 't"wo; DELETE', [wide]: 2.5 } },
          { cell: "x3", meta: { cell_type: "plain", [odd]: "名前", [wide]: null } },
        ],
        entries: denseEntries([
          [1, 2, 3],
          [4, 0, 6],
        ]),
      };
      let store: WrittenTestStore;
      beforeAll(async () => {
        store = await write(matrix);
      });

      it("quotes column names and values so any text stays a name or a value", async () => {
        expect(await engine.countCells(store, { [odd]: { in: ['t"wo; DELETE', "名前"] } }, null)).toEqual([
          { value: null, cells: 2 },
        ]);
        expect(await engine.countCells(store, { [wide]: { min: 2 } }, odd)).toEqual([
          { value: 't"wo; DELETE', cells: 1 },
        ]);
        const cells = await engine.cells(store, { limit: 10, where: { [odd]: { in: ["o'ne"] } } });
        expect(cells.map((c) => c.cell)).toEqual(["x'1"]);
        expect(cells[0]?.[wide]).toBe(1.5);
        expect([...(await engine.distinctValues(store, odd, 10))].sort()).toEqual(
          ["o'ne", 't"wo; DELETE', "名前"].sort(),
        );
        const pair = await engine.correlation(store, {
          a: 0,
          b: 1,
          method: "pearson",
          cells: { cell_type: { in: [`it's "odd"; --`] } },
        });
        expect(pair.n).toBe(2);
        const agg = await engine.aggregates(store, {
          genes: [0, 1],
          by: odd,
          cells: { [wide]: { in: [null] } },
        });
        expect(agg).toEqual([
          { group: "名前", gene_idx: 0, n_cells: 1, mean: 3, fraction: 1, sum: 3, mean_expressing: 3 },
          { group: "名前", gene_idx: 1, n_cells: 1, mean: 6, fraction: 1, sum: 6, mean_expressing: 6 },
        ]);
        const genes = await engine.genes(store, { limit: 10, q: "b'" });
        expect(genes.map((g) => g.gene)).toEqual(["B'"]);
      });
    });

    describe("genes far from zero relative to their spread", () => {
      // Values near 1e5 that vary by about 1: the fast top-k sums (Σ q·x − Σq·Σx / n) cancel there, so the
      // engine must notice and compute those r as exactly as its pair query does.
      it("ranks top-k with the precision of the pair query", async () => {
        const cells = Array.from({ length: 40 }, (_, i) => ({ cell: `c${i}`, meta: { cell_type: "T" } }));
        const wave = (i: number, phase: number): number => Math.sin(i * 0.7 + phase) * 0.9 + (i % 3) * 0.05;
        const entries: [number, number, number][] = [];
        for (let c = 0; c < cells.length; c++) {
          entries.push([0, c, 100_000 + wave(c, 0)]);
          entries.push([1, c, 100_003.25 + wave(c, 0.3) * 1.1]);
          entries.push([2, c, 99_998.5 + wave(c, 2.1)]);
          if (c % 4 === 0) entries.push([3, c, 2 + c / 10]);
        }
        const store = await write({
          dataset: "offset",
          genes: [{ symbol: "A" }, { symbol: "B" }, { symbol: "C" }, { symbol: "D" }],
          cells,
          entries,
          valueType: "DOUBLE",
        });
        const top = await engine.topCorrelated(store, {
          gene: 0,
          method: "pearson",
          cells: {},
          k: 3,
          order: "r",
        });
        expect(top.rows).toHaveLength(3);
        for (const row of top.rows) {
          const pair = await engine.correlation(store, {
            a: 0,
            b: row.gene_idx,
            method: "pearson",
            cells: {},
          });
          expectClose(row.r, pair.r, `top r(0, ${row.gene_idx}) against the pair query`);
        }
      });
    });

    describe("several builds side by side", () => {
      it("prepares concurrently, answers each build from its own files, and retires old ones", async () => {
        const base = mixedTestMatrix();
        const first = await writeTestStore(join(tmp, "side-1"), { ...base, dataset: "side", build: 1 });
        const second = await writeTestStore(join(tmp, "side-2"), {
          ...base,
          dataset: "side",
          build: 2,
          entries: base.entries.map(([g, c, v]): [number, number, number] => [g, c, v * 3]),
        });
        await Promise.all([engine.prepare(first), engine.prepare(first), engine.prepare(second)]);
        const [a, b] = await Promise.all([
          engine.genes(first, { limit: 1 }),
          engine.genes(second, { limit: 1 }),
        ]);
        expect((b[0]?.mean as number) / (a[0]?.mean as number)).toBeCloseTo(3, 12);
        await engine.retire("side", [2]);
        const again = await engine.genes(second, { limit: 1 });
        expect(again[0]?.mean).toBe(b[0]?.mean);
        // A retired build is made queryable again by prepare.
        await engine.prepare(first);
        expect((await engine.genes(first, { limit: 1 }))[0]?.mean).toBe(a[0]?.mean);
      });

      it("answers many queries at once, and close waits for those in flight", async () => {
        const other = await makeEngine();
        const store = await writeTestStore(join(tmp, "concurrent"), mixedTestMatrix());
        await other.prepare(store);
        const single = await other.correlation(store, { a: 0, b: 7, method: "pearson", cells: {} });
        const running = Array.from({ length: 12 }, (_, i) =>
          i % 2 === 0
            ? other.correlation(store, { a: 0, b: 7, method: "pearson", cells: {} })
            : other.variability(store, { cells: {}, min_mean: 0, limit: 3 }),
        );
        const closed = other.close();
        const results = await Promise.all(running);
        await closed;
        for (let i = 0; i < results.length; i += 2) expect(results[i]).toEqual(single);
      });
    });

    describe.skipIf(noTenx !== undefined)("the 10x v3 fixture against expected.json", () => {
      let store: WrittenTestStore;
      let expected: {
        nnz: number;
        pearson_all_cells_zeros_included: Record<string, number>;
        cv_by_cell_type_zeros_included_cell17_excluded: Record<
          string,
          Record<string, { cv_sample_sd: number; mean: number; n_cells: number }>
        >;
      };
      beforeAll(async () => {
        store = await write(await readTenxTestMatrix());
        expected = JSON.parse(await readFile(join(TENX_FIXTURE, "expected.json"), "utf8")) as typeof expected;
      });
      const geneIdx = (gene: string): number => Number(gene.replace("GENE", ""));

      it("has every nonzero, and one cell in no cluster", () => {
        expect(store.manifest.counts.nonzeros).toBe(expected.nnz);
        expect(store.manifest.cellsWithoutGroup).toBe(1);
        expect(store.manifest.groupBy).toBe("Cluster");
      });

      it("Pearson pairs over all cells", async () => {
        for (const [pair, r] of Object.entries(expected.pearson_all_cells_zeros_included)) {
          const [a, b] = pair.split("|").map(geneIdx) as [number, number];
          const got = await engine.correlation(store, { a, b, method: "pearson", cells: {} });
          expect(got.n).toBe(store.manifest.counts.cells);
          expectClose(got.r, r, pair);
          const top = await engine.topCorrelated(store, {
            gene: a,
            method: "pearson",
            cells: {},
            k: 2000,
            order: "r",
          });
          expectClose(top.rows.find((row) => row.gene_idx === b)?.r, r, `${pair} in top-k`);
        }
      });

      it("CV per cell type, the cell without metadata in none", async () => {
        for (const [cluster, perGene] of Object.entries(
          expected.cv_by_cell_type_zeros_included_cell17_excluded,
        )) {
          const cells: CellFilter = { Cluster: { in: [cluster] } };
          const got = await engine.variability(store, { cells, min_mean: 0, limit: 5000 });
          // Also through the general filter path: the same cells named by a second condition.
          const general = await engine.variability(store, {
            cells: { ...cells, nCount: { min: 0 } },
            min_mean: 0,
            limit: 5000,
          });
          for (const [gene, e] of Object.entries(perGene)) {
            expect(got.n).toBe(e.n_cells);
            expect(general.n).toBe(e.n_cells);
            for (const result of [got, general]) {
              const row = result.rows.find((r) => r.gene_idx === geneIdx(gene));
              expectClose(row?.cv, e.cv_sample_sd, `${cluster} ${gene} cv`);
              expectClose(row?.mean, e.mean, `${cluster} ${gene} mean`);
            }
          }
        }
      });
    });
  });
}
