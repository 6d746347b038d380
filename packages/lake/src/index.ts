export * from "./errors/omicslake-error.js";
export * from "./object-store/layer.js";
export type * from "./object-store/object-store.js";
export type { SqlClient } from "./catalog-db/sql-client.js";
export type { Catalog } from "./catalog/catalog.js";
export type * from "./catalog/catalog-types.js";
