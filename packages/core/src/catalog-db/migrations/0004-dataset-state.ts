import type { Migration } from "./migration.js";

/**
 * A dataset's state: `ready` (visible to every lookup, listing, search and statistic) or `pending`
 * (a promotion target still being filled). A promotion creates its target pending, copies the objects
 * into it and flips it to ready in the transaction that records the promotion edge, so a promotion
 * killed half-way never shows a partial dataset, and the pending row (which keeps holding the name)
 * tells the next promotion where to resume and fsck what was left unfinished. Existing rows are ready.
 */
export const migration0004: Migration = {
  id: "0004_dataset_state",
  sql: `
ALTER TABLE datasets ADD COLUMN state text NOT NULL DEFAULT 'ready' CHECK (state IN ('ready', 'pending'));
-- Pending datasets are few and short-lived; a partial index finds them without scanning the table.
CREATE INDEX datasets_pending_idx ON datasets (id) WHERE state = 'pending';
`,
};
