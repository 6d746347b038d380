import type { Migration } from "./migration.js";

/**
 * Item claims: which run is processing a step on an item of a configured dataset right now. Two
 * `omicslake process` runs at once would otherwise both run the command on the same item and publish and
 * remove each other's outputs; the unique key lets exactly one run hold an item, on PGlite and PostgreSQL
 * alike. A claim whose run is no longer running (it ended, or was abandoned after its owner died) is free.
 */
export const migration0011: Migration = {
  id: "0011_item_claims",
  sql: `
CREATE TABLE item_claims (
  dataset text COLLATE "C" NOT NULL,
  section text COLLATE "C" NOT NULL,
  step text COLLATE "C" NOT NULL,
  item text COLLATE "C" NOT NULL,
  run_id bigint NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  claimed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (dataset, section, step, item)
);
`,
};
