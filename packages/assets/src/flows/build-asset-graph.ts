import type { AssetSettingsConfig, Lake, LakeConfig } from "@omicslake/core";
import { parseAutomationCondition } from "../conditions/parse-automation-condition.js";
import { DEFAULT_RETRY_POLICY, type AssetDefinition, type RetryPolicy } from "../graph/asset-definition.js";
import { AssetGraph } from "../graph/asset-graph.js";
import { flowAssets, type AutomationSource, type FlowAsset } from "./flow-assets.js";

/**
 * Every flow's steps of `config` as asset definitions: per dataset its fetch, processing and expression
 * store, the lake-wide metadata steps and the backup, each with its `[asset."KEY"]` settings applied
 * (automation, retries, concurrency, tags). Materializing one calls the library functions the matching
 * CLI command calls. Throws an AssetError `config_error` naming the key of an invalid condition.
 *
 * @example const graph = new AssetGraph(buildAssetDefinitions(lake, config));
 */
export function buildAssetDefinitions(lake: Lake, config: LakeConfig): AssetDefinition[] {
  return flowAssets(config).map((asset) => defineAsset(lake, asset, config.assets[asset.key]));
}

/** The asset graph of `config` on `lake` (see `buildAssetDefinitions`), checked: keys, dependencies, no cycle. */
export function buildAssetGraph(lake: Lake, config: LakeConfig): AssetGraph {
  return new AssetGraph(buildAssetDefinitions(lake, config));
}

/** The condition an asset runs under: its `[asset."KEY"] automation`, else what its flow gives it. */
export function automationSourceOf(
  asset: FlowAsset,
  settings: AssetSettingsConfig | undefined,
): AutomationSource {
  if (settings?.automation === undefined) return asset.automation;
  const section = `asset.${JSON.stringify(asset.key)}`;
  return { text: settings.automation, where: `[${section}] automation`, section, key: "automation" };
}

/** DEFAULT_RETRY_POLICY with an asset's `retries`, `retry_delay` (seconds) and `retry_backoff`. */
export function retryPolicyOf(settings: AssetSettingsConfig | undefined): RetryPolicy {
  const delayMs =
    settings?.retry_delay !== undefined ? settings.retry_delay * 1000 : DEFAULT_RETRY_POLICY.delayMs;
  return {
    maxRetries: settings?.retries ?? DEFAULT_RETRY_POLICY.maxRetries,
    delayMs,
    backoff: settings?.retry_backoff ?? DEFAULT_RETRY_POLICY.backoff,
    // A first delay longer than the usual cap is what the user asked for: the cap follows it.
    maxDelayMs: Math.max(DEFAULT_RETRY_POLICY.maxDelayMs, delayMs),
  };
}

function defineAsset(
  lake: Lake,
  asset: FlowAsset,
  settings: AssetSettingsConfig | undefined,
): AssetDefinition {
  const automation = automationSourceOf(asset, settings);
  const partitions = asset.partitions?.(lake);
  return {
    key: asset.key,
    description: asset.description,
    group: asset.group,
    tags: [...new Set([...asset.tags, ...(settings?.tags ?? [])])],
    deps: asset.deps,
    ...(partitions !== undefined ? { partitions } : {}),
    automation: parseAutomationCondition(automation.text, automation.where),
    automationText: automation.text,
    retry: retryPolicyOf(settings),
    // Lake-wide steps take a lock of their own; a partitioned asset runs its partitions one at a time
    // unless its settings allow more.
    concurrency: asset.lakeWide ? 1 : (settings?.concurrency ?? 1),
    materialize: (context) => asset.materialize(context),
  };
}
