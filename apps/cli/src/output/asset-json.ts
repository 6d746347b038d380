import type {
  AssetDetailView,
  AssetStatusView,
  MaterializationRecord,
  MaterializeReport,
  RequestOutcome,
} from "@omicslake/assets";

// The JSON the asset commands print, in the REST API's snake_case names, so a script reads one shape from
// `omicslake assets ls --json` and `GET /v1/assets`. Absent partitions are null, never left out.

export function assetStatusJson(view: AssetStatusView): Record<string, unknown> {
  const last = view.lastMaterialization;
  return {
    key: view.key,
    description: view.description,
    group: view.group,
    tags: view.tags,
    deps: view.deps,
    partitions: view.partitions,
    automation: view.automation,
    last_materialization: last && {
      id: last.id,
      partition: last.partition,
      status: last.status,
      data_version: last.dataVersion,
      started_at: last.startedAt,
      finished_at: last.finishedAt,
      run_id: last.runId,
    },
    status: view.status,
    stale: view.stale,
    stale_reasons: view.staleReasons,
  };
}

export function materializationJson(r: MaterializationRecord): Record<string, unknown> {
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
    outputs: r.outputs,
    metadata: r.metadata,
    attempt: r.attempt,
    origin: r.origin,
    reason: r.reason,
    request_id: r.requestId,
    started_at: r.startedAt.toISOString(),
    finished_at: r.finishedAt ? r.finishedAt.toISOString() : null,
    error: r.error,
  };
}

export function assetDetailJson(view: AssetDetailView): Record<string, unknown> {
  return {
    ...assetStatusJson(view),
    downstream: view.downstream,
    retry: { max_retries: view.retry.maxRetries, delay_ms: view.retry.delayMs, backoff: view.retry.backoff },
    partition_statuses: view.partitionStatuses.map((p) => ({
      partition: p.partition,
      status: p.status,
      data_version: p.dataVersion,
      materialization_id: p.materializationId,
      finished_at: p.finishedAt,
      stale: p.stale,
    })),
    recent: view.recent.map(materializationJson),
  };
}

export function outcomeJson(outcome: RequestOutcome): Record<string, unknown> {
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

export function materializeReportJson(report: MaterializeReport): Record<string, unknown> {
  return { outcomes: report.outcomes.map(outcomeJson), failed: report.failed };
}
