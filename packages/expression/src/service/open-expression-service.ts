import type { Lake, LakeConfig } from "@omicslake/core";
import { createClickHouseEngine } from "../engine/clickhouse/index.js";
import { createDuckDbEngine } from "../engine/duckdb/duckdb-engine.js";
import type { ExpressionEngine } from "../engine/expression-engine.js";
import { LakeStoreAccess, defaultExpressionCacheDir } from "../store/lake-store-access.js";
import { ExpressionService } from "./expression-service.js";

/** The engine `[expression] engine` names, with the settings of that section. */
export async function expressionEngineOf(config: LakeConfig): Promise<ExpressionEngine> {
  const settings = config.expression;
  if (settings.engine === "clickhouse") {
    // The config check refuses engine = "clickhouse" without a url, so this is a bug if it happens.
    if (settings.url === undefined) throw new Error('[expression] engine = "clickhouse" has no url');
    return createClickHouseEngine({
      url: settings.url,
      database: settings.database,
      ...(settings.memory_limit !== undefined ? { memoryLimit: settings.memory_limit } : {}),
      ...(settings.threads !== undefined ? { threads: settings.threads } : {}),
    });
  }
  return createDuckDbEngine({
    ...(settings.memory_limit !== undefined ? { memoryLimit: settings.memory_limit } : {}),
    ...(settings.threads !== undefined ? { threads: settings.threads } : {}),
  });
}

/**
 * The expression service of a lake as its configuration sets it up: stores reached through the lake with a
 * verified local cache, the configured engine, and `[expression] max_result_values`. Close it when done.
 */
export async function openExpressionService(lake: Lake, config: LakeConfig): Promise<ExpressionService> {
  const access = new LakeStoreAccess(lake, { cacheDir: defaultExpressionCacheDir(config.root) });
  return new ExpressionService({
    access,
    engine: await expressionEngineOf(config),
    limits: { maxResultValues: config.expression.max_result_values },
  });
}
