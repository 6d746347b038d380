import { buildConfiguredExpressionStore } from "@omicslake/expression";
import { convertDataset } from "@omicslake/formats";
import {
  consolidate,
  loadCuratedIntoServing,
  reprocessConfigured,
  shrinkPolicy,
  snapshot,
} from "@omicslake/metadata";
import type { ProcessHandlers } from "@omicslake/sources";

/**
 * The built-in steps `processDatasets` hands off, wired to the same library calls `omicslake process`
 * makes, so a configured dataset's processing materialized as an asset does what the command does.
 */
export const ASSET_PROCESS_HANDLERS: ProcessHandlers = {
  async parseMetadata(lake, config, dataset, options) {
    const [outcome] = await reprocessConfigured(lake, config, [dataset.name], options);
    if (outcome?.error === undefined) return;
    throw outcome.error instanceof Error ? outcome.error : new Error(JSON.stringify(outcome.error));
  },
  async convert(lake, dataset, options) {
    await convertDataset(lake, `raw:${dataset.name}`, {
      ...(options.taxids !== undefined ? { genbankTaxids: options.taxids } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  },
  async expression(lake, config, dataset, options) {
    await buildConfiguredExpressionStore(lake, config, dataset.name, {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  },
  async consolidate(lake, config, options) {
    await consolidate(lake, config, options);
  },
  async snapshot(lake, _config, options) {
    await snapshot(lake, options);
  },
  async load(lake, config, options) {
    await loadCuratedIntoServing(lake, undefined, shrinkPolicy(config, {}), options);
  },
};
