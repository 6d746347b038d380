export { createClickHouseEngine, type ClickHouseEngineOptions } from "./clickhouse-engine.js";
