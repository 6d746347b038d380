import type { Migration } from "./migration.js";

/**
 * The serving tables' bookkeeping: one row per load of a curated entity into the serving database (the
 * catalog's own). The newest row of an entity names the table (`{entity}_a` or `{entity}_b`) its view
 * reads, so a loader knows which table is idle, and the API reports row counts and load times from it.
 * The per-entity tables and views are created by the loader itself, since their columns follow the
 * entity definitions of the release that loads them.
 *
 * `IF NOT EXISTS`: before this migration the loader created the table on first use, so a catalog that
 * already served keeps its table and its load history.
 */
export const migration0005: Migration = {
  id: "0005_serving_loads",
  sql: `
CREATE TABLE IF NOT EXISTS serving_loads (
  id bigserial PRIMARY KEY,
  entity text NOT NULL,
  table_name text NOT NULL,
  rows bigint NOT NULL,
  loaded_at timestamptz NOT NULL DEFAULT now(),
  source text,
  source_sha256 text NOT NULL,
  seconds double precision
);
CREATE INDEX IF NOT EXISTS serving_loads_entity_idx ON serving_loads (entity, id);
`,
};
