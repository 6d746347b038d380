import type { Lake, LakeConfig, ResolvedDataset, StepOptions } from "@omicslake/core";
import type { ItemListing, SourceKind, SourceKindContext } from "../kinds/source-kind.js";
import { sourceKind } from "../kinds/source-kinds.js";
import { kindContext } from "../kinds/kind-context.js";

/** What of the configuration the runner reads. */
export type ProcessConfig = Pick<LakeConfig, "root" | "baseDir" | "sources" | "datasets" | "dataModel">;

/** A configured dataset with its kind and the context its kind's `sync` and `items` are given. */
export interface KindBinding {
  readonly dataset: ResolvedDataset;
  readonly kind: SourceKind;
  readonly context: SourceKindContext;
}

/** Binds a configured dataset to its source kind, in the context every command and step lists items in. */
export function bindKind(
  lake: Lake,
  config: ProcessConfig,
  name: string,
  options: StepOptions & { readonly log?: (line: string) => void },
): KindBinding {
  const context = kindContext(config, name, {
    lake,
    step: {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    },
    ...(options.log ? { log: options.log } : {}),
  });
  return { dataset: context.dataset, kind: sourceKind(context.dataset.kind), context };
}

/**
 * The dataset's items as its kind lists them. Each kind applies `[data.X] include` / `exclude` itself (the
 * layout's one filter, `items/item-filter.ts`), so the runner and `datasets show` see the same items.
 */
export function datasetItems(binding: KindBinding): Promise<ItemListing> {
  return binding.kind.items(binding.context);
}
