import type { Migration } from "./migration.js";

/**
 * Item runs: per configured dataset, processing section, step and item, the last successful run of that
 * step on that item, the fingerprint of what it read (the command as configured, its threads and the
 * sha256 of every input) and the objects it wrote. `omicslake process` skips an item whose fingerprint is
 * unchanged and whose outputs are still in the lake, and a command reading another step's output finds it
 * here. One row per item, replaced by each success: the history is in `runs`.
 *
 * Datasets are named as the configuration names them (`dataset`), not by id: one `[data.X]` writes into
 * several lake datasets (raw `X`, processed `section.step`), and its items' record must outlive a processed
 * dataset that is deleted and rebuilt.
 */
export const migration0010: Migration = {
  id: "0010_item_runs",
  sql: `
CREATE TABLE item_runs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  dataset text COLLATE "C" NOT NULL CHECK (length(dataset) > 0),
  section text COLLATE "C" NOT NULL,
  step text COLLATE "C" NOT NULL CHECK (length(step) > 0),
  item text COLLATE "C" NOT NULL CHECK (length(item) > 0),
  run_id bigint REFERENCES runs (id) ON DELETE SET NULL,
  fingerprint text NOT NULL CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
  outputs jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(outputs) = 'array'),
  recorded_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT item_runs_item_key UNIQUE (dataset, section, step, item)
);
`,
};
