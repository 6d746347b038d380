import type { Lake, LakeConfig, StepOptions } from "@omicslake/core";
import { HttpClient } from "../fetch/http-client.js";
import { SourceConfigError } from "../upstream-error.js";
import type { SourceKindContext } from "./source-kind.js";
import { sourceKind } from "./source-kinds.js";

/** The parts of the configuration a kind context is built from. */
export type KindContextConfig = Pick<LakeConfig, "root" | "sources" | "datasets" | "dataModel">;

/**
 * The context a source kind works in for one configured dataset: its sections, its resolved model, its
 * tree's root and a rate-limited HTTP client with the source's limits.
 *
 * @example const listing = await sourceKind(model.kind).items(kindContext(config, "oaks", { lake }));
 */
export function kindContext(
  config: KindContextConfig,
  name: string,
  options: { lake?: Lake; step?: StepOptions; log?: (line: string) => void; http?: HttpClient } = {},
): SourceKindContext {
  const data = config.datasets[name];
  const dataset = config.dataModel[name];
  if (!data || !dataset) {
    throw new SourceConfigError(`no dataset "${name}" in the configuration`, {
      details: { dataset: name },
      hint: `Configured datasets: ${Object.keys(config.datasets).join(", ") || "(none)"}`,
    });
  }
  const source = config.sources[data.source]!;
  const step = options.step ?? {};
  const requestsPerSecond =
    source.requests_per_second ?? sourceKind(dataset.kind).defaultRequestsPerSecond?.(source);
  return {
    sourceName: data.source,
    source,
    data,
    dataset,
    ...(source.path !== undefined ? { root: source.path } : {}),
    lakeRoot: config.root,
    ...(options.lake !== undefined ? { lake: options.lake } : {}),
    http:
      options.http ??
      new HttpClient({
        ...(requestsPerSecond !== undefined ? { requestsPerSecond } : {}),
        ...(step.signal !== undefined ? { signal: step.signal } : {}),
      }),
    step,
    log: options.log ?? (() => undefined),
  };
}
