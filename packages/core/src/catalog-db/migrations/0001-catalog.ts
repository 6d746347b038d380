import type { Migration } from "./migration.js";

/**
 * The catalog: datasets and their objects, provenance edges, runs, schema versions and API keys.
 * Later migrations add backups and asset materializations next to these tables.
 *
 * Text search (`q`) uses a stored tsvector with the `simple` configuration (no stemming, no stop
 * words: accessions like GSE2034 and gene names must match as written) and a GIN index. It is in
 * core PostgreSQL on both engines, scales to millions of rows, and gives word-prefix matching
 * (`brea` finds "breast"). Trigram indexes (pg_trgm) would add substring matching but need an
 * extension that a managed server may not allow; unindexed ILIKE would scan the whole table.
 */
export const migration0001: Migration = {
  id: "0001_catalog",
  sql: `
CREATE TABLE datasets (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 512),
  layer text NOT NULL CHECK (layer IN ('raw', 'processed', 'curated', 'archive')),
  source text NOT NULL CHECK (length(source) > 0),
  external_id text,
  description text,
  metadata jsonb NOT NULL CHECK (
    jsonb_typeof(metadata) = 'object'
    AND jsonb_typeof(metadata -> 'source') = 'string'
    AND jsonb_typeof(metadata -> 'date') = 'string'
    AND jsonb_typeof(metadata -> 'version') = 'string'
  ),
  tags text[] NOT NULL DEFAULT '{}',
  object_count bigint NOT NULL DEFAULT 0 CHECK (object_count >= 0),
  total_bytes bigint NOT NULL DEFAULT 0 CHECK (total_bytes >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  search tsvector GENERATED ALWAYS AS (
    to_tsvector('simple'::regconfig, name || ' ' || coalesce(external_id, '') || ' ' || coalesce(description, ''))
    || jsonb_to_tsvector('simple'::regconfig, metadata, '["string", "numeric"]'::jsonb)
  ) STORED,
  CONSTRAINT datasets_name_layer_key UNIQUE (name, layer)
);
-- Keyset pages are ordered by id; each filter index ends in id so a filtered page is one index range.
CREATE INDEX datasets_layer_idx ON datasets (layer, id);
CREATE INDEX datasets_source_idx ON datasets (source, id);
CREATE INDEX datasets_external_id_idx ON datasets (external_id) WHERE external_id IS NOT NULL;
CREATE INDEX datasets_tags_idx ON datasets USING gin (tags);
CREATE INDEX datasets_search_idx ON datasets USING gin (search);

-- Object keys and names sort bytewise (COLLATE "C") so key order is the same on every server and in JavaScript.
CREATE TABLE objects (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  dataset_id bigint NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
  layer text NOT NULL CHECK (layer IN ('raw', 'processed', 'curated', 'archive')),
  key text COLLATE "C" NOT NULL CONSTRAINT objects_key_key UNIQUE,
  name text COLLATE "C" NOT NULL,
  size bigint NOT NULL CHECK (size >= 0),
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  media_type text,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT objects_dataset_name_key UNIQUE (dataset_id, name)
);

CREATE TABLE runs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  step text NOT NULL CHECK (length(step) > 0),
  status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  tool_versions jsonb NOT NULL DEFAULT '{}',
  parameters jsonb NOT NULL DEFAULT '{}',
  inputs jsonb NOT NULL DEFAULT '[]',
  outputs jsonb NOT NULL DEFAULT '[]',
  row_counts jsonb NOT NULL DEFAULT '{}',
  log text NOT NULL DEFAULT '',
  error jsonb,
  CONSTRAINT runs_finished_check CHECK ((status = 'running') = (finished_at IS NULL))
);
CREATE INDEX runs_step_idx ON runs (step, id);
CREATE INDEX runs_status_idx ON runs (status, id);

-- A dataset's deletion takes the edges that produced it; edges it fed keep their output and lose the input.
CREATE TABLE provenance (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  output_dataset_id bigint NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
  input_dataset_id bigint REFERENCES datasets (id) ON DELETE SET NULL,
  action text NOT NULL CHECK (action IN ('collection', 'conversion', 'consolidation', 'promotion', 'manual')),
  run_id bigint REFERENCES runs (id) ON DELETE SET NULL,
  parameters jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX provenance_output_idx ON provenance (output_dataset_id);
CREATE INDEX provenance_input_idx ON provenance (input_dataset_id);
CREATE INDEX provenance_run_idx ON provenance (run_id);

CREATE TABLE schema_versions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  dataset_id bigint NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
  table_name text NOT NULL CHECK (length(table_name) > 0),
  version integer NOT NULL CHECK (version >= 1),
  fields jsonb NOT NULL,
  diff jsonb NOT NULL,
  run_id bigint REFERENCES runs (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT schema_versions_version_key UNIQUE (dataset_id, table_name, version)
);

-- Only the sha256 of a key is stored; the prefix (unique, random) finds the row to compare against.
CREATE TABLE api_keys (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL CHECK (length(name) > 0),
  prefix text NOT NULL CONSTRAINT api_keys_prefix_key UNIQUE,
  key_hash text NOT NULL CHECK (key_hash ~ '^[0-9a-f]{64}$'),
  scopes text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
`,
};
