import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { SourceKindSpec } from "@omicslake/core";
import type { DataItem, ItemFile } from "../../src/items/data-item.js";
import type { ItemListing, SourceKind, SourceKindContext } from "../../src/kinds/source-kind.js";

/**
 * A source kind of the tests' own: a local tree where each file of the dataset's directory is an item,
 * `X_1.ext` + `X_2.ext` one paired item `X`, and each subdirectory one item holding its files.
 */
export const TEST_TREE_KIND: SourceKind = {
  spec: {
    kind: "test-tree",
    description: "a test tree: files, read pairs and item directories",
    sourceKeys: {},
    dataKeys: {},
    layouts: ["files"],
    path: "required",
    url: "refused",
    steps: ["ingest", "checksum", "convert", "consolidate", "snapshot", "load"],
  } satisfies SourceKindSpec,
  items: treeItems,
};

async function treeItems(context: SourceKindContext): Promise<ItemListing> {
  const dir = join(context.root!, context.dataset.directory);
  const base = `${context.dataset.role}/${context.dataset.directory}`;
  const entries = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => !e.name.startsWith("."))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const items: DataItem[] = [];
  const names = new Set(entries.filter((e) => e.isFile()).map((e) => e.name));
  const file = (name: string, mate?: 1 | 2): ItemFile => ({
    name,
    path: join(dir, name),
    ...(mate ? { mate } : {}),
  });
  const item = (key: string, files: ItemFile[]): DataItem => ({
    dataset: context.dataset.name,
    key,
    files,
    paired: files.length === 2 && files.every((f) => f.mate !== undefined),
    subdir: `${base}/${key}`,
  });
  for (const entry of entries) {
    if (entry.isDirectory()) {
      const inner = (await readdir(join(dir, entry.name))).filter((n) => !n.startsWith(".")).sort();
      items.push(
        item(
          entry.name,
          inner.map((n) => file(`${entry.name}/${n}`)),
        ),
      );
      continue;
    }
    const pair = /^(.*)_([12])(\.[^/]*)$/.exec(entry.name);
    if (pair && names.has(`${pair[1]}_1${pair[3]}`) && names.has(`${pair[1]}_2${pair[3]}`)) {
      if (pair[2] === "1") {
        items.push(item(pair[1]!, [file(entry.name, 1), file(`${pair[1]}_2${pair[3]}`, 2)]));
      }
      continue;
    }
    items.push(item(entry.name, [file(entry.name)]));
  }
  return { items, problems: [] };
}
