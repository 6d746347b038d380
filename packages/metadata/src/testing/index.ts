// Test support for packages whose tests need serving tables: Parquet shaped like the curated entities,
// written from the shared NCBI fixtures, and the accession links built from them. Imported only by tests, through `@omicslake/metadata/testing`.
export * from "./serving-fixtures.js";
export * from "./links-fixtures.js";
