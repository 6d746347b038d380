// Test support for packages whose tests need serving tables: Parquet shaped like the curated entities,
// written from the shared NCBI fixtures. Imported only by tests, through `@omicslake/metadata/testing`.
export * from "./serving-fixtures.js";
