import type { AssetKey, AssetOutput, InputVersion } from "../graph/asset-definition.js";

export type MaterializationStatus = "running" | "succeeded" | "failed" | "skipped" | "cancelled";

/** Who asked for a materialization. */
export type RequestOrigin = "cli" | "api" | "automation";

/**
 * One materialization attempt of one asset-partition, as the catalog keeps it (table
 * `asset_materializations`). Only a `succeeded` record changes the asset's data version: a failed one
 * leaves the previous materialization in place.
 */
export interface MaterializationRecord {
  readonly id: number;
  readonly key: AssetKey;
  /** `undefined` for an unpartitioned asset. */
  readonly partition: string | undefined;
  readonly status: MaterializationStatus;
  /** The catalog run that records this attempt's log, duration and error (`omicslake runs show ID`). */
  readonly runId: number | null;
  readonly dataVersion: string | null;
  readonly inputs: readonly InputVersion[];
  readonly outputs: readonly AssetOutput[];
  readonly metadata: Readonly<Record<string, unknown>>;
  /** 1 for the first attempt of a request; retries count up. */
  readonly attempt: number;
  readonly origin: RequestOrigin;
  /** Why it was requested (`materialize --select geo/*`, the daemon's reason). */
  readonly reason: string;
  /** Groups the attempts made for one request (retries, a job another worker took over). */
  readonly requestId: string;
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
  readonly error: { readonly code: string; readonly message: string } | null;
}

/** The key the state snapshot indexes asset-partitions by. */
export function partitionId(key: AssetKey, partition: string | undefined): string {
  return partition === undefined ? key : `${key}\u0000${partition}`;
}

/**
 * The data version of `record` as partition `partition` of a downstream asset sees it. An unpartitioned
 * asset whose one run feeds many downstream partitions (a fetch bringing new PubMed files into raw) lists
 * a version per downstream partition in `metadata.partitionVersions`, so that only the partitions whose
 * inputs changed count as updated, not every partition after every fetch. Otherwise the record's own
 * data version.
 */
export function versionSeenBy(record: MaterializationRecord, partition: string | undefined): string | null {
  const versions = record.metadata["partitionVersions"];
  if (partition !== undefined && versions !== null && typeof versions === "object") {
    const version = (versions as Record<string, unknown>)[partition];
    if (typeof version === "string") return version;
  }
  return record.dataVersion;
}
