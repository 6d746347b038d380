import { isLayer, type Dataset, type DatasetChanges, type Layer } from "@omicslake/core";
import type { Command } from "commander";
import { UsageError } from "../cli-error.js";
import { withLake, type GlobalOptions } from "../context.js";
import { humanBytes, table } from "../output/output.js";

interface LsOptions {
  layer?: string;
  source?: string;
  tag?: string[];
  q?: string;
  limit: string;
  cursor?: string;
}

function parseLayer(value: string | undefined): Layer | undefined {
  if (value === undefined) return undefined;
  if (!isLayer(value))
    throw new UsageError(`unknown layer "${value}"; use raw, processed, curated or archive`);
  return value;
}

function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 500)
    throw new UsageError(`--limit must be an integer from 1 to 500, got "${value}"`);
  return n;
}

function datasetRow(d: Dataset): (string | number | null)[] {
  return [
    d.id,
    d.name,
    d.layer,
    d.source,
    d.externalId,
    d.objectCount,
    humanBytes(d.totalBytes),
    d.tags.join(","),
  ];
}

export function registerCatalog(program: Command): void {
  const catalog = program.command("catalog").description("search and inspect the catalog");

  catalog
    .command("ls")
    .description("list datasets (keyset pages; pass --cursor to continue)")
    .option("-l, --layer <layer>", "raw, processed, curated or archive")
    .option("-s, --source <source>", "filter by source")
    .option("-t, --tag <tag>", "require a tag (repeatable)", (v: string, prev: string[] = []) => [...prev, v])
    .option("-q, --q <text>", "free-text search")
    .option("--limit <n>", "page size (1-500)", "50")
    .option("--cursor <cursor>", "continue after a previous page")
    .action(async (options: LsOptions, command: Command) => {
      const layer = parseLayer(options.layer);
      const limit = parseLimit(options.limit);
      await withLake(command.optsWithGlobals<GlobalOptions>(), async (lake, out) => {
        const page = await lake.search({
          limit,
          ...(layer ? { layer } : {}),
          ...(options.source !== undefined ? { source: options.source } : {}),
          ...(options.tag !== undefined ? { tags: options.tag } : {}),
          ...(options.q !== undefined ? { q: options.q } : {}),
          ...(options.cursor !== undefined ? { cursor: options.cursor } : {}),
        });
        out.data({ data: page.items, next_cursor: page.nextCursor }, () =>
          page.items.length === 0
            ? "no datasets"
            : [
                table(
                  ["ID", "NAME", "LAYER", "SOURCE", "EXTERNAL ID", "OBJECTS", "SIZE", "TAGS"],
                  page.items.map(datasetRow),
                ),
                page.nextCursor ? `more: --cursor ${page.nextCursor}` : "",
              ]
                .filter(Boolean)
                .join("\n"),
        );
      });
    });

  catalog
    .command("show")
    .description("show one dataset (id, name or layer:name) with its latest versions")
    .argument("<dataset>")
    .option("--versions <n>", "how many of the latest versions to list (1-500)", "20")
    .action(async (ref: string, options: { versions: string }, command: Command) => {
      const limit = parseLimit(options.versions);
      await withLake(command.optsWithGlobals<GlobalOptions>(), async (lake, out) => {
        const d = await lake.dataset(ref);
        const schemas = await lake.catalog.listSchemaVersions(d.id);
        const versions = await lake.datasetVersions(d.id, { limit });
        out.data({ ...d, schemaVersions: schemas, versions: versions.items }, () =>
          [
            `${d.name} (id ${d.id}) in ${d.layer}`,
            `source:      ${d.source}`,
            `external id: ${d.externalId ?? "-"}`,
            `description: ${d.description ?? "-"}`,
            `tags:        ${d.tags.join(", ") || "-"}`,
            `objects:     ${d.objectCount} (${humanBytes(d.totalBytes)})`,
            `created:     ${d.createdAt.toISOString()}`,
            `metadata:    ${JSON.stringify(d.metadata)}`,
            ...schemas.map((s) => `schema:      ${s.tableName} v${s.version} (${s.fields.length} columns)`),
            "versions:",
            table(
              ["VERSION", "DATE", "RUN", "OBJECTS", "SIZE", "CHANGES"],
              versions.items.map((v) => [
                v.version,
                v.updatedAt.toISOString(),
                v.runId,
                v.objectCount,
                humanBytes(v.totalBytes),
                describeChanges(v.changes),
              ]),
            ),
            ...(versions.nextCursor ? [`(older versions: --versions ${Math.min(500, limit * 2)})`] : []),
          ].join("\n"),
        );
      });
    });

  catalog
    .command("stats")
    .description("datasets, objects and bytes per layer and per source")
    .action(async (_options: unknown, command: Command) => {
      await withLake(command.optsWithGlobals<GlobalOptions>(), async (lake, out) => {
        const stats = await lake.stats();
        out.data(stats, () =>
          [
            `${stats.datasets} datasets, ${stats.objects} objects, ${humanBytes(stats.bytes)}`,
            table(
              ["LAYER", "DATASETS", "OBJECTS", "SIZE"],
              stats.byLayer.map((l) => [l.layer, l.datasets, l.objects, humanBytes(l.bytes)]),
            ),
            table(
              ["SOURCE", "DATASETS", "OBJECTS", "SIZE"],
              stats.bySource.map((s) => [s.source, s.datasets, s.objects, humanBytes(s.bytes)]),
            ),
          ].join("\n\n"),
        );
      });
    });

  catalog
    .command("files")
    .description("list the objects of a dataset")
    .argument("<dataset>")
    .option("--limit <n>", "page size (1-500)", "500")
    .option("--cursor <cursor>", "continue after a previous page")
    .action(async (ref: string, options: { limit: string; cursor?: string }, command: Command) => {
      const limit = parseLimit(options.limit);
      await withLake(command.optsWithGlobals<GlobalOptions>(), async (lake, out) => {
        const page = await lake.listObjects(ref, {
          limit,
          ...(options.cursor !== undefined ? { cursor: options.cursor } : {}),
        });
        out.data({ data: page.items, next_cursor: page.nextCursor }, () =>
          page.items.length === 0
            ? "no objects"
            : table(
                ["NAME", "SIZE", "SHA256", "KEY"],
                page.items.map((o) => [o.name, humanBytes(o.size), o.sha256, o.key]),
              ),
        );
      });
    });
}

function describeChanges(c: DatasetChanges): string {
  const parts = [
    ...(c.created ? ["created"] : []),
    ...(c.added > 0 ? [`+${c.added} added`] : []),
    ...(c.replaced > 0 ? [`${c.replaced} replaced`] : []),
    ...(c.removed > 0 ? [`-${c.removed} removed`] : []),
    ...(c.schema.length > 0 ? [`schema: ${c.schema.join(", ")}`] : []),
  ];
  return parts.join(", ") || "-";
}
