import { OmicslakeError } from "@omicslake/core";
import type { DuckDbOptions } from "@omicslake/core";
import type {
  AggregateRequest,
  AggregateRow,
  CellFilter,
  CellListQuery,
  CellRow,
  GeneListQuery,
  GeneRow,
  GroupCount,
  PairCorrelation,
  PairCorrelationRequest,
  SubsetBatch,
  SubsetRequest,
  TopCorrelation,
  TopCorrelationRequest,
  TopCorrelationRow,
  Variability,
  VariabilityRequest,
  VariabilityRow,
} from "../../model/expression-types.js";
import {
  REFINE_R_ABOVE,
  coefficientOfVariation,
  fastComomentError,
  fullStats,
  pairComoment,
  pearson,
} from "../../statistics/implicit-zeros.js";
import type { ExpressionEngine, StoreBuild } from "../expression-engine.js";
import { fromClickHouse } from "./clickhouse-column-types.js";
import type { ColumnKind } from "./clickhouse-column-types.js";
import { cellIndexSql, conditionSql, indexInSql } from "./clickhouse-filter.js";
import type { ColumnKinds } from "./clickhouse-filter.js";
import { ClickHouseLoader, tablesOf } from "./clickhouse-loader.js";
import { chIdentifier, chInteger, chString } from "./clickhouse-quote.js";
import { ClickHouseSession } from "./clickhouse-session.js";
import { NONZERO_STATS_SQL, nonzeroStats, sourceSql } from "./clickhouse-sources.js";
import { buildOfTable, datasetTablePrefix } from "./clickhouse-tables.js";
import type { BuildTables } from "./clickhouse-tables.js";

export interface ClickHouseEngineOptions {
  /** The HTTP endpoint, e.g. `http://127.0.0.1:8123`; `user:password@` may be given in it. */
  readonly url: string;
  /** The database the tables live in; created when missing. */
  readonly database: string;
  /** Memory limit of the DuckDB that reads a build's Parquet files while loading (`"2GB"`). */
  readonly memoryLimit?: string;
  /** Threads of that DuckDB. */
  readonly threads?: number;
  /** Where that DuckDB spills. */
  readonly tempDirectory?: string;
}

/** Genes-table statistics columns turned into `mean` in gene rows. */
const GENE_STAT_HIDDEN = new Set(["sum", "m2", "min_value", "max_value"]);

/**
 * The ExpressionEngine on a ClickHouse server (18.16 or later): prepare loads a build into MergeTree tables
 * (nonzeros twice, ordered by gene and by cell), queries aggregate the nonzeros there and Node adds the
 * implicit zeros with statistics/implicit-zeros.ts, exactly as the DuckDB engine does.
 *
 * @example
 * const engine = createClickHouseEngine({ url: "http://127.0.0.1:8123", database: "omicslake" });
 * await engine.prepare(build);
 * const { r } = await engine.correlation(build, { a: 0, b: 1, method: "pearson", cells: {} });
 */
export function createClickHouseEngine(options: ClickHouseEngineOptions): ExpressionEngine {
  return new ClickHouseEngine(options);
}

class ClickHouseEngine implements ExpressionEngine {
  readonly kind = "clickhouse" as const;
  readonly #session: ClickHouseSession;
  readonly #loader: ClickHouseLoader;
  readonly #database: string;
  readonly #kinds = new Map<string, Promise<Map<string, ColumnKind>>>();
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(options: ClickHouseEngineOptions) {
    this.#database = options.database;
    this.#session = new ClickHouseSession({ url: options.url });
    const duckdb: DuckDbOptions = {
      ...(options.memoryLimit !== undefined ? { memoryLimit: options.memoryLimit } : {}),
      ...(options.threads !== undefined ? { threads: options.threads } : {}),
      ...(options.tempDirectory !== undefined ? { tempDirectory: options.tempDirectory } : {}),
    };
    this.#loader = new ClickHouseLoader({ session: this.#session, database: options.database, duckdb });
  }

  async prepare(build: StoreBuild, signal?: AbortSignal): Promise<void> {
    await this.#loader.prepare(build, signal);
  }

  async retire(dataset: string, keep: readonly number[]): Promise<void> {
    await this.#loader.ensureDatabase();
    const prefix = datasetTablePrefix(dataset);
    const rows = await this.#session.rows(
      `SELECT name FROM system.tables WHERE database = ${chString(this.#database)} ` +
        `AND startsWith(name, ${chString(prefix)})`,
    );
    const kept = new Set(keep);
    for (const row of rows) {
      const name = String(row.name);
      const build = buildOfTable(dataset, name);
      if (build === null || kept.has(build)) continue;
      // The marker first: a build whose marker is gone is reloaded, never read half-dropped.
      this.#loader.forget(dataset, build);
      await this.#session.command(
        `DROP TABLE IF EXISTS ${chIdentifier(this.#database)}.${chIdentifier(name)}`,
      );
    }
    for (const key of [...this.#kinds.keys()]) if (key.includes(prefix)) this.#kinds.delete(key);
  }

  genes(build: StoreBuild, query: GeneListQuery): Promise<GeneRow[]> {
    return this.#track(this.#retried(build, () => this.#genes(build, query)));
  }

  async #genes(build: StoreBuild, query: GeneListQuery): Promise<GeneRow[]> {
    const t = await this.#tables(build);
    const kinds = await this.#columnKinds(t.ref("genes"));
    const where: string[] = [];
    if (query.after !== undefined) where.push(`gene_idx > ${chInteger(query.after)}`);
    if (query.q !== undefined && query.q !== "") {
      const q = chString(query.q);
      where.push(
        ["gene", "gene_id", "symbol"]
          .filter((c) => kinds.has(c))
          .map((c) => `positionCaseInsensitiveUTF8(ifNull(${chIdentifier(c)}, ''), ${q}) > 0`)
          .join(" OR ") || "0",
      );
    }
    const condition = conditionSql(query.where ?? {}, kinds, "genes");
    if (condition !== null) where.push(condition);
    const rows = await this.#session.rows(
      `SELECT * FROM ${t.ref("genes")}${whereClause(where)} ORDER BY gene_idx LIMIT ${chInteger(query.limit)}`,
    );
    const cells = build.manifest.counts.cells;
    return rows.map((row) => {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(row)) {
        if (GENE_STAT_HIDDEN.has(key)) continue;
        out[key] = fromClickHouse(value, kinds.get(key) ?? "text");
        if (key === "n_expressing") out.mean = cells === 0 ? 0 : Number(row.sum) / cells;
      }
      return out as GeneRow;
    });
  }

  cells(build: StoreBuild, query: CellListQuery): Promise<CellRow[]> {
    return this.#track(this.#retried(build, () => this.#cells(build, query)));
  }

  async #cells(build: StoreBuild, query: CellListQuery): Promise<CellRow[]> {
    const t = await this.#tables(build);
    const kinds = await this.#columnKinds(t.ref("cells"));
    const where: string[] = [];
    if (query.after !== undefined) where.push(`cell_idx > ${chInteger(query.after)}`);
    const condition = conditionSql(query.where ?? {}, kinds, "cells");
    if (condition !== null) where.push(condition);
    const rows = await this.#session.rows(
      `SELECT * FROM ${t.ref("cells")}${whereClause(where)} ORDER BY cell_idx LIMIT ${chInteger(query.limit)}`,
    );
    return rows.map(
      (row) =>
        Object.fromEntries(
          Object.entries(row).map(([k, v]) => [k, fromClickHouse(v, kinds.get(k) ?? "text")]),
        ) as CellRow,
    );
  }

  countCells(build: StoreBuild, filter: CellFilter, by: string | null): Promise<GroupCount[]> {
    return this.#track(this.#retried(build, () => this.#countCells(build, filter, by)));
  }

  async #countCells(build: StoreBuild, filter: CellFilter, by: string | null): Promise<GroupCount[]> {
    const t = await this.#tables(build);
    const kinds = await this.#columnKinds(t.ref("cells"));
    const condition = conditionSql(filter, kinds, "cells");
    if (by === null) {
      const rows = await this.#session.rows(
        `SELECT count() AS n FROM ${t.ref("cells")}${whereClause(condition === null ? [] : [condition])}`,
      );
      return [{ value: null, cells: Number(rows[0]?.n ?? 0) }];
    }
    const kind = this.#kindOf(kinds, by);
    const col = chIdentifier(by);
    const rows = await this.#session.rows(
      `SELECT ${col} AS value, count() AS n FROM ${t.ref("cells")}` +
        `${whereClause(condition === null ? [] : [condition])} GROUP BY ${col} ORDER BY ${col}`,
    );
    return rows
      .map((row) => ({ value: groupValue(row.value, kind), cells: Number(row.n) }))
      .sort((a, b) => compareGroups(a.value, b.value));
  }

  distinctValues(build: StoreBuild, column: string, limit: number): Promise<(string | null)[]> {
    return this.#track(this.#retried(build, () => this.#distinctValues(build, column, limit)));
  }

  async #distinctValues(build: StoreBuild, column: string, limit: number): Promise<(string | null)[]> {
    const t = await this.#tables(build);
    const kinds = await this.#columnKinds(t.ref("cells"));
    const kind = this.#kindOf(kinds, column);
    const col = chIdentifier(column);
    const rows = await this.#session.rows(
      `SELECT DISTINCT ${col} AS value FROM ${t.ref("cells")} ` +
        `ORDER BY isNull(${col}), toString(${col}) LIMIT ${chInteger(limit)}`,
    );
    return rows.map((row) => groupValue(row.value, kind));
  }

  correlation(build: StoreBuild, request: PairCorrelationRequest): Promise<PairCorrelation> {
    return this.#track(this.#retried(build, () => this.#correlation(build, request)));
  }

  async #correlation(build: StoreBuild, request: PairCorrelationRequest): Promise<PairCorrelation> {
    const t = await this.#tables(build);
    const { cellWhere, n } = await this.#cellSelection(build, t, request.cells);
    const genes = `gene_idx IN (${chInteger(request.a)}, ${chInteger(request.b)})`;
    const source = sourceSql(request.method, t.ref("valuesByGene"), [genes, cellWhere], n);
    // One pass over the union of the two genes' nonzeros (a missing side joins as 0, ClickHouse's default):
    // each gene's own statistics over its nonzeros, and the co-moment over the union.
    const side = (name: "a" | "b"): string =>
      `countIf(${name} != 0) AS k_${name}, sum(${name}) AS s_${name}, ` +
      `varPopStableIf(${name}, ${name} != 0) * countIf(${name} != 0) AS m2_${name}, ` +
      `minIf(${name}, ${name} != 0) AS lo_${name}, maxIf(${name}, ${name} != 0) AS hi_${name}, sum(raw_${name}) AS raw_${name}`;
    const rows = await this.#session.rows(
      `SELECT count() AS u, covarPopStable(a, b) * count() AS cu, countIf(a != 0 AND b != 0) AS both, ` +
        `${side("a")}, ${side("b")} FROM ` +
        `(SELECT cell_idx, value AS a, raw AS raw_a FROM (${source}) WHERE gene_idx = ${chInteger(request.a)}) ` +
        `ALL FULL OUTER JOIN ` +
        `(SELECT cell_idx, value AS b, raw AS raw_b FROM (${source}) WHERE gene_idx = ${chInteger(request.b)}) ` +
        `USING cell_idx`,
    );
    const p = rows[0] ?? {};
    const u = Number(p.u ?? 0);
    const stats = (name: "a" | "b"): ReturnType<typeof nonzeroStats> =>
      nonzeroStats(
        u === 0
          ? undefined
          : {
              k: p[`k_${name}`],
              s: p[`s_${name}`],
              m2: p[`m2_${name}`],
              lo: p[`lo_${name}`],
              hi: p[`hi_${name}`],
            },
        n,
      );
    const sa = stats("a");
    const sb = stats("b");
    const comoment = pairComoment(u === 0 ? 0 : Number(p.cu), u, sa.sum, sb.sum, n);
    const { r, reason } = pearson(fullStats(sa), fullStats(sb), comoment, n);
    return {
      r,
      n,
      n_both_expressing: Number(p.both ?? 0),
      mean_a: n === 0 || u === 0 ? 0 : Number(p.raw_a) / n,
      mean_b: n === 0 || u === 0 ? 0 : Number(p.raw_b) / n,
      ...(reason !== undefined ? { undefined_reason: reason } : {}),
    };
  }

  topCorrelated(build: StoreBuild, request: TopCorrelationRequest): Promise<TopCorrelation> {
    return this.#track(this.#retried(build, () => this.#topCorrelated(build, request)));
  }

  async #topCorrelated(build: StoreBuild, request: TopCorrelationRequest): Promise<TopCorrelation> {
    const t = await this.#tables(build);
    const { cellWhere, n } = await this.#cellSelection(build, t, request.cells);
    const others = build.manifest.counts.genes - 1;
    const g = chInteger(request.gene);
    const all = sourceSql(request.method, t.ref("valuesByGene"), [cellWhere], n);
    const querySource = sourceSql(request.method, t.ref("valuesByGene"), [`gene_idx = ${g}`, cellWhere], n);
    // Σ x·q over the cells where both are nonzero; for Pearson only the query gene's cells are read from the
    // by-cell table (its primary key), for Spearman every gene's ranks over the cells are needed anyway.
    const otherSource =
      request.method === "pearson"
        ? sourceSql(
            "pearson",
            t.ref("valuesByCell"),
            [`cell_idx IN (SELECT cell_idx FROM (${querySource}))`],
            n,
          )
        : all;
    const rows = await this.#session.rows(
      `SELECT gene_idx, k, s, m2, lo, hi, dot, absdot, both FROM ` +
        `(SELECT gene_idx, ${NONZERO_STATS_SQL} FROM (${all}) GROUP BY gene_idx) ALL LEFT JOIN ` +
        `(SELECT gene_idx, sum(value * q) AS dot, sum(abs(value * q)) AS absdot, count() AS both FROM (${otherSource}) ` +
        `ALL INNER JOIN (SELECT cell_idx, value AS q FROM (${querySource})) USING cell_idx GROUP BY gene_idx) ` +
        `USING gene_idx`,
    );
    const queryRow = rows.find((row) => Number(row.gene_idx) === request.gene);
    const queryStats = nonzeroStats(queryRow, n);
    const query = fullStats(queryStats);
    const defined: (TopCorrelationRow & { r: number; error: number })[] = [];
    if (!query.constant && n >= 2) {
      for (const row of rows) {
        const gene = Number(row.gene_idx);
        if (gene === request.gene) continue;
        const other = nonzeroStats(row, n);
        const x = fullStats(other);
        // Genes with no nonzero in the cells have no row: they are constant there, so undefined.
        const offset = (queryStats.sum * other.sum) / n;
        const { r } = pearson(query, x, Number(row.dot) - offset, n);
        if (r === null) continue;
        const terms = Number(row.both ?? 0) + other.k + queryStats.k;
        const error = fastComomentError(Number(row.absdot ?? 0), offset, terms, query.m2, x.m2);
        defined.push({ gene_idx: gene, r, n_both_expressing: Number(row.both), error });
      }
    }
    const key =
      request.order === "abs"
        ? (row: TopCorrelationRow) => Math.abs(row.r)
        : (row: TopCorrelationRow) => row.r;
    const sort = (): void => void defined.sort((x, y) => key(y) - key(x) || x.gene_idx - y.gene_idx);
    sort();
    if (request.method === "pearson" && request.k > 0 && defined.length > 0) {
      // The fast sums cancel for genes far from 0 relative to their spread: the candidates whose r could be that
      // wrong and could still make the list are computed again as pairs, from the union of their nonzeros.
      const kth = defined[Math.min(request.k, defined.length) - 1]!;
      const floor = key(kth) - kth.error;
      const imprecise = defined.filter((c) => c.error > REFINE_R_ABOVE && key(c) + c.error >= floor);
      for (const c of imprecise) {
        const pair = await this.#correlation(build, {
          a: request.gene,
          b: c.gene_idx,
          method: "pearson",
          cells: request.cells,
        });
        if (pair.r !== null) c.r = pair.r;
      }
      if (imprecise.length > 0) sort();
    }
    return {
      n,
      rows: defined
        .slice(0, request.k)
        .map(({ gene_idx, r, n_both_expressing }) => ({ gene_idx, r, n_both_expressing })),
      undefined_genes: others - defined.length,
    };
  }

  variability(build: StoreBuild, request: VariabilityRequest): Promise<Variability> {
    return this.#track(this.#retried(build, () => this.#variability(build, request)));
  }

  async #variability(build: StoreBuild, request: VariabilityRequest): Promise<Variability> {
    const t = await this.#tables(build);
    const { cellWhere, n } = await this.#cellSelection(build, t, request.cells);
    const stats =
      (await this.#groupStatsFor(build, t, request.cells)) ??
      (await this.#statsByGene(sourceSql("pearson", t.ref("valuesByGene"), [cellWhere], n)));
    const defined: VariabilityRow[] = [];
    const undefinedRows: VariabilityRow[] = [];
    for (let gene = 0; gene < build.manifest.counts.genes; gene++) {
      const nz = nonzeroStats(stats.get(gene), n);
      const full = fullStats(nz);
      if (full.mean < request.min_mean) continue;
      const { cv, reason } = coefficientOfVariation(full, n);
      const row: VariabilityRow = {
        gene_idx: gene,
        cv,
        mean: full.mean,
        variance: full.variance ?? 0,
        fraction: full.fraction,
        n_expressing: nz.k,
        ...(reason !== undefined ? { undefined_reason: reason } : {}),
      };
      (cv === null ? undefinedRows : defined).push(row);
    }
    defined.sort((x, y) => (y.cv ?? 0) - (x.cv ?? 0) || x.gene_idx - y.gene_idx);
    const ranked = [...defined, ...undefinedRows];
    const offset = request.offset ?? 0;
    return { n, rows: ranked.slice(offset, offset + request.limit), total: ranked.length };
  }

  aggregates(build: StoreBuild, request: AggregateRequest): Promise<AggregateRow[]> {
    return this.#track(this.#retried(build, () => this.#aggregates(build, request)));
  }

  async #aggregates(build: StoreBuild, request: AggregateRequest): Promise<AggregateRow[]> {
    const t = await this.#tables(build);
    const kinds = await this.#columnKinds(t.ref("cells"));
    const kind = this.#kindOf(kinds, request.by);
    const condition = conditionSql(request.cells, kinds, "cells");
    const by = chIdentifier(request.by);
    const cellsSql = `SELECT cell_idx, ${by} AS grp FROM ${t.ref("cells")}${whereClause(condition === null ? [] : [condition])}`;
    const groups = await this.#session.rows(
      `SELECT grp, count() AS n FROM (${cellsSql}) GROUP BY grp ORDER BY grp`,
    );
    if (request.genes.length === 0) return [];
    const sums = await this.#session.rows(
      `SELECT grp, gene_idx, count() AS k, sum(value) AS s FROM ` +
        `(SELECT gene_idx, cell_idx, value FROM ${t.ref("valuesByGene")} ` +
        `WHERE ${indexInSql("gene_idx", request.genes)}) ` +
        `ALL INNER JOIN (${cellsSql}) USING cell_idx GROUP BY grp, gene_idx`,
    );
    const found = new Map(
      sums.map((row) => [`${groupValue(row.grp, kind)}\u0000${Number(row.gene_idx)}`, row]),
    );
    const out: AggregateRow[] = [];
    const sizes = groups
      .map((group) => ({ value: groupValue(group.grp, kind), cells: Number(group.n) }))
      .sort((a, b) => compareGroups(a.value, b.value));
    for (const { value, cells } of sizes) {
      for (const gene of request.genes) {
        const row = found.get(`${value}\u0000${gene}`);
        const k = Number(row?.k ?? 0);
        const sum = Number(row?.s ?? 0);
        out.push({
          group: value,
          gene_idx: gene,
          n_cells: cells,
          mean: cells === 0 ? 0 : sum / cells,
          fraction: cells === 0 ? 0 : k / cells,
          sum,
          mean_expressing: k === 0 ? null : sum / k,
        });
      }
    }
    return out;
  }

  async *subset(build: StoreBuild, request: SubsetRequest, signal?: AbortSignal): AsyncIterable<SubsetBatch> {
    let finished!: () => void;
    const streaming = new Promise<void>((resolve) => (finished = resolve));
    void this.#track(streaming);
    try {
      yield* this.#subset(build, request, signal);
    } finally {
      finished();
    }
  }

  async *#subset(
    build: StoreBuild,
    request: SubsetRequest,
    signal?: AbortSignal,
  ): AsyncGenerator<SubsetBatch> {
    const t = await this.#tables(build);
    if (request.genes.length === 0) return;
    let cellWhere: string | null;
    if ("ids" in request.cells) {
      if (request.cells.ids.length === 0) return;
      cellWhere = indexInSql("cell_idx", request.cells.ids);
    } else {
      cellWhere = (await this.#cellSelection(build, t, request.cells.where)).cellWhere;
    }
    const sql =
      `SELECT cell_idx, gene_idx, value FROM ${t.ref("valuesByCell")}` +
      `${whereClause([indexInSql("gene_idx", request.genes), ...(cellWhere === null ? [] : [cellWhere])])}` +
      ` ORDER BY cell_idx, gene_idx`;
    const size = Math.max(1, request.batchRows);
    let batch = newBatch(size);
    let length = 0;
    for await (const lines of this.#session.tsvLines(sql, signal)) {
      for (const line of lines) {
        const first = line.indexOf("\t");
        const second = line.indexOf("\t", first + 1);
        batch.cell[length] = Number(line.slice(0, first));
        batch.gene[length] = Number(line.slice(first + 1, second));
        batch.value[length] = Number(line.slice(second + 1));
        length++;
        if (length === size) {
          yield { ...batch, length };
          batch = newBatch(size);
          length = 0;
        }
      }
    }
    if (length > 0) {
      yield {
        cell: batch.cell.subarray(0, length),
        gene: batch.gene.subarray(0, length),
        value: batch.value.subarray(0, length),
        length,
      };
    }
  }

  /** Waits for the queries in flight (they finish with their answers), then closes the connection. */
  async close(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    await this.#session.close();
  }

  /**
   * Runs a query; when its build's tables are gone (another process retired the build after this one saw it
   * loaded), loads the build again and reruns the query once.
   */
  async #retried<T>(build: StoreBuild, query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (error) {
      if (!(error instanceof Error) || !/\bCode: 60[,.]/.test(error.message)) throw error;
      this.#loader.forget(build.manifest.dataset, build.manifest.build);
      return query();
    }
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#inFlight.add(work);
    const done = (): void => {
      this.#inFlight.delete(work);
    };
    work.then(done, done);
    return work;
  }

  /** The build's tables, loading them first when this process has not seen them loaded. */
  async #tables(build: StoreBuild): Promise<BuildTables> {
    await this.#loader.prepare(build);
    return tablesOf(this.#database, build);
  }

  async #columnKinds(table: string): Promise<Map<string, ColumnKind>> {
    let pending = this.#kinds.get(table);
    if (pending === undefined) {
      pending = this.#session
        .rows(`DESCRIBE TABLE ${table}`)
        .then(
          (rows) => new Map(rows.map((row) => [String(row.name), kindOfClickHouseType(String(row.type))])),
        );
      pending.catch(() => this.#kinds.delete(table));
      this.#kinds.set(table, pending);
    }
    return pending;
  }

  #kindOf(kinds: ColumnKinds, column: string): ColumnKind {
    const kind = kinds.get(column);
    if (kind === undefined) {
      const known = [...kinds.keys()];
      throw new OmicslakeError("unknown_column", `the cells table has no column ${JSON.stringify(column)}`, {
        details: { column, columns: known },
        hint: `Use one of: ${known.join(", ")}`,
      });
    }
    return kind;
  }

  /** The cells a filter selects: a condition on cell_idx for the nonzero tables, and how many there are. */
  async #cellSelection(
    build: StoreBuild,
    t: BuildTables,
    filter: CellFilter,
  ): Promise<{ cellWhere: string | null; n: number }> {
    const kinds = await this.#columnKinds(t.ref("cells"));
    const { sql: cellWhere, count } = cellIndexSql(filter, kinds, build.manifest, t.ref("cells"));
    if (count !== undefined) return { cellWhere, n: count };
    const rows = await this.#session.rows(`SELECT count() AS n FROM ${t.ref("cells")} WHERE ${cellWhere}`);
    return { cellWhere, n: Number(rows[0]?.n ?? 0) };
  }

  async #statsByGene(source: string): Promise<Map<number, Record<string, unknown>>> {
    const rows = await this.#session.rows(
      `SELECT gene_idx, ${NONZERO_STATS_SQL} FROM (${source}) GROUP BY gene_idx`,
    );
    return new Map(rows.map((row) => [Number(row.gene_idx), row]));
  }

  /** Per-gene statistics from group_stats when the filter is exactly one group of the store's group column. */
  async #groupStatsFor(
    build: StoreBuild,
    t: BuildTables,
    filter: CellFilter,
  ): Promise<Map<number, Record<string, unknown>> | null> {
    const by = build.manifest.groupBy;
    const keys = Object.keys(filter);
    if (by === null || build.files.groupStats === undefined || keys.length !== 1 || keys[0] !== by)
      return null;
    const condition = filter[by];
    if (condition === undefined || !("in" in condition) || condition.in.length !== 1) return null;
    const value = condition.in[0];
    if (typeof value !== "string" || !build.manifest.groups.some((g) => g.value === value)) return null;
    const rows = await this.#session.rows(
      `SELECT gene_idx, n_expressing AS k, sum AS s, m2, min_value AS lo, max_value AS hi ` +
        `FROM ${t.ref("groupStats")} WHERE group_value = ${chString(value)}`,
    );
    return new Map(rows.map((row) => [Number(row.gene_idx), row]));
  }
}

function kindOfClickHouseType(type: string): ColumnKind {
  const inner = /^Nullable\((.*)\)$/.exec(type)?.[1] ?? type;
  if (/^U?Int(8|16|32|64)$/.test(inner)) return inner === "UInt8" ? "boolean" : "integer";
  if (/^Float(32|64)$/.test(inner)) return "float";
  return "text";
}

/**
 * A group's value as text, the way DuckDB casts it to VARCHAR, so both engines name groups alike: booleans
 * `true`/`false`, a whole DOUBLE with `.0`.
 */
function groupValue(value: unknown, kind: ColumnKind): string | null {
  const v = fromClickHouse(value, kind);
  if (v === null) return null;
  if (typeof v === "string") return v;
  if (kind === "float" && typeof v === "number" && Number.isInteger(v) && Math.abs(v) < 1e15) return `${v}.0`;
  return JSON.stringify(v);
}

/** Group values in one order on every engine: UTF-16 code-unit order, null last. */
function compareGroups(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

function whereClause(conditions: readonly string[]): string {
  return conditions.length === 0 ? "" : ` WHERE ${conditions.map((c) => `(${c})`).join(" AND ")}`;
}

function newBatch(size: number): { cell: Int32Array; gene: Int32Array; value: Float64Array } {
  return { cell: new Int32Array(size), gene: new Int32Array(size), value: new Float64Array(size) };
}
