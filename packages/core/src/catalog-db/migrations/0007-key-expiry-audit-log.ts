import type { Migration } from "./migration.js";

/**
 * `api_keys.expires_at`: a key stops working at that instant (NULL: never), refused with its own message so
 * its holder knows to ask for a new one rather than suspect a typo. `audit_log`: one row per write, from the
 * CLI or the API, whatever its outcome. Rows are only ever added; `id` orders them (keyset pages), `at` is
 * the database's clock so entries from several processes and hosts sort on one time line. `key_id` has no
 * foreign key on purpose: an entry must outlive anything it names, and refused requests name keys that
 * may be unknown.
 */
export const migration0007: Migration = {
  id: "0007_key_expiry_audit_log",
  sql: `
ALTER TABLE api_keys ADD COLUMN expires_at timestamptz;

CREATE TABLE audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor_kind text NOT NULL CHECK (actor_kind IN ('api_key', 'local_user', 'anonymous')),
  actor text NOT NULL,
  key_id bigint,
  origin text NOT NULL CHECK (origin IN ('api', 'cli')),
  action text NOT NULL,
  dataset text,
  objects text[] NOT NULL DEFAULT '{}',
  request_id text NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('succeeded', 'failed', 'cancelled')),
  error_code text,
  http_status integer,
  details jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_dataset_idx ON audit_log (dataset);
`,
};
