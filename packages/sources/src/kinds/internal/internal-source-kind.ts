import type { SourceKindSpec } from "@omicslake/core";
import { listTreeItems } from "../../items/tree-items.js";
import { datasetLayout, datasetTreeDir } from "../dataset-tree.js";
import type { SourceKind } from "../source-kind.js";

const spec = {
  kind: "internal",
  aliases: ["directory"],
  description: "A tree a lab fills by hand under path: {Species}/{individual}/{files} by default",
  sourceKeys: {},
  dataKeys: {},
  layouts: ["lab", "level0", "level1", "level2", "files"],
  path: "required",
  url: "refused",
  steps: ["ingest", "convert", "expression", "checksum"],
} satisfies SourceKindSpec;

/**
 * `internal` (alias `directory`): files a lab puts under the source's `path`, one directory per dataset.
 * Nothing is fetched; the items are what the tree holds now, under the source's layout.
 */
export const internalSourceKind: SourceKind = {
  spec,
  items: (context) => listTreeItems(datasetTreeDir(context), datasetLayout(context)),
};
