import type { DuckDBConnection } from "@duckdb/node-api";
import { openDuckDb, sqlIdentifier, sqlString, ValidationError } from "@omicslake/core";
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
  Variability,
  VariabilityRequest,
} from "../../model/expression-types.js";
import type { ExpressionEngine, StoreBuild } from "../expression-engine.js";
import { aggregates } from "./aggregates-query.js";
import { buildViews, viewPrefix, VIEW_ROLES } from "./build-views.js";
import { selectCells, type CellSelection } from "./cell-selection.js";
import { ConnectionPool } from "./connection-pool.js";
import { countCells, distinctValues, listCells, listGenes } from "./listing-queries.js";
import { pairCorrelation } from "./pair-correlation-query.js";
import { queryCount, type QueryContext } from "./query-context.js";
import { streamSubset, subsetSql } from "./subset-query.js";
import { topCorrelated } from "./top-correlated-query.js";
import { variability } from "./variability-query.js";

export interface DuckDbEngineOptions {
  /** DuckDB's memory_limit, e.g. "4GB" (the `[expression] memory_limit` setting). */
  readonly memoryLimit?: string;
  /** DuckDB's worker threads (the `[expression] threads` setting). */
  readonly threads?: number;
  /** Queries that run at once, each on its own connection; more wait their turn. */
  readonly connections?: number;
}

/**
 * The embedded engine: one in-memory DuckDB database per engine, reading each build's Parquet files in place
 * through views. The database (and its Parquet metadata cache, which spares a query re-reading the footers of
 * 100M-row files) is shared by every query; each query runs on a connection of its own from a small pool.
 *
 * @example
 * const engine = await createDuckDbEngine({ memoryLimit: "4GB" });
 * await engine.prepare(build);
 * const { r } = await engine.correlation(build, { a: 0, b: 1, method: "pearson", cells: {} });
 */
export async function createDuckDbEngine(options: DuckDbEngineOptions = {}): Promise<ExpressionEngine> {
  const connections = options.connections ?? 8;
  if (!Number.isInteger(connections) || connections < 1)
    throw new ValidationError(`connections must be a positive integer, got ${connections}`, {
      details: { connections },
    });
  const session = await openDuckDb({
    ...(options.memoryLimit === undefined ? {} : { memoryLimit: options.memoryLimit }),
    ...(options.threads === undefined ? {} : { threads: options.threads }),
  });
  try {
    await session.run("SET parquet_metadata_cache = true");
  } catch (error) {
    session.close();
    throw error;
  }
  return new DuckDbEngine(new ConnectionPool(session, connections));
}

class DuckDbEngine implements ExpressionEngine {
  readonly kind = "duckdb" as const;
  /** View prefix → the views' creation; shared by concurrent prepare calls of one build. */
  private readonly prepared = new Map<string, { dataset: string; build: number; ready: Promise<void> }>();
  private ddlChain: Promise<void> = Promise.resolve();

  constructor(private readonly pool: ConnectionPool) {}

  async prepare(build: StoreBuild, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const end = this.pool.begin();
    try {
      await this.ensureViews(build);
    } finally {
      end();
    }
  }

  async retire(dataset: string, keep: readonly number[]): Promise<void> {
    const end = this.pool.begin();
    try {
      await this.dropViews(dataset, keep);
    } finally {
      end();
    }
  }

  /** Creates the build's views once; concurrent callers share the creation. */
  private ensureViews(build: StoreBuild): Promise<void> {
    const prefix = viewPrefix(build);
    const known = this.prepared.get(prefix);
    if (known) return known.ready;
    const views = buildViews(build);
    const ready = this.ddl(async (connection) => {
      for (const role of VIEW_ROLES) {
        const path = build.files[role];
        if (path === undefined) continue;
        await connection.run(
          `CREATE OR REPLACE VIEW ${views[role]} AS SELECT * FROM read_parquet(${sqlString(path)})`,
        );
      }
    });
    const entry = { dataset: build.manifest.dataset, build: build.manifest.build, ready };
    this.prepared.set(prefix, entry);
    // A failed prepare is forgotten, so that the next call tries again instead of repeating the failure.
    ready.catch(() => {
      if (this.prepared.get(prefix) === entry) this.prepared.delete(prefix);
    });
    return ready;
  }

  private async dropViews(dataset: string, keep: readonly number[]): Promise<void> {
    const retired = [...this.prepared.entries()].filter(
      ([, e]) => e.dataset === dataset && !keep.includes(e.build),
    );
    for (const [prefix] of retired) this.prepared.delete(prefix);
    if (retired.length === 0) return;
    await this.ddl(async (connection) => {
      for (const [prefix] of retired) {
        // Prepared again since (a query of that build came in): its views stay.
        if (this.prepared.has(prefix)) continue;
        for (const role of VIEW_ROLES)
          await connection.run(`DROP VIEW IF EXISTS ${sqlIdentifier(`${prefix}/${role}`)}`);
      }
    });
  }

  /**
   * Runs view creation and removal one at a time, in call order: a removal queued after a creation sees its
   * entry and keeps the views, and a creation queued after a removal makes them again.
   */
  private ddl(fn: (connection: DuckDBConnection) => Promise<void>): Promise<void> {
    const run = this.ddlChain.then(() => this.pool.use(fn));
    this.ddlChain = run.catch(() => undefined);
    return run;
  }

  genes(build: StoreBuild, query: GeneListQuery): Promise<GeneRow[]> {
    return this.query(build, (ctx) => listGenes(ctx, query));
  }

  cells(build: StoreBuild, query: CellListQuery): Promise<CellRow[]> {
    return this.query(build, (ctx) => listCells(ctx, query));
  }

  countCells(build: StoreBuild, filter: CellFilter, by: string | null): Promise<GroupCount[]> {
    return this.query(build, (ctx) => countCells(ctx, filter, by, () => this.select(ctx, filter)));
  }

  distinctValues(build: StoreBuild, column: string, limit: number): Promise<(string | null)[]> {
    return this.query(build, (ctx) => distinctValues(ctx, column, limit));
  }

  correlation(build: StoreBuild, request: PairCorrelationRequest): Promise<PairCorrelation> {
    return this.query(build, async (ctx) =>
      pairCorrelation(ctx, await this.select(ctx, request.cells), request),
    );
  }

  topCorrelated(build: StoreBuild, request: TopCorrelationRequest): Promise<TopCorrelation> {
    return this.query(build, async (ctx) =>
      topCorrelated(ctx, await this.select(ctx, request.cells), request),
    );
  }

  variability(build: StoreBuild, request: VariabilityRequest): Promise<Variability> {
    return this.query(build, async (ctx) => variability(ctx, await this.select(ctx, request.cells), request));
  }

  aggregates(build: StoreBuild, request: AggregateRequest): Promise<AggregateRow[]> {
    return this.query(build, (ctx) => aggregates(ctx, request));
  }

  async *subset(build: StoreBuild, request: SubsetRequest, signal?: AbortSignal): AsyncIterable<SubsetBatch> {
    // In flight until the consumer has read the last batch or stopped: close waits for it.
    const end = this.pool.begin();
    try {
      signal?.throwIfAborted();
      await this.ensureViews(build);
      const lease = await this.pool.lease();
      let handedOver = false;
      try {
        const ctx: QueryContext = { build, views: buildViews(build), connection: lease.connection };
        const selection = "where" in request.cells ? await this.select(ctx, request.cells.where) : undefined;
        const sql = subsetSql(ctx.views, request, selection);
        if (sql === undefined) return;
        handedOver = true;
        yield* streamSubset(lease, sql, request.batchRows, signal);
      } finally {
        if (!handedOver) lease.release();
      }
    } finally {
      end();
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  /** Runs one query on a leased connection, the build's views made first (prepare is idempotent). */
  private async query<T>(build: StoreBuild, fn: (ctx: QueryContext) => Promise<T>): Promise<T> {
    const end = this.pool.begin();
    try {
      const run = async (): Promise<T> => {
        await this.ensureViews(build);
        return this.pool.use((connection) => fn({ build, views: buildViews(build), connection }));
      };
      try {
        return await run();
      } catch (error) {
        // A retire between making the views and running the query drops them under it: make them again, once.
        if (this.prepared.has(viewPrefix(build))) throw error;
        return await run();
      }
    } finally {
      end();
    }
  }

  private select(ctx: QueryContext, filter: CellFilter): Promise<CellSelection> {
    return selectCells(ctx.build, ctx.views, filter, (sql) => queryCount(ctx, sql));
  }
}
