export * from "./model/expression-types.js";
export * from "./store/store-layout.js";
export type { EngineKind, ExpressionEngine, StoreBuild } from "./engine/expression-engine.js";
export * from "./statistics/implicit-zeros.js";
// Building stores and reaching them through the lake
export {
  buildExpressionStore,
  buildSettingsOf,
  DEFAULT_BUILD_MEMORY_LIMIT,
  EXPRESSION_BUILD_STEP,
  type BuildExpressionStoreOptions,
  type BuildExpressionStoreResult,
} from "./build/build-expression-store.js";
export type { StoreAccess } from "./store/store-access.js";
export {
  defaultExpressionCacheDir,
  LakeStoreAccess,
  type LakeStoreAccessOptions,
} from "./store/lake-store-access.js";
export { parseStoreManifest, readStorePointer, type StorePointer } from "./store/store-manifest-reader.js";
export { makeUnique, renameRepeats, type NameOccurrence } from "./names/make-unique.js";
export * from "./service/expression-service.js";
export { GeneIndex, type IndexedGene } from "./service/gene-index.js";
export {
  WHERE_PREFIX,
  checkFilter,
  filterFromArgs,
  filterFromJson,
  filterFromQuery,
  type RawCondition,
  type RawFilter,
} from "./service/cell-filter-parser.js";
export type { CellSelection } from "./service/cell-selection.js";
export { writeSubset, checkSubsetLayout } from "./output/subset-writer.js";
export {
  SUBSET_MEDIA_TYPES,
  type SelectedCell,
  type SelectedGene,
  type SubsetFormat,
  type SubsetLayout,
  type SubsetShape,
  type SubsetSource,
} from "./output/subset-source.js";
export { lazyExpressionService, type ExpressionProvider } from "./service/expression-provider.js";
export { createDuckDbEngine, type DuckDbEngineOptions } from "./engine/duckdb/duckdb-engine.js";
export { expressionEngineOf, openExpressionService } from "./service/open-expression-service.js";
export { buildConfiguredExpressionStore } from "./service/build-configured.js";
export { createClickHouseEngine, type ClickHouseEngineOptions } from "./engine/clickhouse/index.js";
