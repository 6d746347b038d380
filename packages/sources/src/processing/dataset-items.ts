import { resolve } from "node:path";
import type { Lake, LakeConfig, ResolvedDataset, StepOptions } from "@omicslake/core";
import { HttpClient } from "../fetch/http-client.js";
import type { DataItem } from "../items/data-item.js";
import type { ItemListing, SourceKind, SourceKindContext } from "../kinds/source-kind.js";
import { sourceKind } from "../kinds/source-kinds.js";
import { nameFilter } from "../name-filter.js";
import { SourceConfigError } from "../upstream-error.js";

/** What of the configuration the runner reads. */
export type ProcessConfig = Pick<LakeConfig, "root" | "baseDir" | "sources" | "datasets" | "dataModel">;

/** A configured dataset with its kind and the context its kind's `sync` and `items` are given. */
export interface KindBinding {
  readonly dataset: ResolvedDataset;
  readonly kind: SourceKind;
  readonly context: SourceKindContext;
}

/** Binds a configured dataset to its source kind. */
export function bindKind(
  lake: Lake,
  config: ProcessConfig,
  name: string,
  options: StepOptions & { readonly log?: (line: string) => void },
): KindBinding {
  const dataset = config.dataModel[name];
  const data = config.datasets[name];
  if (!dataset || !data) {
    throw new SourceConfigError(`no dataset "${name}" in the configuration`, {
      details: { dataset: name },
      hint: `Configured datasets: ${Object.keys(config.dataModel).join(", ") || "(none)"}`,
    });
  }
  const source = config.sources[dataset.source]!;
  const kind = sourceKind(dataset.kind);
  const context: SourceKindContext = {
    sourceName: dataset.source,
    source,
    data,
    dataset,
    ...(source.path !== undefined ? { root: resolve(config.baseDir, source.path) } : {}),
    lakeRoot: config.root,
    lake,
    http: new HttpClient({
      ...(source.requests_per_second !== undefined ? { requestsPerSecond: source.requests_per_second } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    }),
    step: {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    },
    log: options.log ?? (() => undefined),
  };
  return { dataset, kind, context };
}

/**
 * The dataset's items as its kind lists them, filtered by `[data.X] include` / `exclude`: an item is kept
 * when its key or one of its files' names matches an include (or there is none) and none matches an exclude.
 */
export async function datasetItems(binding: KindBinding): Promise<ItemListing> {
  const listing = await binding.kind.items(binding.context);
  const { include, exclude } = binding.context.data;
  if ((include?.length ?? 0) === 0 && (exclude?.length ?? 0) === 0) return listing;
  const included = nameFilter(include, []);
  const excluded = nameFilter(exclude ?? [], []);
  const hasExclude = (exclude?.length ?? 0) > 0;
  const keep = (item: DataItem): boolean => {
    const names = [item.key, ...item.files.map((f) => f.name)];
    return names.some(included) && !(hasExclude && names.some(excluded));
  };
  return { items: listing.items.filter(keep), problems: listing.problems };
}
