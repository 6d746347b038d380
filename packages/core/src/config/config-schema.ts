import { z } from "zod";

/**
 * The shape of `omicslake.toml`. Every table is strict so a typo is reported with the key and the
 * allowed names instead of being silently ignored. Paths are resolved against the config file's
 * directory by the loader, not here.
 */

const nameRegex = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export const s3SectionSchema = z
  .strictObject({
    endpoint: z
      .string()
      .describe("S3 endpoint URL for non-AWS stores (MinIO, R2, a local s3rver)")
      .optional(),
    region: z.string().default("us-east-1").describe("S3 region"),
    access_key_id: z
      .string()
      .describe("Access key id; defaults to the AWS SDK's credential chain")
      .optional(),
    secret_access_key: z.string().describe("Secret access key").optional(),
    force_path_style: z.boolean().default(false).describe("Use path-style URLs (needed by MinIO and s3rver)"),
    object_lock_mode: z
      .enum(["GOVERNANCE", "COMPLIANCE"])
      .describe("Apply S3 object-lock retention to raw objects in this mode")
      .optional(),
    object_lock_days: z
      .number()
      .int()
      .positive()
      .default(3650)
      .describe("Retention period for raw objects, in days"),
  })
  .describe("Credentials and options for an s3:// storage URL");

export const lakeSectionSchema = z
  .strictObject({
    root: z
      .string()
      .default(".omicslake")
      .describe("Directory holding the lake's local state (relative to the config file)"),
    storage: z
      .string()
      .regex(/^(file:\/\/|s3:\/\/)/, 'must start with "file://" or "s3://"')
      .optional()
      .describe('Where objects live: "file://<dir>" (default: <root>/objects) or "s3://bucket/prefix"'),
    database: z
      .string()
      .regex(/^(pglite:\/\/|postgres:\/\/|postgresql:\/\/)/, 'must start with "pglite://" or "postgres://"')
      .optional()
      .describe(
        'Catalog database: "pglite://<dir>" (default: <root>/catalog) or a "postgres://" URL; DATABASE_URL overrides',
      ),
    database_schema: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a lower-case PostgreSQL identifier (letters, digits, _)")
      .optional()
      .describe("PostgreSQL schema for the catalog tables (default: public)"),
    s3: s3SectionSchema.optional(),
  })
  .describe("Where the lake keeps its objects and its catalog");

export const serverSectionSchema = z
  .strictObject({
    host: z.string().default("127.0.0.1").describe("Interface to listen on"),
    port: z.number().int().min(0).max(65535).default(8000).describe("TCP port"),
    rate_limit: z
      .number()
      .int()
      .positive()
      .default(600)
      .describe("Requests per minute per client (0 disables)")
      .or(z.literal(0)),
    trust_proxy: z.boolean().default(false).describe("Trust X-Forwarded-* headers from a reverse proxy"),
    public_url: z
      .string()
      .optional()
      .describe("External base URL, used in links and the OpenAPI servers list"),
    max_object_bytes: z
      .number()
      .int()
      .positive()
      .default(64 * 1024 ** 3)
      .describe(
        "Largest object an upload may store, in bytes; a larger upload is refused (413) and stores nothing",
      ),
    json_body_limit: z
      .number()
      .int()
      .positive()
      .max(64 * 1024 ** 2)
      .default(1024 ** 2)
      .describe("Largest JSON request body, in bytes (at most 64 MiB)"),
    public_reads: z
      .boolean()
      .default(true)
      .describe(
        "Anyone may call the read routes (catalog, downloads, entities, metrics); false makes every read need an API key (any scope)",
      ),
  })
  .describe("The REST API and dashboard server");

/** A list of names, written as one string or an array. */
const nameList = z
  .union([z.string().regex(nameRegex), z.array(z.string().regex(nameRegex))])
  .transform((value) => (typeof value === "string" ? [value] : value));

/**
 * A source is loose: besides the keys every kind shares, each kind reads its own keys (`api_key` for geo,
 * `download_command` for sra-reads, …). Which extra keys a kind takes is its registered spec's business
 * (`source-kind-spec.ts`); the checker refuses the others with the kind's list.
 */
export const sourceSchema = z
  .looseObject({
    kind: z.string().min(1).describe("What kind of upstream this is (see `omicslake config kinds`)"),
    description: z.string().optional(),
    url: z.string().optional().describe("Base URL of the upstream (NCBI FTP/HTTPS mirror, a file URL)"),
    path: z
      .string()
      .optional()
      .describe("Local root of the source's tree (lab trees, read mirrors, downloaded genomes)"),
    layout: z
      .union([z.number().int(), z.string()])
      .optional()
      .describe(
        'Tree layout: 0 "{Species}--{accession}.ext", 1 "{Species}/{accession}.ext", 2 "{Species}/{accession}/*", "lab" "{Species}/{individual}/*", "files"',
      ),
    api_key: z
      .string()
      .optional()
      .describe("NCBI E-utilities API key (raises the rate limit to 10 requests/s)"),
    email: z.string().optional().describe("Contact e-mail sent to NCBI E-utilities"),
    requests_per_second: z
      .number()
      .positive()
      .optional()
      .describe("Client-side rate limit for this upstream"),
    options: z.record(z.string(), z.unknown()).optional().describe("Source-specific options"),
  })
  .describe("An upstream that data comes from");

export const dataSchema = z
  .looseObject({
    source: z.string().describe("Name of a [source.X] section"),
    role: z.string().describe("Name of a [role.Z] section"),
    description: z.string().optional(),
    directory: z
      .string()
      .regex(/^(?!\.{1,2}$)[^/\\\0]+$/, 'must be one directory name (no "/", "\\", "." or "..")')
      .optional()
      .describe("The dataset's directory in its source's tree and in output paths (default: its name)"),
    accessions: z.array(z.string()).optional().describe("Upstream accessions to fetch (GSE…, SRP…, GCF_…)"),
    include: z.array(z.string()).optional().describe("Glob patterns of items to include"),
    exclude: z.array(z.string()).optional().describe("Glob patterns of items to exclude"),
    tags: z.array(z.string()).optional(),
    automation: z
      .string()
      .min(1)
      .optional()
      .describe(
        'When the dataset\'s fetch (its asset data/<name>/raw) runs by itself: an automation condition, e.g. "manual" (default), "eager" or \'on_cron("0 3 * * *")\'',
      ),
    schedule: z
      .string()
      .optional()
      .describe(
        'Shorthand for automation: "manual", "eager" or "cron: <expr>" (once per tick of the cron expression); set one of the two',
      ),
    run: nameList.optional().describe("Processing sections to run instead of the role's (alias: processing)"),
    processing: nameList.optional().describe("Processing sections to run instead of the role's"),
    options: z.record(z.string(), z.unknown()).optional(),
  })
  .describe("A named dataset binding one source and one role");

export const roleSchema = z
  .strictObject({
    description: z.string().optional(),
    run: nameList.optional().describe("Processing sections its datasets run by default (alias: processing)"),
    processing: nameList.optional().describe("Processing sections its datasets run by default"),
  })
  .describe("A purpose that groups datasets and names their default processing");

/** One step of a processing section, written as a table: a built-in step with a name, or a command. */
export const stepTableSchema = z
  .strictObject({
    name: z
      .string()
      .regex(nameRegex)
      .optional()
      .describe("How references name this step's output: NAME@SECTION"),
    step: z.string().optional().describe("A built-in step (ingest, parse, convert, …)"),
    command: z
      .string()
      .min(1)
      .optional()
      .describe("A program run on each item: {input}, {output}, {threads}, {species}, {accession}, …"),
    input: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .describe('What the command reads: "item" (default), or NAME@SECTION / NAME (another step\'s output)'),
    output: z
      .string()
      .optional()
      .describe("The file the command writes ({output} is its path); default: a directory it fills"),
    threads: z.number().int().min(1).max(1024).optional().describe("Threads given as {threads} (default 1)"),
    description: z.string().optional(),
  })
  .describe("A processing step");

export const processingSchema = z
  .strictObject({
    description: z.string().optional(),
    role: z.string().optional().describe("The role whose datasets run this section by default"),
    steps: z
      .array(z.union([z.string(), stepTableSchema]))
      .min(1)
      .describe('Ordered steps: built-in names ("ingest", "convert") or tables ({ name, command, … })'),
    options: z.record(z.string(), z.unknown()).optional(),
  })
  .describe("A processing recipe");

export const metadataSectionSchema = z
  .strictObject({
    max_shrink: z
      .number()
      .min(0, "must be between 0 and 1 (a share of rows)")
      .max(1, "must be between 0 and 1 (a share of rows)")
      .default(0.5)
      .describe(
        "Largest share of its rows a published entity may lose in one consolidate or load (0 to 1); becoming empty is always refused; --allow-shrink overrides",
      ),
  })
  .describe("Public-metadata publication (consolidate, load)");

export const backupSectionSchema = z
  .strictObject({
    daily: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day "HH:MM", e.g. "02:00"')
      .optional()
      .describe('When `serve` makes the daily backup, local time "HH:MM" (no daily backups when unset)'),
    weekly: z
      .string()
      .regex(
        /^(sun|mon|tue|wed|thu|fri|sat) ([01]\d|2[0-3]):[0-5]\d$/,
        'must be a weekday and time "ddd HH:MM", e.g. "sun 03:00"',
      )
      .optional()
      .describe(
        'When `serve` makes the weekly backup, local time "ddd HH:MM" (no weekly backups when unset)',
      ),
    keep_daily: z.number().int().min(1).default(7).describe("How many daily backups to keep"),
    keep_weekly: z.number().int().min(1).default(4).describe("How many weekly backups to keep"),
    to: z
      .string()
      .regex(/^(file:\/\/|s3:\/\/)/, 'must start with "file://" or "s3://"')
      .optional()
      .describe(
        'Where backups go: "file://<dir>" or "s3://bucket/prefix" (S3 uses [lake.s3]); default the lake\'s own store',
      ),
  })
  .describe("Backups: the schedule `serve` runs, retention and destination");

export const expressionSectionSchema = z
  .strictObject({
    engine: z
      .enum(["duckdb", "clickhouse"])
      .default("duckdb")
      .describe(
        'Where expression queries run: "duckdb" (embedded, over the lake\'s Parquet) or "clickhouse" (a server at url)',
      ),
    url: z
      .string()
      .regex(/^https?:\/\/[^/]+/, 'must be an http:// or https:// URL, e.g. "http://127.0.0.1:8123"')
      .optional()
      .describe(
        'The ClickHouse HTTP endpoint (engine = "clickhouse"); a user and password may be given in the URL or as OMICSLAKE__EXPRESSION__URL',
      ),
    database: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, "must be a plain identifier (letters, digits, '_')")
      .default("omicslake")
      .describe('The ClickHouse database the expression tables live in (engine = "clickhouse")'),
    memory_limit: z
      .string()
      .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'must be a size, e.g. "2GB"')
      .optional()
      .describe(
        'Most memory DuckDB may use for a build or a query, e.g. "4GB" (DuckDB\'s default when unset)',
      ),
    threads: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe("DuckDB worker threads for builds and queries (every core when unset)"),
    max_result_values: z
      .number()
      .int()
      .min(1)
      .default(20_000_000)
      .describe("Largest subset a query may return (genes x cells for wide output, nonzeros for long)"),
  })
  .describe("Expression analytics: the engine and its limits");

/** The shape of an asset key (`data/geo/raw`, `metadata/serving`), as the asset graph checks it. */
export const ASSET_KEY_REGEX = /^[a-z0-9][a-z0-9_.-]*(\/[a-z0-9][a-z0-9_.-]*)*$/;

export const automationSectionSchema = z
  .strictObject({
    daemon: z
      .boolean()
      .default(false)
      .describe("Whether `omicslake serve` also runs the automation daemon (else run `omicslake daemon`)"),
    interval: z
      .number()
      .min(1, "must be at least 1 (seconds)")
      // Longer than a 32-bit timer holds (~24.8 days), Node fires at once: the daemon would spin.
      .max(86_400, "must be at most 86400 (seconds, one day)")
      .default(30)
      .describe("Seconds between two evaluations of the automation conditions"),
    concurrency: z
      .number()
      .int()
      .min(1)
      .default(2)
      .describe("Asset-partitions materialized at the same time by the daemon or `omicslake materialize`"),
    runner: z
      .enum(["auto", "in-process", "pg-boss"])
      .default("auto")
      .describe(
        'Where materializations run: "in-process", "pg-boss" (a queue any `omicslake worker` takes jobs from; PostgreSQL catalog only) or "auto" (pg-boss when the catalog is a PostgreSQL server)',
      ),
  })
  .describe("Asset automation: the daemon, its interval, its parallelism and where runs happen");

export const assetSectionSchema = z
  .strictObject({
    automation: z
      .string()
      .min(1)
      .optional()
      .describe(
        'When the asset runs by itself: an automation condition such as "eager", "manual", "on_missing" or \'on_cron("0 3 * * *") and not any_deps_in_progress\'',
      ),
    retries: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("Attempts after the first before a materialization counts as failed (default 2)"),
    retry_delay: z
      .number()
      .min(0)
      // Longer than a 32-bit timer holds, Node would retry at once instead of waiting.
      .max(86_400, "must be at most 86400 (seconds, one day)")
      .optional()
      .describe("Seconds before the first retry (default 5)"),
    retry_backoff: z
      .enum(["exponential", "constant"])
      .optional()
      .describe('How the delay grows between retries: "exponential" (doubles, the default) or "constant"'),
    concurrency: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe("Partitions of this asset materialized at the same time (default 1)"),
    tags: z
      .array(
        z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:=-]*$/, 'must be a tag such as "nightly" or "tier:2"'),
      )
      .optional()
      .describe("Extra tags, for selections such as `omicslake materialize --select tag:nightly`"),
  })
  .describe('Settings of one asset, keyed by its asset key: [asset."metadata/serving"]');

export const configSchema = z
  .strictObject({
    lake: lakeSectionSchema.prefault({}),
    server: serverSectionSchema.prefault({}),
    metadata: metadataSectionSchema.prefault({}),
    backup: backupSectionSchema.prefault({}),
    expression: expressionSectionSchema.prefault({}),
    automation: automationSectionSchema.prefault({}),
    asset: z.record(z.string(), assetSectionSchema).default({}),
    source: z.record(z.string().regex(nameRegex), sourceSchema).default({}),
    data: z.record(z.string().regex(nameRegex), dataSchema).default({}),
    role: z.record(z.string().regex(nameRegex), roleSchema).default({}),
    processing: z.record(z.string().regex(nameRegex), processingSchema).default({}),
  })
  .describe("omicslake configuration (omicslake.toml)");

export type RawConfig = z.output<typeof configSchema>;
export type SourceConfig = z.output<typeof sourceSchema>;
export type DataConfig = z.output<typeof dataSchema>;
export type RoleConfig = z.output<typeof roleSchema>;
export type ProcessingConfig = z.output<typeof processingSchema>;
export type StepTableConfig = z.output<typeof stepTableSchema>;
export type AutomationConfig = z.output<typeof automationSectionSchema>;
export type AssetSettingsConfig = z.output<typeof assetSectionSchema>;

/** The JSON Schema of omicslake.toml, for editors (Taplo, Even Better TOML) and docs. */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
  return { ...schema, $id: "https://omicslake.dev/schema/omicslake.schema.json", title: "omicslake.toml" };
}
