import type { Layer } from "../object-store/layer.js";
import type { ProgressEvent } from "../steps/progress-event.js";

/** `external`: a step run outside the lake (FastQC, an nf-core pipeline) and recorded through the API. */
export type ProvenanceAction =
  "collection" | "conversion" | "consolidation" | "promotion" | "manual" | "external";
/**
 * `abandoned`: the owner died (or stopped renewing its lease) before it could finish the run.
 * `cancelled`: its caller stopped it on purpose (Ctrl-C) at a unit boundary; rerunning resumes.
 * Every status but `running` is final.
 */
export type RunStatus = "running" | "succeeded" | "failed" | "abandoned" | "cancelled";

/** The process that started a run: enough to tell, on the same host, whether it still lives. */
export interface RunOwner {
  readonly host: string;
  readonly pid: number;
  /** Random per process, so a reused pid is never mistaken for the owner. */
  readonly token: string;
}

/** Dataset metadata always carries these three keys; the catalog fills them in when omitted. */
export interface DatasetMetadata {
  readonly source: string;
  /** ISO date (YYYY-MM-DD) of the data, defaulting to the creation day. */
  readonly date: string;
  readonly version: string;
  readonly [key: string]: unknown;
}

export interface Dataset {
  readonly id: number;
  readonly name: string;
  readonly layer: Layer;
  readonly source: string;
  readonly externalId: string | null;
  readonly description: string | null;
  readonly metadata: DatasetMetadata;
  readonly tags: readonly string[];
  /** Number of objects and their total bytes, kept current by the catalog. */
  readonly objectCount: number;
  readonly totalBytes: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface NewDataset {
  readonly name: string;
  readonly layer: Layer;
  readonly source?: string;
  readonly externalId?: string | null;
  readonly description?: string | null;
  readonly metadata?: Record<string, unknown>;
  readonly tags?: readonly string[];
  /** The run that creates it (recorded so fsck can tell debris of a killed run from a dataset made on purpose). */
  readonly createdByRunId?: number | null;
}

export interface CatalogObject {
  readonly id: number;
  readonly datasetId: number;
  readonly layer: Layer;
  /** Store key, unique across the lake. */
  readonly key: string;
  /** Name within the dataset (the file's relative path), unique per dataset. */
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
  readonly mediaType: string | null;
  readonly createdAt: Date;
}

export interface NewObject {
  readonly datasetId: number;
  readonly key: string;
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
  readonly mediaType?: string | null;
}

/**
 * One object write decided under the catalog's locks (see Catalog.writeObject). `decide` sees the row the
 * key has now, if any; it makes the new bytes visible under the key (or refuses by throwing) and returns
 * what to record.
 */
export interface ObjectWrite {
  readonly datasetId: number;
  readonly key: string;
  readonly name: string;
  decide(
    current: CatalogObject | undefined,
  ): Promise<{ size: number; sha256: string; mediaType?: string | null }>;
}

export interface ProvenanceEdge {
  readonly id: number;
  readonly outputDatasetId: number;
  readonly inputDatasetId: number | null;
  readonly action: ProvenanceAction;
  readonly runId: number | null;
  readonly parameters: Record<string, unknown>;
  readonly createdAt: Date;
}

/**
 * A promotion as the lake records it: the provenance edge of action `promotion`, with the promoted
 * dataset's name and the layers it went from and to (read from the datasets the edge joins).
 */
export interface Promotion {
  /** The provenance edge that records it. */
  readonly id: number;
  /** The dataset the promotion created, in `toLayer`. */
  readonly datasetId: number;
  readonly datasetName: string;
  /** The dataset it was copied from; null only for an edge recorded without one. */
  readonly inputDatasetId: number | null;
  readonly fromLayer: Layer | null;
  readonly toLayer: Layer;
  readonly runId: number | null;
  readonly createdAt: Date;
  readonly parameters: Record<string, unknown>;
}

export interface PromotionQuery {
  /** Only promotions into or out of this dataset (its id). */
  readonly datasetId?: number;
  readonly limit?: number;
  readonly cursor?: string;
}

export interface NewProvenanceEdge {
  readonly outputDatasetId: number;
  /** Null for a collection edge whose input is outside the lake (a URL, an upload). */
  readonly inputDatasetId: number | null;
  readonly action: ProvenanceAction;
  readonly runId?: number | null;
  readonly parameters?: Record<string, unknown>;
}

/**
 * A dataset in a provenance graph. A deleted dataset stays as a tombstone (its last name, layer, source,
 * metadata and version, no objects), so lineage through it stays connected.
 */
export interface ProvenanceNode extends Dataset {
  readonly deleted: boolean;
  readonly deletedAt: Date | null;
  /** The run that deleted it. */
  readonly deletedByRunId: number | null;
}

/** Ancestors (lineage) or ancestors and descendants (graph) of a dataset. */
export interface ProvenanceGraph {
  readonly root: number;
  readonly nodes: readonly ProvenanceNode[];
  readonly edges: readonly ProvenanceEdge[];
}

export interface RunIo {
  readonly key?: string;
  readonly datasetId?: number;
  readonly name?: string;
  readonly sha256?: string;
  readonly size?: number;
  readonly rows?: number;
  readonly url?: string;
}

export interface Run {
  readonly id: number;
  readonly step: string;
  readonly status: RunStatus;
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
  readonly toolVersions: Record<string, string>;
  readonly parameters: Record<string, unknown>;
  readonly inputs: readonly RunIo[];
  readonly outputs: readonly RunIo[];
  readonly rowCounts: Record<string, number>;
  readonly log: string;
  readonly error: { code: string; message: string; details?: Record<string, unknown> } | null;
  /** Null for runs recorded before owners existed. */
  readonly owner: RunOwner | null;
  /** While running: when the run counts as abandoned unless its owner renews the lease. */
  readonly leaseExpiresAt: Date | null;
  /** The latest progress event (about a second old at most while running); null if it reported none. */
  readonly progress: ProgressEvent | null;
  /** The asset-partition this run materialized (`partition` null for an unpartitioned asset); absent otherwise. */
  readonly asset?: { readonly key: string; readonly partition: string | null };
}

/** Filters of Catalog.listRuns. */
export interface RunListOptions {
  readonly step?: string;
  readonly status?: string;
  /** Runs that materialized this asset key. */
  readonly asset?: string;
  /** Runs that materialized this partition (of `asset`, or of any asset). */
  readonly partition?: string;
  /** Runs that wrote this dataset: created it, versioned it, fed a lineage edge into it or deleted it. */
  readonly dataset?: number;
  readonly limit?: number;
  readonly cursor?: string;
}

export interface NewRun {
  readonly step: string;
  readonly toolVersions?: Record<string, string>;
  readonly parameters?: Record<string, unknown>;
  readonly owner?: RunOwner;
  readonly leaseExpiresAt?: Date;
}

export interface RunFinish {
  readonly status: "succeeded" | "failed" | "cancelled";
  /** Versions learned while running (the converter that was picked, say), merged into those given at start. */
  readonly toolVersions?: Record<string, string>;
  readonly inputs?: readonly RunIo[];
  readonly outputs?: readonly RunIo[];
  readonly rowCounts?: Record<string, number>;
  readonly log?: string;
  readonly error?: { code: string; message: string; details?: Record<string, unknown> } | null;
  /** The run's last progress event, kept in its row; the row's current one when omitted. */
  readonly progress?: ProgressEvent;
}

/** A column of an Arrow/Parquet schema as the catalog records it. */
export interface SchemaField {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
}

export interface SchemaDiff {
  readonly added: readonly SchemaField[];
  readonly removed: readonly SchemaField[];
  readonly retyped: readonly {
    name: string;
    from: string;
    to: string;
    nullableFrom: boolean;
    nullableTo: boolean;
  }[];
}

export interface SchemaVersion {
  readonly id: number;
  readonly datasetId: number;
  readonly tableName: string;
  readonly version: number;
  readonly fields: readonly SchemaField[];
  /** Difference from the previous version of the same table; empty for version 1. */
  readonly diff: SchemaDiff;
  readonly runId: number | null;
  readonly createdAt: Date;
}

export interface ApiKey {
  readonly id: number;
  readonly name: string;
  /** The first characters of the key, shown to users to tell keys apart; the key itself is never stored. */
  readonly prefix: string;
  readonly scopes: readonly string[];
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
  readonly revokedAt: Date | null;
  /** When the key stops working (null: never). */
  readonly expiresAt: Date | null;
}

/** What a presented secret turned out to be; only `valid` grants anything. */
export type ApiKeyCheck =
  | { readonly kind: "valid"; readonly key: ApiKey }
  | { readonly kind: "unknown" }
  | { readonly kind: "revoked"; readonly key: ApiKey }
  | { readonly kind: "expired"; readonly key: ApiKey };

/** Who did something the audit log records. */
export type AuditActorKind = "api_key" | "local_user" | "anonymous";
export type AuditOutcome = "succeeded" | "failed" | "cancelled";

/** One write to record: who, what, on which dataset and objects, with which outcome. */
export interface NewAuditEntry {
  readonly actorKind: AuditActorKind;
  /** The key's name, the local user's name, or "anonymous". */
  readonly actor: string;
  readonly keyId?: number | null;
  readonly origin: "api" | "cli";
  /** `POST /v1/catalog/:id` (method and route) or `keys create` (the CLI command). */
  readonly action: string;
  readonly dataset?: string | null;
  readonly objects?: readonly string[];
  /** The request id (API) or an id generated for the command (CLI). */
  readonly requestId: string;
  readonly outcome: AuditOutcome;
  readonly errorCode?: string | null;
  readonly httpStatus?: number | null;
  /** Anything else worth keeping (the command line without secrets, the URL path); never a secret. */
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface AuditEntry extends Required<NewAuditEntry> {
  readonly id: number;
  readonly at: Date;
}

export interface AuditQuery {
  readonly actor?: string;
  /** An action, or its first words: `keys` matches `keys create` and `keys revoke`. */
  readonly action?: string;
  readonly dataset?: string;
  readonly outcome?: AuditOutcome;
  /** Entries at or after this instant. */
  readonly since?: Date;
  /** Entries before this instant. */
  readonly until?: Date;
  readonly limit?: number;
  readonly cursor?: string;
}

export interface DatasetQuery {
  readonly layer?: Layer;
  readonly source?: string;
  /** Every listed tag must be present. */
  readonly tags?: readonly string[];
  /** Free text over name, external id, description and metadata. */
  readonly q?: string;
  readonly externalId?: string;
  readonly limit?: number;
  /** Opaque base64url cursor from the previous page. */
  readonly cursor?: string;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

export interface LayerStats {
  readonly layer: Layer;
  readonly datasets: number;
  readonly objects: number;
  readonly bytes: number;
}

export interface SourceStats {
  readonly source: string;
  readonly datasets: number;
  readonly objects: number;
  readonly bytes: number;
}

export interface CatalogStats {
  readonly datasets: number;
  readonly objects: number;
  readonly bytes: number;
  readonly byLayer: readonly LayerStats[];
  readonly bySource: readonly SourceStats[];
}

/** One fetched version of an upstream file, as `upstream_files` records it. */
export interface UpstreamFileRecord {
  readonly id: number;
  readonly datasetId: number;
  readonly url: string;
  /** The upstream file's name in the dataset (the adapter's name, before any version prefix). */
  readonly name: string;
  readonly partition: Readonly<Record<string, string>>;
  readonly etag: string | null;
  readonly lastModified: Date | null;
  readonly size: number;
  readonly sha256: string;
  /** The MD5 upstream published for the file, verified; null when it publishes none. */
  readonly md5: string | null;
  /** The raw object holding these bytes. */
  readonly objectKey: string;
  readonly runId: number | null;
  readonly fetchedAt: Date;
}

export type NewUpstreamFileRecord = Omit<UpstreamFileRecord, "id" | "fetchedAt">;

/** What one version of a dataset changed; a run's many writes to one dataset add up into one version. */
export interface DatasetChanges {
  /** Version 1: the dataset was created. */
  readonly created: boolean;
  readonly added: number;
  readonly replaced: number;
  readonly removed: number;
  /** Tables whose schema got a new version. */
  readonly schema: readonly string[];
}

/** One republication of a dataset, with the counts it left the dataset with. */
export interface DatasetVersion {
  readonly datasetId: number;
  readonly version: number;
  readonly runId: number | null;
  readonly objectCount: number;
  readonly totalBytes: number;
  readonly changes: DatasetChanges;
  readonly createdAt: Date;
  /** The last write of the version's run (later than createdAt when the run wrote several times). */
  readonly updatedAt: Date;
}

/** A step run outside the lake, as recorded by recordExternalRun: one run and its edges, in one transaction. */
export interface NewExternalRun {
  readonly step: string;
  readonly toolVersions: Record<string, string>;
  readonly parameters: Record<string, unknown>;
  readonly inputDatasetIds: readonly number[];
  readonly outputDatasetIds: readonly number[];
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly status: "succeeded" | "failed";
  readonly log: string;
  /** Unique per record: a second record with the same key returns the first instead of a new run. */
  readonly externalKey: string | null;
  /** The sha256 of the record, to tell a retry (same) from a key reused for another record (refused). */
  readonly requestSha256: string;
}

export interface ExternalRunResult {
  readonly run: Run;
  readonly edges: readonly ProvenanceEdge[];
  /** True when the record had been made before (same key, same content) and nothing new was written. */
  readonly replayed: boolean;
}

/** One object a step wrote for an item, as `item_runs` remembers it. */
export interface ItemRunOutput {
  readonly key: string;
  readonly sha256: string;
  readonly size: number;
}

/**
 * The last successful run of one processing step on one item of a configured dataset: what it read (as a
 * fingerprint) and what it wrote. `section` is "" for steps outside a processing section (ingest).
 */
export interface ItemRunRecord {
  readonly dataset: string;
  readonly section: string;
  readonly step: string;
  readonly item: string;
  readonly runId: number | null;
  /** sha256 over the step's settings and its inputs' sha256s: equal means the step would read the same. */
  readonly fingerprint: string;
  readonly outputs: readonly ItemRunOutput[];
  readonly recordedAt: Date;
}

export type NewItemRunRecord = Omit<ItemRunRecord, "recordedAt">;

/** Which step of which item of a configured dataset: what an item claim holds. */
export type ItemRunKey = Pick<ItemRunRecord, "dataset" | "section" | "step" | "item">;
