import type { Migration } from "./migration.js";

/**
 * Tombstones, dataset versions and external steps.
 *
 * A deleted dataset keeps its row as a tombstone (`state = 'deleted'`, with when and by which run), so
 * the provenance edges into and out of it stay and curated data keeps its path to raw. Only its objects
 * go. Its name is free again: the name/layer uniqueness becomes a partial unique index over the rows
 * that are not tombstones (same name as the old constraint, so conflict errors read the same).
 *
 * `dataset_versions`: one row per republication of a dataset, one per (dataset, run) so a run that adds
 * a thousand objects is one version, and two runs writing concurrently get two. Existing datasets
 * start at version 1.
 *
 * External steps (a FastQC or nf-core step recorded over the API) are runs whose provenance edges have
 * the action `external`; `external_key` (the client's idempotency key or external id) is unique, so a
 * retried record never makes a second run, and `external_request_sha256` tells a true retry from a key
 * reused for a different record.
 */
export const migration0008: Migration = {
  id: "0008_lineage_versions",
  sql: `
ALTER TABLE datasets DROP CONSTRAINT datasets_state_check;
ALTER TABLE datasets ADD CONSTRAINT datasets_state_check CHECK (state IN ('ready', 'pending', 'deleted'));
ALTER TABLE datasets ADD COLUMN deleted_at timestamptz;
ALTER TABLE datasets ADD COLUMN deleted_by_run bigint REFERENCES runs (id) ON DELETE SET NULL;
ALTER TABLE datasets ADD CONSTRAINT datasets_deleted_check CHECK ((state = 'deleted') = (deleted_at IS NOT NULL));
ALTER TABLE datasets DROP CONSTRAINT datasets_name_layer_key;
CREATE UNIQUE INDEX datasets_name_layer_key ON datasets (name, layer) WHERE state <> 'deleted';

ALTER TABLE provenance DROP CONSTRAINT provenance_action_check;
ALTER TABLE provenance ADD CONSTRAINT provenance_action_check
  CHECK (action IN ('collection', 'conversion', 'consolidation', 'promotion', 'manual', 'external'));

ALTER TABLE runs ADD COLUMN external_key text CHECK (length(external_key) BETWEEN 1 AND 256);
ALTER TABLE runs ADD COLUMN external_request_sha256 text CHECK (external_request_sha256 ~ '^[0-9a-f]{64}$');
CREATE UNIQUE INDEX runs_external_key ON runs (external_key) WHERE external_key IS NOT NULL;

CREATE TABLE dataset_versions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  dataset_id bigint NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
  version integer NOT NULL CHECK (version >= 1),
  run_id bigint REFERENCES runs (id) ON DELETE SET NULL,
  object_count bigint NOT NULL CHECK (object_count >= 0),
  total_bytes bigint NOT NULL CHECK (total_bytes >= 0),
  changes jsonb NOT NULL CHECK (jsonb_typeof(changes) = 'object'),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT dataset_versions_version_key UNIQUE (dataset_id, version)
);
CREATE UNIQUE INDEX dataset_versions_run_key ON dataset_versions (dataset_id, run_id) WHERE run_id IS NOT NULL;

INSERT INTO dataset_versions (dataset_id, version, run_id, object_count, total_bytes, changes, created_at, updated_at)
SELECT id, 1, created_by_run, object_count, total_bytes,
       jsonb_build_object('created', true, 'added', object_count, 'replaced', 0, 'removed', 0, 'schema', '[]'::jsonb),
       created_at, updated_at
FROM datasets;
UPDATE datasets SET metadata = jsonb_set(metadata, '{version}', '"1"');
`,
};
