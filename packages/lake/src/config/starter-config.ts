/**
 * The commented starter written by `omicslake init`. Kept as text (not generated from the schema)
 * so the comments can explain choices; a test parses it to keep it valid.
 */
export const STARTER_CONFIG = `#:schema ./omicslake.schema.json
# omicslake configuration. Every key can be overridden by an environment variable
# OMICSLAKE__SECTION__KEY (for example OMICSLAKE__SERVER__PORT=9000); DATABASE_URL selects PostgreSQL.

[lake]
# Local state (catalog database, objects) lives here, relative to this file.
root = ".omicslake"
# Objects: a local directory (default: <root>/objects) or S3-compatible storage.
# storage = "s3://my-bucket/omicslake"
# Catalog: embedded PGlite (default: <root>/catalog) or a PostgreSQL server.
# database = "postgres://user@localhost:5432/omicslake"

# [lake.s3]
# endpoint = "http://127.0.0.1:9000"   # MinIO, R2, …; omit for AWS
# region = "us-east-1"
# force_path_style = true
# object_lock_mode = "GOVERNANCE"       # retention on raw objects, if the bucket has object lock

[server]
host = "127.0.0.1"
port = 8000
# Requests per minute per client; 0 disables rate limiting.
rate_limit = 600

# Sources: where raw data comes from.
[source.geo]
kind = "geo"
# api_key = "…"   # an NCBI API key raises the E-utilities limit from 3 to 10 requests/s
# email = "you@example.org"

[source.sra]
kind = "sra"

# Roles: a purpose that groups datasets and names their default processing.
[role.metadata]
description = "Public metadata, parsed and consolidated per entity"
processing = ["metadata"]

# Processing: ordered steps.
[processing.metadata]
steps = ["parse", "consolidate"]

# Datasets: one source bound to one role.
[data.geo-series]
source = "geo"
role = "metadata"
# accessions = ["GSE2034"]

[data.sra-metadata]
source = "sra"
role = "metadata"
`;
