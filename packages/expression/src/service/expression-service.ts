import { createHash } from "node:crypto";
import { OmicslakeError, ValidationError, decodeCursor, encodeCursor } from "@omicslake/core";
import type { ExpressionEngine, StoreBuild } from "../engine/expression-engine.js";
import type {
  CellFilter,
  CellRow,
  CorrelationMethod,
  GeneRow,
  ResolvedGene,
  SubsetRequest,
} from "../model/expression-types.js";
import type { StoreAccess } from "../store/store-access.js";
import type { StoreColumn, StoreManifest } from "../store/store-layout.js";
import { writeSubset, checkSubsetLayout } from "../output/subset-writer.js";
import {
  SUBSET_MEDIA_TYPES,
  type SelectedCell,
  type SubsetLayout,
  type SubsetSource,
} from "../output/subset-source.js";
import { checkFilter, type RawFilter } from "./cell-filter-parser.js";
import { groupColumn, resolveSelection, type CellSelection } from "./cell-selection.js";
import { GeneIndex } from "./gene-index.js";

export interface ExpressionLimits {
  /** Largest subset: genes × cells for wide output or long output with zeros, nonzeros for long output. */
  readonly maxResultValues: number;
}

export interface ExpressionServiceOptions {
  readonly access: StoreAccess;
  readonly engine: ExpressionEngine;
  readonly limits: ExpressionLimits;
}

/** The API's page size rule, the top-k bound, and how many genes one subset or aggregate may name. */
export const MAX_PAGE = 500;
export const MAX_TOP_K = 1000;
export const MAX_REQUEST_GENES = 10_000;
const GENE_LOAD_PAGE = 10_000;
const CELL_PAGE = 4096;
const SUBSET_BATCH_ROWS = 65_536;

export interface PageQuery {
  readonly limit?: number;
  readonly cursor?: string;
}

export interface Page<T> {
  readonly data: T[];
  readonly meta: { readonly count: number; readonly next_cursor: string | null };
}

/** A gene as results name it. */
export interface GeneName {
  readonly gene: string;
  readonly gene_id: string | null;
  readonly symbol: string | null;
  readonly requested?: string;
  readonly same_symbol?: string[];
}

export interface CorrelationQuery extends CellSelection {
  readonly gene_a: string;
  readonly gene_b: string;
  readonly method?: CorrelationMethod;
}

export interface TopQuery extends CellSelection {
  readonly gene: string;
  readonly top: number;
  readonly method?: CorrelationMethod;
  readonly order?: "r" | "abs";
}

export interface VariabilityQuery extends CellSelection, PageQuery {
  readonly min_mean?: number;
}

export interface AggregateQuery extends CellSelection {
  readonly genes: readonly string[];
}

export interface SubsetQuery extends CellSelection {
  readonly genes: readonly string[];
  /** Cells by name; when given, `where` and `cell_type` must be left out. */
  readonly cells?: readonly string[];
  readonly layout: SubsetLayout;
}

/** A streamed subset: its media type and its bytes, produced as the consumer reads them. */
export interface SubsetStream {
  readonly mediaType: string;
  readonly body: AsyncIterable<string | Uint8Array>;
  readonly genes: number;
  readonly cells: number;
}

/** How a dataset is listed: its manifest's summary. */
export function manifestSummary(manifest: StoreManifest) {
  return {
    dataset: manifest.dataset,
    build: manifest.build,
    built_at: manifest.builtAt,
    source: {
      dataset: manifest.source.dataset,
      matrix: manifest.source.matrix,
      format: manifest.source.format,
    },
    genes: manifest.counts.genes,
    cells: manifest.counts.cells,
    nonzeros: manifest.counts.nonzeros,
    value_type: manifest.valueType,
    group_by: manifest.groupBy,
    groups: manifest.groups.length,
  };
}

/** The manifest as the API shows one dataset: counts, groups, columns and repeated symbols. */
export function manifestDetail(manifest: StoreManifest) {
  return {
    ...manifestSummary(manifest),
    groups: manifest.groups.map((g) => ({ value: g.value, cells: g.cells })),
    cells_without_group: manifest.cellsWithoutGroup,
    gene_columns: manifest.geneColumns.map((c) => ({ name: c.name, type: c.type })),
    cell_columns: manifest.cellColumns.map((c) => ({ name: c.name, type: c.type })),
    duplicate_symbols: Object.fromEntries(
      Object.entries(manifest.duplicateSymbols).map(([symbol, names]) => [symbol, [...names]]),
    ),
  };
}

function geneName(gene: ResolvedGene): GeneName {
  return {
    gene: gene.gene,
    gene_id: gene.gene_id,
    symbol: gene.symbol,
    ...(gene.requested !== undefined ? { requested: gene.requested } : {}),
    ...(gene.same_symbol !== undefined ? { same_symbol: [...gene.same_symbol] } : {}),
  };
}

function checkInteger(name: string, value: number, min: number, max: number, hint?: string): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new ValidationError(`${name} must be a whole number from ${min} to ${max}, got ${String(value)}`, {
      details: { [name]: value, min, max },
      ...(hint !== undefined ? { hint } : {}),
    });
  return value;
}

function pageLimit(limit: number | undefined, fallback = 50): number {
  return checkInteger("limit", limit ?? fallback, 1, MAX_PAGE);
}

function checkMethod(method: string | undefined): CorrelationMethod {
  if (method === undefined || method === "pearson" || method === "spearman") return method ?? "pearson";
  throw new ValidationError(`method must be pearson or spearman, got "${method}"`, { details: { method } });
}

function selectionEcho(
  filter: CellFilter | Record<string, unknown>,
  by: string | null,
  cellTypes: readonly string[],
) {
  return {
    cells: { filter },
    ...(by !== null ? { by } : {}),
    ...(cellTypes.length > 0 ? { cell_type: cellTypes.length === 1 ? cellTypes[0]! : [...cellTypes] } : {}),
  };
}

/**
 * Expression queries as the CLI and the REST API ask them: names resolved (genes, columns, cell types) with
 * user-facing errors, limits applied, results shaped for JSON with gene names filled in. Statistics are the
 * engine's; this class never reads the matrix itself.
 */
export class ExpressionService {
  readonly #access: StoreAccess;
  readonly #engine: ExpressionEngine;
  readonly #limits: ExpressionLimits;
  readonly #prepared = new Map<string, Promise<void>>();
  readonly #genes = new Map<string, { build: number; index: Promise<GeneIndex> }>();

  constructor(options: ExpressionServiceOptions) {
    this.#access = options.access;
    this.#engine = options.engine;
    this.#limits = options.limits;
  }

  get engine(): ExpressionEngine {
    return this.#engine;
  }

  /** Every published store, newest build of each. */
  async list() {
    const manifests = await this.#access.list();
    return { data: manifests.map(manifestSummary) };
  }

  async manifest(dataset: string, signal?: AbortSignal) {
    return manifestDetail((await this.#build(dataset, signal)).manifest);
  }

  /** The cell or gene columns of a dataset's current build (to read filters written against them). */
  async columns(dataset: string, kind: "cell" | "gene"): Promise<readonly StoreColumn[]> {
    const { manifest } = await this.#build(dataset);
    return kind === "cell" ? manifest.cellColumns : manifest.geneColumns;
  }

  async genes(dataset: string, query: PageQuery & { q?: string; where?: RawFilter }): Promise<Page<GeneRow>> {
    const build = await this.#build(dataset);
    const limit = pageLimit(query.limit);
    const after =
      query.cursor === undefined
        ? undefined
        : decodeCursor(cursorList("genes", build), query.cursor, "number");
    if (query.q !== undefined && query.q.length > 200)
      throw new ValidationError("q is longer than 200 characters", { details: { length: query.q.length } });
    const where =
      query.where === undefined ? undefined : checkFilter(query.where, build.manifest.geneColumns, "gene");
    const rows = await this.#engine.genes(build, {
      limit: limit + 1,
      ...(after !== undefined ? { after } : {}),
      ...(query.q !== undefined && query.q !== "" ? { q: query.q } : {}),
      ...(where !== undefined && Object.keys(where).length > 0 ? { where } : {}),
    });
    return keysetPage(rows, limit, (row) => encodeCursor(cursorList("genes", build), row.gene_idx));
  }

  /** One gene by name, id or symbol, with its all-cells statistics. */
  async gene(dataset: string, name: string) {
    const build = await this.#build(dataset);
    const resolved = (await this.#geneIndex(build)).resolve(name, dataset);
    const [row] = await this.#engine.genes(build, {
      limit: 1,
      ...(resolved.gene_idx > 0 ? { after: resolved.gene_idx - 1 } : {}),
    });
    if (row === undefined || row.gene_idx !== resolved.gene_idx)
      throw new Error(`gene_idx ${resolved.gene_idx} of "${resolved.gene}" was not returned by the engine`);
    return { ...row, ...geneName(resolved) };
  }

  async cells(dataset: string, query: PageQuery & CellSelection): Promise<Page<CellRow>> {
    const build = await this.#build(dataset);
    const limit = pageLimit(query.limit);
    const after =
      query.cursor === undefined
        ? undefined
        : decodeCursor(cursorList("cells", build), query.cursor, "number");
    const { filter } = await resolveSelection(this.#engine, build, query);
    const rows = await this.#engine.cells(build, {
      limit: limit + 1,
      ...(after !== undefined ? { after } : {}),
      ...(Object.keys(filter).length > 0 ? { where: filter } : {}),
    });
    return keysetPage(rows, limit, (row) => encodeCursor(cursorList("cells", build), row.cell_idx));
  }

  async correlation(dataset: string, query: CorrelationQuery) {
    const method = checkMethod(query.method);
    const build = await this.#build(dataset);
    const index = await this.#geneIndex(build);
    const a = index.resolve(query.gene_a, dataset);
    const b = index.resolve(query.gene_b, dataset);
    const selection = await resolveSelection(this.#engine, build, query);
    const result = await this.#engine.correlation(build, {
      a: a.gene_idx,
      b: b.gene_idx,
      method,
      cells: selection.filter,
    });
    return {
      dataset,
      build: build.manifest.build,
      method,
      gene_a: geneName(a),
      gene_b: geneName(b),
      r: result.r,
      n: result.n,
      n_both_expressing: result.n_both_expressing,
      mean_a: result.mean_a,
      mean_b: result.mean_b,
      ...selectionEcho(selection.filter, selection.by, selection.cellTypes),
      ...(result.undefined_reason !== undefined ? { undefined_reason: result.undefined_reason } : {}),
    };
  }

  async topCorrelated(dataset: string, query: TopQuery) {
    const method = checkMethod(query.method);
    const k = checkInteger("top", query.top, 1, MAX_TOP_K);
    const order = query.order ?? "r";
    if (order !== "r" && order !== "abs")
      throw new ValidationError(`order must be r or abs, got "${String(order)}"`, { details: { order } });
    const build = await this.#build(dataset);
    const index = await this.#geneIndex(build);
    const gene = index.resolve(query.gene, dataset);
    const selection = await resolveSelection(this.#engine, build, query);
    const result = await this.#engine.topCorrelated(build, {
      gene: gene.gene_idx,
      method,
      cells: selection.filter,
      k,
      order,
    });
    return {
      dataset,
      build: build.manifest.build,
      gene: geneName(gene),
      method,
      order,
      n: result.n,
      undefined_genes: result.undefined_genes,
      ...selectionEcho(selection.filter, selection.by, selection.cellTypes),
      data: result.rows.map((row) => {
        const other = index.at(row.gene_idx);
        return {
          gene: other.gene,
          gene_id: other.gene_id,
          r: row.r,
          n_both_expressing: row.n_both_expressing,
        };
      }),
    };
  }

  async variability(dataset: string, query: VariabilityQuery) {
    const limit = pageLimit(query.limit);
    const minMean = query.min_mean ?? 0;
    if (!Number.isFinite(minMean) || minMean < 0)
      throw new ValidationError(`min_mean must be a number ≥ 0, got ${String(minMean)}`, {
        details: { min_mean: minMean },
      });
    const build = await this.#build(dataset);
    const index = await this.#geneIndex(build);
    const selection = await resolveSelection(this.#engine, build, query);
    const list = cursorList("variability", build, { cells: selection.filter, min_mean: minMean });
    const offset = query.cursor === undefined ? 0 : decodeCursor(list, query.cursor, "number");
    const result = await this.#engine.variability(build, {
      cells: selection.filter,
      min_mean: minMean,
      limit,
      ...(offset > 0 ? { offset } : {}),
    });
    const end = offset + result.rows.length;
    return {
      dataset,
      build: build.manifest.build,
      data: result.rows.map((row) => {
        const gene = index.at(row.gene_idx);
        return {
          gene: gene.gene,
          gene_id: gene.gene_id,
          cv: row.cv,
          mean: row.mean,
          variance: row.variance,
          fraction: row.fraction,
          n_expressing: row.n_expressing,
          ...(row.undefined_reason !== undefined ? { undefined_reason: row.undefined_reason } : {}),
        };
      }),
      meta: {
        count: result.rows.length,
        next_cursor: end < result.total && result.rows.length > 0 ? encodeCursor(list, end) : null,
        total: result.total,
        n_cells: result.n,
        min_mean: minMean,
        group:
          selection.cellTypes.length === 0
            ? null
            : selection.cellTypes.length === 1
              ? selection.cellTypes[0]!
              : [...selection.cellTypes],
        by: selection.by,
        cells: { filter: selection.filter },
      },
    };
  }

  async aggregates(dataset: string, query: AggregateQuery) {
    const build = await this.#build(dataset);
    const index = await this.#geneIndex(build);
    const genes = this.#resolveGenes(index, query.genes, dataset);
    const by = groupColumn(build, query.by);
    if (by === null)
      throw new ValidationError(`expression dataset "${dataset}" has no cell type column to group by`, {
        details: { dataset, columns: build.manifest.cellColumns.map((c) => c.name) },
        hint: "Name the column to group cells by with by (--by COLUMN)",
      });
    const selection = await resolveSelection(this.#engine, build, { ...query, by });
    const rows = await this.#engine.aggregates(build, {
      genes: genes.map((g) => g.gene_idx),
      by,
      cells: selection.filter,
    });
    return {
      dataset,
      build: build.manifest.build,
      by,
      cells: { filter: selection.filter },
      data: rows.map((row) => {
        const gene = index.at(row.gene_idx);
        return {
          group: row.group,
          gene: gene.gene,
          gene_id: gene.gene_id,
          n_cells: row.n_cells,
          mean: row.mean,
          fraction: row.fraction,
          sum: row.sum,
          mean_expressing: row.mean_expressing,
        };
      }),
    };
  }

  /**
   * A genes × cells subset in the chosen layout, streamed. Everything that can be refused (unknown genes,
   * cells or columns, a result above max_result_values) is refused before the first byte; `signal` (a client
   * that went away) stops the engine's query.
   */
  async subset(dataset: string, query: SubsetQuery, signal?: AbortSignal): Promise<SubsetStream> {
    checkSubsetLayout(query.layout);
    const build = await this.#build(dataset, signal);
    const index = await this.#geneIndex(build);
    if (query.genes.length === 0)
      throw new ValidationError("name at least one gene", { hint: "Give genes=A,B (--genes A,B)" });
    const genes = this.#resolveGenes(index, query.genes, dataset);
    let cellsSelected: SubsetRequest["cells"];
    let cellCount: number;
    let cellPages: () => AsyncIterable<readonly SelectedCell[]>;
    if (query.cells !== undefined) {
      if ((query.where !== undefined && Object.keys(query.where).length > 0) || query.cell_type !== undefined)
        throw new ValidationError("give cells by name or by filter, not both", {
          hint: "Leave out cells, or leave out where and cell_type",
        });
      // An empty list is a client that built its list wrong, not a request for no cells.
      if (query.cells.length === 0)
        throw new ValidationError("name at least one cell, or leave cells out for every cell", {
          hint: "Give cells=C1,C2 (--cells C1,C2), or select cells with a cell type or filters",
        });
      const picked = await this.#cellsByName(build, query.cells);
      cellsSelected = { ids: picked.map((c) => c.cell_idx) };
      cellCount = picked.length;
      cellPages = async function* () {
        for (let i = 0; i < picked.length; i += CELL_PAGE) yield picked.slice(i, i + CELL_PAGE);
      };
    } else {
      const { filter } = await resolveSelection(this.#engine, build, query);
      cellsSelected = { where: filter };
      const counts = await this.#engine.countCells(build, filter, null);
      cellCount = counts.reduce((sum, c) => sum + c.cells, 0);
      const engine = this.#engine;
      cellPages = async function* () {
        let after: number | undefined;
        for (;;) {
          signal?.throwIfAborted();
          const rows = await engine.cells(build, {
            limit: CELL_PAGE,
            ...(after !== undefined ? { after } : {}),
            ...(Object.keys(filter).length > 0 ? { where: filter } : {}),
          });
          if (rows.length > 0) yield rows.map((r) => ({ cell_idx: r.cell_idx, cell: r.cell }));
          if (rows.length < CELL_PAGE) return;
          after = rows[rows.length - 1]!.cell_idx;
        }
      };
    }
    this.#checkSize(query.layout, genes, index, cellCount);
    const engine = this.#engine;
    const source: SubsetSource = {
      genes: genes.map((g) => ({ gene_idx: g.gene_idx, gene: g.gene })),
      cells: cellPages,
      nonzeros: (geneIdx) =>
        engine.subset(build, { genes: geneIdx, cells: cellsSelected, batchRows: SUBSET_BATCH_ROWS }, signal),
    };
    return {
      mediaType: SUBSET_MEDIA_TYPES[query.layout.format],
      body: writeSubset(source, query.layout),
      genes: genes.length,
      cells: cellCount,
    };
  }

  /** Drops cached gene indexes and prepared builds of stores that are no longer current. */
  async prune(): Promise<void> {
    await this.#access.prune();
  }

  async close(): Promise<void> {
    await this.#engine.close();
  }

  #checkSize(layout: SubsetLayout, genes: readonly ResolvedGene[], index: GeneIndex, cells: number): void {
    const max = this.#limits.maxResultValues;
    const dense = genes.length * cells;
    const full = layout.shape === "wide" || layout.zeros;
    // Long output without zeros holds at most each gene's nonzeros over all cells, and at most genes × cells.
    const bound = full
      ? dense
      : Math.min(
          dense,
          genes.reduce((sum, g) => sum + index.at(g.gene_idx).n_expressing, 0),
        );
    if (bound <= max) return;
    throw new OmicslakeError(
      "result_too_large",
      `the subset would hold up to ${bound} values (${genes.length} genes × ${cells} cells${full ? "" : ", nonzeros"}), more than max_result_values = ${max}`,
      {
        details: {
          values: bound,
          max_result_values: max,
          genes: genes.length,
          cells,
          shape: layout.shape,
          zeros: layout.zeros,
        },
        hint: full
          ? "Ask for fewer genes, narrow the cells with a filter or a cell type, or use shape=long without zeros (only nonzeros)"
          : "Ask for fewer genes, or narrow the cells with a filter or a cell type",
      },
    );
  }

  #resolveGenes(index: GeneIndex, names: readonly string[], dataset: string): ResolvedGene[] {
    if (names.length > MAX_REQUEST_GENES)
      throw new ValidationError(`at most ${MAX_REQUEST_GENES} genes per request, got ${names.length}`, {
        details: { genes: names.length, max: MAX_REQUEST_GENES },
      });
    const seen = new Set<number>();
    const genes: ResolvedGene[] = [];
    for (const name of names) {
      const gene = index.resolve(name, dataset);
      if (seen.has(gene.gene_idx)) continue;
      seen.add(gene.gene_idx);
      genes.push(gene);
    }
    return genes;
  }

  async #cellsByName(build: StoreBuild, names: readonly string[]): Promise<SelectedCell[]> {
    if (names.length > MAX_REQUEST_GENES)
      throw new ValidationError(`at most ${MAX_REQUEST_GENES} cells by name, got ${names.length}`, {
        details: { cells: names.length, max: MAX_REQUEST_GENES },
        hint: "Select many cells with a filter or a cell type instead",
      });
    const wanted = [...new Set(names)];
    const rows = await this.#engine.cells(build, { limit: wanted.length, where: { cell: { in: wanted } } });
    const found = new Set(rows.map((r) => r.cell));
    const missing = wanted.filter((n) => !found.has(n));
    if (missing.length > 0)
      throw new OmicslakeError(
        "not_found",
        `cell "${missing[0]}" is not in expression dataset "${build.manifest.dataset}"`,
        {
          details: { what: "cell", id: missing[0], missing: missing.slice(0, 20) },
          hint: `List cells with GET /v1/expression/${build.manifest.dataset}/cells`,
        },
      );
    return rows.map((r) => ({ cell_idx: r.cell_idx, cell: r.cell })).sort((a, b) => a.cell_idx - b.cell_idx);
  }

  /** The current build of a dataset, prepared on the engine once (and older builds retired). */
  async #build(dataset: string, signal?: AbortSignal): Promise<StoreBuild> {
    const build = await this.#access.current(dataset, signal);
    const key = `${dataset}\u0000${build.manifest.build}`;
    let prepared = this.#prepared.get(key);
    if (prepared === undefined) {
      prepared = this.#engine.prepare(build, signal).then(async () => {
        // Keep the build before this one: queries that started on it may still be running.
        await this.#engine.retire(dataset, [build.manifest.build, build.manifest.build - 1]);
        // And their local copies, so a store rebuilt every day does not fill the disk with old builds.
        await this.#access.prune();
      });
      this.#prepared.set(key, prepared);
      prepared.catch(() => this.#prepared.delete(key));
      // Forget builds the engine no longer keeps, so a long-running server does not grow by one per rebuild.
      for (const known of [...this.#prepared.keys()]) {
        const [name, number] = known.split("\u0000");
        if (name === dataset && Number(number) < build.manifest.build - 1) this.#prepared.delete(known);
      }
    }
    await prepared;
    return build;
  }

  /** The gene index of a build, loaded once per (dataset, build) through the engine's gene pages. */
  #geneIndex(build: StoreBuild): Promise<GeneIndex> {
    const dataset = build.manifest.dataset;
    const cached = this.#genes.get(dataset);
    if (cached !== undefined && cached.build === build.manifest.build) return cached.index;
    const index = (async () => {
      const rows: GeneRow[] = [];
      let after: number | undefined;
      for (;;) {
        const page = await this.#engine.genes(build, {
          limit: GENE_LOAD_PAGE,
          ...(after !== undefined ? { after } : {}),
        });
        rows.push(...page);
        if (page.length < GENE_LOAD_PAGE) break;
        after = page[page.length - 1]!.gene_idx;
      }
      return GeneIndex.fromRows(rows, build.manifest.duplicateSymbols);
    })();
    this.#genes.set(dataset, { build: build.manifest.build, index });
    index.catch(() => {
      if (this.#genes.get(dataset)?.index === index) this.#genes.delete(dataset);
    });
    return index;
  }
}

/**
 * The list a page cursor belongs to: one dataset's build, and for an offset into a ranking, the query that
 * ranked it. A cursor given to another dataset, after a rebuild or with other cells then fails to decode
 * (invalid_cursor) instead of continuing a different list at a position that means something else there.
 */
function cursorList(kind: string, build: StoreBuild, query?: unknown): string {
  const list = `expression-${kind}:${build.manifest.dataset}:${build.manifest.build}`;
  if (query === undefined) return list;
  return `${list}:${createHash("sha256").update(JSON.stringify(query)).digest("base64url").slice(0, 16)}`;
}

function keysetPage<T>(rows: T[], limit: number, cursorOf: (row: T) => string): Page<T> {
  const data = rows.slice(0, limit);
  const more = rows.length > limit;
  return {
    data,
    meta: { count: data.length, next_cursor: more ? cursorOf(data[data.length - 1]!) : null },
  };
}
