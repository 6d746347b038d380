import type {
  AssetDetailView,
  AssetStatusView,
  MaterializeReport,
  PartitionStatusView,
} from "../asset-service.js";
import type { MaterializationRequest, RequestOutcome } from "../execution/materialization-request.js";
import type { MaterializationRecord } from "../state/materialization-record.js";

// The asset views in the wire's snake_case names: `GET /v1/assets` and `omicslake assets ls --json` print the
// same shapes from these functions, so a script reads one format from either. Absent values are null.

export interface AssetStatusWire {
  key: string;
  description: string;
  group: string;
  tags: string[];
  deps: string[];
  partitions: {
    kind: "static" | "time" | "dynamic";
    name: string;
    count: number;
    materialized: number;
    latest: string | null;
  } | null;
  automation: string;
  last_materialization: {
    id: number;
    partition: string | null;
    status: string;
    data_version: string | null;
    started_at: string;
    finished_at: string | null;
    run_id: number | null;
  } | null;
  status: AssetStatusView["status"];
  stale: boolean;
  stale_reasons: string[];
}

export interface PartitionStatusWire {
  partition: string | null;
  status: PartitionStatusView["status"];
  data_version: string | null;
  materialization_id: number | null;
  finished_at: string | null;
  stale: boolean;
}

export interface MaterializationWire {
  id: number;
  key: string;
  partition: string | null;
  status: MaterializationRecord["status"];
  run_id: number | null;
  data_version: string | null;
  inputs: { key: string; partition: string | null; data_version: string; materialization_id: number }[];
  outputs: Record<string, unknown>[];
  metadata: Record<string, unknown>;
  attempt: number;
  origin: MaterializationRecord["origin"];
  reason: string;
  request_id: string;
  started_at: string;
  finished_at: string | null;
  error: { code: string; message: string } | null;
}

export interface AssetDetailWire extends AssetStatusWire {
  downstream: string[];
  retry: { max_retries: number; delay_ms: number; backoff: string };
  partition_statuses: PartitionStatusWire[];
  recent: MaterializationWire[];
}

export function assetStatusWire(view: AssetStatusView): AssetStatusWire {
  const last = view.lastMaterialization;
  return {
    key: view.key,
    description: view.description,
    group: view.group,
    tags: [...view.tags],
    deps: [...view.deps],
    partitions: view.partitions ? { ...view.partitions } : null,
    automation: view.automation,
    last_materialization: last
      ? {
          id: last.id,
          partition: last.partition,
          status: last.status,
          data_version: last.dataVersion,
          started_at: last.startedAt,
          finished_at: last.finishedAt,
          run_id: last.runId,
        }
      : null,
    status: view.status,
    stale: view.stale,
    stale_reasons: [...view.staleReasons],
  };
}

export function partitionStatusWire(p: PartitionStatusView): PartitionStatusWire {
  return {
    partition: p.partition,
    status: p.status,
    data_version: p.dataVersion,
    materialization_id: p.materializationId,
    finished_at: p.finishedAt,
    stale: p.stale,
  };
}

export function materializationWire(r: MaterializationRecord): MaterializationWire {
  return {
    id: r.id,
    key: r.key,
    partition: r.partition ?? null,
    status: r.status,
    run_id: r.runId,
    data_version: r.dataVersion,
    inputs: r.inputs.map((i) => ({
      key: i.key,
      partition: i.partition ?? null,
      data_version: i.dataVersion,
      materialization_id: i.materializationId,
    })),
    outputs: r.outputs.map((o) => ({ ...o })),
    metadata: { ...r.metadata },
    attempt: r.attempt,
    origin: r.origin,
    reason: r.reason,
    request_id: r.requestId,
    started_at: r.startedAt.toISOString(),
    finished_at: r.finishedAt ? r.finishedAt.toISOString() : null,
    error: r.error ? { code: r.error.code, message: r.error.message } : null,
  };
}

export function assetDetailWire(view: AssetDetailView): AssetDetailWire {
  return {
    ...assetStatusWire(view),
    downstream: [...view.downstream],
    retry: { max_retries: view.retry.maxRetries, delay_ms: view.retry.delayMs, backoff: view.retry.backoff },
    partition_statuses: view.partitionStatuses.map(partitionStatusWire),
    recent: view.recent.map(materializationWire),
  };
}

export function plannedRequestWire(r: MaterializationRequest): {
  key: string;
  partition: string | null;
  reason: string;
} {
  return { key: r.key, partition: r.partition ?? null, reason: r.reason };
}

export function outcomeWire(outcome: RequestOutcome): Record<string, unknown> {
  return {
    key: outcome.request.key,
    partition: outcome.request.partition ?? null,
    status: outcome.status,
    reason: outcome.request.reason,
    attempts: outcome.attempts,
    duration_ms: outcome.durationMs,
    materialization_id: outcome.materializationId ?? null,
    run_id: outcome.runId ?? null,
    data_version: outcome.dataVersion ?? null,
    error: outcome.error ?? null,
  };
}

export function materializeReportWire(report: MaterializeReport): Record<string, unknown> {
  return { outcomes: report.outcomes.map(outcomeWire), failed: report.failed };
}
