export * from "./model/expression-types.js";
export * from "./store/store-layout.js";
export type { EngineKind, ExpressionEngine, StoreBuild } from "./engine/expression-engine.js";
export * from "./statistics/implicit-zeros.js";
export { createDuckDbEngine, type DuckDbEngineOptions } from "./engine/duckdb/duckdb-engine.js";
export { createClickHouseEngine, type ClickHouseEngineOptions } from "./engine/clickhouse/index.js";
