import type { Migration } from "./migration.js";

/**
 * Upstream files: one row per version of an upstream file that a source adapter fetched into raw.
 * It is what makes ingest incremental: a later ingest compares the upstream's ETag, Last-Modified and
 * size with the latest row for the same URL (or sends them as a conditional request) and fetches only
 * what changed. A changed upstream file gets a new row pointing at a new raw object; the old object and
 * row stay, because raw is immutable and the history of what upstream served is worth keeping.
 *
 * `object_key` is not a foreign key to `objects`: the object row is written first, then this row, and
 * a raw object is never deleted, so the key stays valid; keeping them apart lets the catalog's object
 * code stay unaware of sources.
 */
export const migration0002: Migration = {
  id: "0002_upstream_files",
  sql: `
CREATE TABLE upstream_files (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  dataset_id bigint NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
  url text NOT NULL CHECK (length(url) > 0),
  name text COLLATE "C" NOT NULL CHECK (length(name) > 0),
  partition jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(partition) = 'object'),
  etag text,
  last_modified timestamptz,
  size bigint NOT NULL CHECK (size >= 0),
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  md5 text,
  object_key text COLLATE "C" NOT NULL,
  run_id bigint REFERENCES runs (id) ON DELETE SET NULL,
  fetched_at timestamptz NOT NULL DEFAULT now()
);
-- The latest version of a URL in a dataset is the highest id for (dataset_id, url): one index range.
CREATE INDEX upstream_files_url_idx ON upstream_files (dataset_id, url, id);
CREATE INDEX upstream_files_object_key_idx ON upstream_files (object_key);
`,
};
