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

# Publication guards: consolidate and load refuse to replace an entity with an empty one, or with one that
# lost more than this share of its rows (an unreachable upstream or a lost processed dataset does that);
# --allow-shrink publishes anyway.
[metadata]
max_shrink = 0.5

# Backups: "omicslake serve" makes them on this schedule (local time); "omicslake backup" any time.
# [backup]
# daily = "02:00"
# weekly = "sun 03:00"
# keep_daily = 7
# keep_weekly = 4
# to = "file:///srv/omicslake-backups"   # default: archive/backups/ in the lake's own store

# Automation: every flow's steps are assets ("omicslake assets ls"); each has a condition saying when it runs
# by itself: "manual" (only "omicslake materialize"), "eager" (when an upstream changed), "on_missing",
# 'on_cron("0 3 * * *")', combined with and / or / not. "omicslake daemon" evaluates them; with daemon = true,
# "omicslake serve" does too. Fetches are manual unless [data.X] automation (or schedule) says otherwise;
# every other asset is eager.
# [automation]
# daemon = false
# interval = 30          # seconds between evaluations
# concurrency = 2        # asset-partitions run at once
# runner = "auto"        # "in-process", or "pg-boss" (workers on any machine; PostgreSQL catalog) when auto finds one
#
# [asset."metadata/serving"]
# automation = 'on_cron("0 4 * * *")'
# retries = 2
# retry_delay = 5        # seconds, doubled per retry unless retry_backoff = "constant"

# Sources: where raw data comes from. Kinds: the public-metadata feeds (sra, geo, biosample, bioproject,
# pubmed), ncbi-genomes, genbank, sra-reads, internal (alias directory: a tree your lab fills), url, s3.
# "omicslake config kinds" lists each kind's keys, layouts and steps.
[source.geo]
kind = "geo"
# api_key = "…"   # an NCBI API key raises the E-utilities limit from 3 to 10 requests/s
# email = "you@example.org"

# Roles: a purpose that groups datasets and names the processing they run by default.
[role.metadata]
description = "Public metadata, parsed and consolidated per entity"
run = ["metadata"]

# Processing: ordered steps, built-in (ingest, parse, convert, consolidate, snapshot, load, checksum) or a
# program of yours run on each item: { name = "trimmed", command = "fastp -i {input1} -I {input2} -o {output}" }.
# "omicslake process" runs what is configured.
[processing.metadata]
steps = ["ingest", "parse", "consolidate"]

# Datasets: one source bound to one role. This one is a single GEO series (a few hundred KB, no API key
# needed): "omicslake ingest && omicslake consolidate" works as written.
[data.geo-series]
source = "geo"
role = "metadata"
accessions = ["GSE2034"]
# automation = 'on_cron("0 3 * * *")'   # fetch it every night (or: schedule = "cron: 0 3 * * *")
# To widen it: add accessions, or every series updated in some months (one request per series):
# options = { months = ["2024-05"] }   # or { from = "2024-01", to = "2024-06" }

# More sources, commented out because they are large. SRA's Mirroring batch files are whole (tens of GB):
# they are downloaded whole even when "accessions" keeps the records of a few studies only.
# [source.sra]
# kind = "sra"
#
# [data.sra-study]
# source = "sra"
# role = "metadata"
# accessions = ["SRP000001"]   # study accessions (SRP/ERP/DRP); records of other studies are dropped
#
# [source.pubmed]
# kind = "pubmed"
#
# [data.pubmed-updates]
# source = "pubmed"
# role = "metadata"
# options = { sets = ["updatefiles"] }
# include = ["updatefiles/pubmed25n150*.xml.gz"]   # a few daily update files; drop it for all of them

# A lab's own sequencing tree, {Species}/{individual}/{files}, with a program run on every individual:
# [source.lab]
# kind = "internal"
# path = "/data/sequencing"
#
# [role.skims]
# run = ["qc"]
#
# [processing.qc]
# steps = ["ingest", { name = "stats", command = "seqkit stats -T {input} > {output}", output = "stats.tsv" }]
#
# [data.oaks]
# source = "lab"
# role = "skims"
`;
