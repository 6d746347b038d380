import { readFileSync } from "node:fs";
import {
  ConfigError,
  editDistance,
  locateConfigLine,
  OmicslakeError,
  type LakeConfig,
} from "@omicslake/core";
import { parseAutomationCondition } from "../conditions/parse-automation-condition.js";
import type { AssetKey } from "../graph/asset-definition.js";
import type { AssetGraph } from "../graph/asset-graph.js";
import { automationSourceOf } from "../flows/build-asset-graph.js";
import { flowAssets, type FlowAsset } from "../flows/flow-assets.js";

/**
 * What the configuration says about assets that the asset graph refuses, each as a ConfigError naming its
 * file, table, key and line: `[asset."KEY"]` tables of assets that do not exist (with the closest keys), and
 * automation conditions that do not parse (`[data.geo] automation`, `[asset."metadata/serving"] automation`),
 * and settings no asset reads. Empty when the graph can be built. `omicslake config check` reports these.
 * `graph` is the graph built from `config` when the caller has one; otherwise the keys come from the config.
 *
 * @example for (const problem of checkAssetConfig(config)) console.error(problem.message);
 */
/** The backup asset, which `[backup] daily`/`weekly` also schedules (inside `omicslake serve`). */
const BACKUP_ASSET = "lake/backup";

export function checkAssetConfig(config: LakeConfig, graph?: AssetGraph): ConfigError[] {
  const text = configText(config);
  const problem = (
    message: string,
    place: { section: string; table: readonly string[]; key?: string },
    options: { hint?: string; cause?: unknown },
  ): ConfigError =>
    new ConfigError(
      message,
      {
        ...(config.file !== undefined ? { file: config.file } : {}),
        section: place.section,
        ...(place.key !== undefined ? { key: place.key } : {}),
        ...lineOf(text, place.table, place.key),
      },
      options,
    );
  let assets: FlowAsset[];
  try {
    assets = flowAssets(config);
  } catch (error) {
    if (!(error instanceof OmicslakeError)) throw error;
    const section = typeof error.details["section"] === "string" ? error.details["section"] : "data";
    return [
      problem(error.reason, { section, table: section.split(".") }, { ...hintOf(error), cause: error }),
    ];
  }
  const problems: ConfigError[] = [];
  const keys = graph?.keys() ?? assets.map((asset) => asset.key);
  for (const [key, settings] of Object.entries(config.assets)) {
    const section = `asset.${JSON.stringify(key)}`;
    if (!keys.includes(key)) {
      const closest = closestKeys(key, keys);
      problems.push(
        problem(
          `no asset "${key}" in this configuration`,
          { section, table: ["asset", key] },
          {
            hint: `${closest.length > 0 ? `Did you mean ${closest.map((k) => `"${k}"`).join(" or ")}? ` : ""}Assets: ${keys.join(", ")}`,
          },
        ),
      );
      continue;
    }
    const asset = assets.find((a) => a.key === key);
    const automation = settings.automation?.trim();
    if (
      key === BACKUP_ASSET &&
      automation !== undefined &&
      automation !== "manual" &&
      (config.backup.daily !== undefined || config.backup.weekly !== undefined)
    ) {
      problems.push(
        problem(
          `${key} has an automation while [backup] daily or weekly also schedules backups: each slot would be backed up twice`,
          { section, table: ["asset", key], key: "automation" },
          { hint: 'Keep one schedule: remove [backup] daily/weekly, or set this automation to "manual"' },
        ),
      );
    }
    if (settings.concurrency !== undefined && asset !== undefined && asset.partitions === undefined) {
      problems.push(
        problem(
          `${key} has no partitions: concurrency (partitions run at once) would be ignored`,
          { section, table: ["asset", key], key: "concurrency" },
          { hint: "Remove the key; [automation] concurrency bounds how many assets run at once" },
        ),
      );
    }
  }
  for (const asset of assets) {
    const source = automationSourceOf(asset, config.assets[asset.key]);
    try {
      parseAutomationCondition(source.text, source.where);
    } catch (error) {
      if (!(error instanceof OmicslakeError) || source.section === undefined) throw error;
      // The location says where already: the parser's own "[data.geo] automation: " prefix would repeat it.
      const reason = error.reason.startsWith(`${source.where}: `)
        ? error.reason.slice(source.where.length + 2)
        : error.reason;
      problems.push(
        problem(
          reason,
          {
            section: source.section,
            table: source.section.startsWith("asset.") ? ["asset", asset.key] : source.section.split("."),
            ...(source.key !== undefined ? { key: source.key } : {}),
          },
          { ...hintOf(error), cause: error },
        ),
      );
    }
  }
  return problems;
}

function hintOf(error: OmicslakeError): { hint?: string } {
  return error.hint !== undefined ? { hint: error.hint } : {};
}

/** The three keys nearest `key`, nearest first, among those close enough to be a typo of it. */
function closestKeys(key: AssetKey, keys: readonly AssetKey[]): AssetKey[] {
  const limit = Math.max(3, Math.floor(key.length / 3));
  return (
    keys
      // `geo/raw` for `data/geo/raw`: a key missing its leading segments is as good as a typo.
      .map((candidate) => ({
        candidate,
        distance: candidate.endsWith(`/${key}`) ? 1 : editDistance(key, candidate),
      }))
      .filter(({ distance }) => distance <= limit)
      .sort((a, b) => a.distance - b.distance || (a.candidate < b.candidate ? -1 : 1))
      .slice(0, 3)
      .map(({ candidate }) => candidate)
  );
}

/** The config file's text, to point at lines; none when the config has no file or it cannot be read now. */
function configText(config: LakeConfig): string {
  if (config.file === undefined) return "";
  try {
    return readFileSync(config.file, "utf8");
  } catch {
    return "";
  }
}

function lineOf(text: string, table: readonly string[], key: string | undefined): { line?: number } {
  const line = locateConfigLine(text, table, key) ?? locateConfigLine(text, table);
  return line !== undefined ? { line } : {};
}
