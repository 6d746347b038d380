import { OmicslakeError, type Lake, type LakeConfig, type StepOptions } from "@omicslake/core";
import {
  buildExpressionStore,
  buildSettingsOf,
  type BuildExpressionStoreOptions,
  type BuildExpressionStoreResult,
} from "../build/build-expression-store.js";
import { openExpressionService } from "./open-expression-service.js";

/**
 * Builds a store with the lake's `[expression]` settings and makes the new build ready on the configured
 * engine: ClickHouse answers from its own tables, so the build is loaded there now rather than by the first
 * query after it. `expr build` and the `expression` processing step both come through here.
 *
 * @example await buildConfiguredExpressionStore(lake, config, "pbmc", { by: "Cluster" })
 */
export async function buildConfiguredExpressionStore(
  lake: Lake,
  config: LakeConfig,
  name: string,
  options: Pick<BuildExpressionStoreOptions, "matrix" | "by" | "genesOn"> & StepOptions = {},
): Promise<BuildExpressionStoreResult> {
  const result = await buildExpressionStore(lake, name, { ...buildSettingsOf(config), ...options });
  if (config.expression.engine === "clickhouse") {
    const service = await openExpressionService(lake, config);
    try {
      await service.manifest(name, options.signal);
    } catch (cause) {
      // The build is published whatever ClickHouse says: say so, or the user rebuilds for nothing.
      const reason = cause instanceof OmicslakeError ? cause.reason : String(cause);
      throw new OmicslakeError(
        cause instanceof OmicslakeError ? cause.code : "engine_unavailable",
        `build ${result.manifest.build} of "${name}" is published, and loading it into ClickHouse failed: ${reason}`,
        {
          details: { dataset: name, build: result.manifest.build },
          hint: "No rebuild is needed: once the ClickHouse server answers, the first query loads this build",
          cause,
        },
      );
    } finally {
      await service.close();
    }
  }
  return result;
}
