import type { Migration } from "./migration.js";

/**
 * Asset materializations: one row per attempt to materialize one asset-partition, with the upstream data
 * versions it read, what it wrote and how it ended; the latest `succeeded` row of an asset-partition is the
 * data in place. `partition_key` is `''` for an unpartitioned asset so that the unique index below covers it
 * too (NULLs never conflict). That partial unique index is what keeps each asset-partition to one running
 * attempt at a time across every process and machine sharing the catalog: a second insert of a `running` row
 * conflicts, whichever process it comes from.
 *
 * Automation cursors: what the daemon remembers per asset between evaluations (cron ticks handled).
 *
 * Runs gain the asset and partition they materialized, so `runs ls --asset` is an indexed lookup rather
 * than a scan of every run's parameters.
 */
export const migration0012: Migration = {
  id: "0012_asset_materializations",
  sql: `
CREATE TABLE asset_materializations (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  asset_key text COLLATE "C" NOT NULL CHECK (length(asset_key) > 0),
  partition_key text COLLATE "C" NOT NULL DEFAULT '',
  status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'skipped', 'cancelled')),
  run_id bigint REFERENCES runs (id) ON DELETE SET NULL,
  data_version text,
  inputs jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(inputs) = 'array'),
  outputs jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(outputs) = 'array'),
  metadata jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
  attempt integer NOT NULL DEFAULT 1 CHECK (attempt >= 1),
  origin text NOT NULL CHECK (origin IN ('cli', 'api', 'automation')),
  reason text NOT NULL DEFAULT '',
  request_id text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  error jsonb,
  CONSTRAINT asset_materializations_finished_check CHECK ((status = 'running') = (finished_at IS NULL))
);
CREATE UNIQUE INDEX asset_materializations_running_key ON asset_materializations (asset_key, partition_key)
  WHERE status = 'running';
-- The state snapshot reads the latest attempt and the latest success of every asset-partition.
CREATE INDEX asset_materializations_partition_idx ON asset_materializations (asset_key, partition_key, id);
CREATE INDEX asset_materializations_succeeded_idx ON asset_materializations (asset_key, partition_key, id)
  WHERE status = 'succeeded';
CREATE INDEX asset_materializations_request_idx ON asset_materializations (request_id, id);
CREATE INDEX asset_materializations_run_idx ON asset_materializations (run_id);

CREATE TABLE asset_cursors (
  asset_key text COLLATE "C" PRIMARY KEY,
  cursor jsonb NOT NULL CHECK (jsonb_typeof(cursor) = 'object'),
  updated_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE runs ADD COLUMN asset_key text COLLATE "C";
ALTER TABLE runs ADD COLUMN partition_key text COLLATE "C";
CREATE INDEX runs_asset_idx ON runs (asset_key, partition_key, id) WHERE asset_key IS NOT NULL;
`,
};
