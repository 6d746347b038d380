import type { Migration } from "./migration.js";

/**
 * Run owners and leases: a process that starts a run records who it is (host, pid and a random token
 * for this process) and holds a lease that a timer renews while it lives. A run whose lease ran out, or
 * whose owner on the same host is gone, can only have been killed: the next process to open the lake
 * marks it `abandoned` with the reason, so no run stays `running` forever.
 *
 * `created_by_run` on datasets says which run created a dataset, so an empty raw dataset left by a run
 * that never completed can be told apart from one a user created on purpose (and is waiting to fill).
 */
export const migration0003: Migration = {
  id: "0003_run_leases",
  sql: `
ALTER TABLE runs DROP CONSTRAINT runs_status_check;
ALTER TABLE runs ADD CONSTRAINT runs_status_check CHECK (status IN ('running', 'succeeded', 'failed', 'abandoned'));
ALTER TABLE runs ADD COLUMN owner_host text;
ALTER TABLE runs ADD COLUMN owner_pid integer;
ALTER TABLE runs ADD COLUMN owner_token text;
ALTER TABLE runs ADD COLUMN lease_expires_at timestamptz;
ALTER TABLE runs ADD COLUMN heartbeat_at timestamptz;
ALTER TABLE datasets ADD COLUMN created_by_run bigint REFERENCES runs (id) ON DELETE SET NULL;
-- Only running runs are ever checked for a lapsed lease.
CREATE INDEX runs_running_idx ON runs (id) WHERE status = 'running';
`,
};
