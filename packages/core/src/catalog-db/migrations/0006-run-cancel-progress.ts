import type { Migration } from "./migration.js";

/**
 * `cancelled`: a run its caller stopped on purpose (Ctrl-C), at a unit boundary, so unlike `failed`
 * nothing went wrong and unlike `abandoned` its owner finished the row itself. `progress` holds the
 * run's latest progress event, written at most about once a second while it runs, so the API can show
 * how far a run started by another process has come; a finished run keeps its last one.
 */
export const migration0006: Migration = {
  id: "0006_run_cancel_progress",
  sql: `
ALTER TABLE runs DROP CONSTRAINT runs_status_check;
ALTER TABLE runs ADD CONSTRAINT runs_status_check CHECK (status IN ('running', 'succeeded', 'failed', 'abandoned', 'cancelled'));
ALTER TABLE runs ADD COLUMN progress jsonb;
`,
};
