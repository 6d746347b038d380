import type { Migration } from "./migration.js";

/**
 * Backup jobs: one row per backup (manual, daily or weekly), written `running` before any byte is
 * copied and finished `succeeded` (with the manifest's sha256) or `failed` (with the error). A row
 * left `running` by a killed process is found by its run (`run_id`), which the lake marks abandoned,
 * and is marked failed by the next backup. The partial unique index lets only one backup run at a
 * time, whichever process starts it. `pruned`: a succeeded backup that retention removed.
 */
export const migration0009: Migration = {
  id: "0009_backups",
  sql: `
CREATE TABLE backups (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('manual', 'daily', 'weekly')),
  status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed', 'pruned')),
  destination text NOT NULL,
  folder text NOT NULL,
  run_id bigint REFERENCES runs (id) ON DELETE SET NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  objects bigint NOT NULL DEFAULT 0 CHECK (objects >= 0),
  bytes bigint NOT NULL DEFAULT 0 CHECK (bytes >= 0),
  bytes_copied bigint NOT NULL DEFAULT 0 CHECK (bytes_copied >= 0),
  error jsonb,
  manifest_sha256 text CHECK (manifest_sha256 ~ '^[0-9a-f]{64}$'),
  CONSTRAINT backups_finished_check CHECK ((status = 'running') = (finished_at IS NULL)),
  CONSTRAINT backups_manifest_check CHECK (status NOT IN ('succeeded', 'pruned') OR manifest_sha256 IS NOT NULL)
);
CREATE UNIQUE INDEX backups_one_running_idx ON backups ((true)) WHERE status = 'running';
CREATE INDEX backups_kind_idx ON backups (kind, id);
`,
};
