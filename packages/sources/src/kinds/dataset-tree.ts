import { join } from "node:path";
import type { LayoutOptions } from "../items/layout-items.js";
import { SourceConfigError } from "../upstream-error.js";
import type { SourceKindContext } from "./source-kind.js";

/** `{source path}/{directory}`: where a dataset's files are in its source's local tree. */
export function datasetTreeDir(context: SourceKindContext): string {
  if (context.root === undefined) {
    throw new SourceConfigError(
      `source "${context.sourceName}" has no local root to find dataset "${context.dataset.name}" in`,
      {
        details: { source: context.sourceName, dataset: context.dataset.name },
        hint: `Add path = "…" to [source.${context.sourceName}]`,
      },
    );
  }
  return join(context.root, context.dataset.directory);
}

/** The layout options of a dataset as its configuration sets them. */
export function datasetLayout(context: SourceKindContext, pairing = true): LayoutOptions {
  const { dataset, data } = context;
  return {
    layout: dataset.layout,
    dataset: dataset.name,
    role: dataset.role,
    directory: dataset.directory,
    ...(data.include !== undefined ? { include: data.include } : {}),
    ...(data.exclude !== undefined ? { exclude: data.exclude } : {}),
    pairing,
  };
}
