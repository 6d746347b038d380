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
export {
  PgBossPartitionRunner,
  type PgBossPartitionRunnerOptions,
} from "./runners/pg-boss/pg-boss-partition-runner.js";
export type { AssetWorkerOptions, AssetWorkerSummary } from "./runners/pg-boss/work-asset-jobs.js";
export { ASSET_QUEUE, DEFAULT_QUEUE_SCHEMA } from "./runners/pg-boss/asset-job.js";
