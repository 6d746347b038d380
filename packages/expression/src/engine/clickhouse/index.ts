export { createClickHouseEngine, type ClickHouseEngineOptions } from "./clickhouse-engine.js";
export { chIdentifier, chInteger, chNumber, chString } from "./clickhouse-quote.js";
export { redactUrl } from "./clickhouse-url.js";
