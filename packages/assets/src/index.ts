export { AssetError } from "./asset-error.js";
export * from "./graph/asset-definition.js";
export { AssetGraph } from "./graph/asset-graph.js";
export type { PartitionsDefinition } from "./partitions/partitions-definition.js";
export type { AutomationCondition, AutomationCursor, DepFilter } from "./conditions/automation-condition.js";
export * from "./state/materialization-record.js";
export { AssetStateSnapshot, type AssetPartitionState } from "./state/asset-state-snapshot.js";
export type * from "./state/asset-state-store.js";
export type * from "./execution/materialization-request.js";
export type { PartitionRunner } from "./runners/partition-runner.js";
export type * from "./asset-service.js";
export { selectAssets, selectionMatches } from "./graph/asset-selection.js";
export {
  MAX_TIME_PARTITIONS,
  resolvePartitionKeys,
  timePartitionKeys,
} from "./partitions/resolve-partition-keys.js";
export { SqlAssetStateStore, type StateStoreLake } from "./state/sql-asset-state-store.js";
export {
  MemoryAssetStateStore,
  type MemoryAssetStateStoreOptions,
} from "./state/memory-asset-state-store.js";
export { SYSTEM_CLOCK, type ExecutionClock } from "./execution/execution-clock.js";
export {
  ASSET_RUN_STEP,
  dataVersionOf,
  materializePartition,
  retryDelay,
  type MaterializePartitionOptions,
} from "./execution/materialize-partition.js";
export { executeRequests, type ExecuteRequestsOptions } from "./execution/execute-requests.js";
export {
  InProcessPartitionRunner,
  type InProcessPartitionRunnerOptions,
} from "./runners/in-process/in-process-partition-runner.js";
export { parseAutomationCondition } from "./conditions/parse-automation-condition.js";
export { formatAutomationCondition } from "./conditions/format-automation-condition.js";
export {
  evaluateAutomation,
  type AutomationEvaluation,
  type EvaluateAutomationInput,
} from "./conditions/evaluate-automation.js";
export {
  formatExplanation,
  type AssetExplanation,
  type ConditionNodeExplanation,
  type CronExplanation,
} from "./conditions/explain-automation.js";
export {
  AutomationDaemon,
  systemClock,
  type AutomationDaemonOptions,
  type DaemonClock,
  type DaemonTick,
} from "./daemon/automation-daemon.js";
export { buildAssetDefinitions, buildAssetGraph } from "./flows/build-asset-graph.js";
export { checkAssetConfig } from "./config/check-asset-config.js";
export { automationSettings, type AutomationSettings } from "./config/automation-settings.js";
export {
  PgBossPartitionRunner,
  type PgBossPartitionRunnerOptions,
} from "./runners/pg-boss/pg-boss-partition-runner.js";
export { runAssetWorker } from "./runners/pg-boss/asset-worker.js";
export type { AssetWorkerOptions, AssetWorkerSummary } from "./runners/pg-boss/work-asset-jobs.js";
export { ASSET_QUEUE, DEFAULT_QUEUE_SCHEMA } from "./runners/pg-boss/asset-job.js";
export {
  openAssetService,
  type AutomatedAssetService,
  type AutomationTick,
  type OpenAssetServiceOptions,
} from "./service/open-asset-service.js";
export { createAutomationDaemon, type AssetDaemonOptions } from "./service/create-automation-daemon.js";
export { ASSET_PROCESS_HANDLERS } from "./flows/asset-process-handlers.js";
export * from "./service/asset-wire.js";
