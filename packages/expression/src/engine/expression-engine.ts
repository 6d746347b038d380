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
} from "../model/expression-types.js";
import type { StoreFileRole, StoreManifest } from "../store/store-layout.js";

/**
 * One published build of a store, as an engine sees it: its manifest and, for engines that read files, the
 * local path of each file (verified against its sha256 before it was handed out).
 */
export interface StoreBuild {
  readonly manifest: StoreManifest;
  /** Local, verified copies of the build's files (absent roles are absent from the build). */
  readonly files: { readonly [K in StoreFileRole]?: string };
}

export type EngineKind = "duckdb" | "clickhouse";

/**
 * The extension point of the expression flow: where statistics are computed. Every method takes the build to
 * read and requests whose genes are already resolved to indexes and whose cell filters name existing columns
 * (the service checks both and raises the user-facing errors); an engine translates them to its SQL, computes
 * with the implicit zeros, and never loads the matrix into Node. Both engines pass one test body
 * (test/engine-conformance.ts).
 *
 * Results are exact to the numerics of float64 sums: they agree with numpy to 1e-9 relative.
 */
export interface ExpressionEngine {
  readonly kind: EngineKind;

  /**
   * Makes a build queryable and returns once it is: DuckDB opens views over the files; ClickHouse loads the
   * build into its tables (once; a second call finds them loaded). Idempotent and safe to call concurrently.
   */
  prepare(build: StoreBuild, signal?: AbortSignal): Promise<void>;
  /** Drops what prepare made for builds of `dataset` other than `keep` (ClickHouse tables; DuckDB views). */
  retire(dataset: string, keep: readonly number[]): Promise<void>;

  genes(build: StoreBuild, query: GeneListQuery): Promise<GeneRow[]>;
  cells(build: StoreBuild, query: CellListQuery): Promise<CellRow[]>;
  /** Cells matching a filter, counted per value of `by` (null: all matching cells as one group). */
  countCells(build: StoreBuild, filter: CellFilter, by: string | null): Promise<GroupCount[]>;
  /** Distinct values of a cell column (for "unknown cell type" errors and the UI), at most `limit`. */
  distinctValues(build: StoreBuild, column: string, limit: number): Promise<(string | null)[]>;

  correlation(build: StoreBuild, request: PairCorrelationRequest): Promise<PairCorrelation>;
  topCorrelated(build: StoreBuild, request: TopCorrelationRequest): Promise<TopCorrelation>;
  variability(build: StoreBuild, request: VariabilityRequest): Promise<Variability>;
  aggregates(build: StoreBuild, request: AggregateRequest): Promise<AggregateRow[]>;
  /** Nonzeros of genes × cells, ordered by (cell_idx, gene_idx), in batches; the caller may stop early. */
  subset(build: StoreBuild, request: SubsetRequest, signal?: AbortSignal): AsyncIterable<SubsetBatch>;

  close(): Promise<void>;
}
