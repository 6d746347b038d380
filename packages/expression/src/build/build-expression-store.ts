import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { CatalogObject, Dataset, Lake, LakeConfig, Run, StepOptions } from "@omicslake/core";
import {
  faultPoint,
  NotFoundError,
  OmicslakeError,
  openDuckDb,
  sqlString,
  type DuckDbSession,
} from "@omicslake/core";
import {
  STORE_FILES,
  STORE_FORMAT,
  STORE_FORMAT_VERSION,
  STORE_POINTER,
  storeDatasetName,
  type StoreFileEntry,
  type StoreFileRole,
  type StoreManifest,
} from "../store/store-layout.js";
import { parseStoreManifest, readStorePointer } from "../store/store-manifest-reader.js";
import { resolveProcessedSource, type ProcessedSource } from "./processed-source.js";
import { writeStoreFiles } from "./store-file-writer.js";

/** Phases writeStoreFiles reports through its checkpoint: scan, cells, values by cell and by gene, genes, groups. */
const BUILD_PHASES = 6;

/** The run step of a build; queries look for a running one to answer "still building". */
export const EXPRESSION_BUILD_STEP = "expr-build";

/**
 * DuckDB's memory for a build when neither the caller nor `[expression] memory_limit` sets one: sorts and
 * joins spill to the work directory beyond it, so a build's peak memory does not grow with the matrix. Measured
 * on 1 M cells x 20 k genes: with 256MB the process peaks at ~0.8 GB for 10 M and for 100 M nonzeros, in the
 * same time as with 1GB, which let it grow from 0.6 to 1.5 GB (DuckDB's writers hold memory outside the limit).
 */
export const DEFAULT_BUILD_MEMORY_LIMIT = "256MB";

export interface BuildExpressionStoreOptions extends StepOptions {
  /** `X` (default), a layer name, or `raw.X` (AnnData's .raw). */
  readonly matrix?: string;
  /** The group column; default `cell_type` when the cells have one, else no group. */
  readonly by?: string;
  /** Which axis of an RDS or Matrix Market matrix holds the genes (default rows, R's convention). */
  readonly genesOn?: "rows" | "columns";
  /** DuckDB's memory_limit for the build, e.g. "2GB" (default DEFAULT_BUILD_MEMORY_LIMIT). */
  readonly memoryLimit?: string;
  readonly threads?: number;
  /** Where inputs are fetched, files written and sorts spill; the system temp directory by default. */
  readonly workDir?: string;
}

/**
 * The build settings `[expression]` gives (memory_limit, threads), for callers that pass a config's values on:
 * an unset memory_limit stays unset here, so the build's bounded default applies.
 *
 * @example await buildExpressionStore(lake, "pbmc", { ...buildSettingsOf(config), by: "cell_type" })
 */
export function buildSettingsOf(
  config: Pick<LakeConfig, "expression">,
): Pick<BuildExpressionStoreOptions, "memoryLimit" | "threads"> {
  const { memory_limit: memoryLimit, threads } = config.expression;
  return {
    ...(memoryLimit !== undefined ? { memoryLimit } : {}),
    ...(threads !== undefined ? { threads } : {}),
  };
}

/**
 * What the published build chose for what this build leaves out: a rebuild (new data, `omicslake process`) keeps
 * the matrix and the group column someone picked with `expr build --matrix/--by`, instead of falling back to
 * X and cell_type. A pointer this version cannot read gives no defaults; the build replaces it.
 */
async function previousChoices(
  lake: Lake,
  name: string,
  given: BuildExpressionStoreOptions,
): Promise<Pick<BuildExpressionStoreOptions, "matrix" | "by">> {
  if (given.matrix !== undefined && given.by !== undefined) return {};
  const store = await lake.catalog.findDataset(storeDatasetName(name), "curated");
  const pointer = store === undefined ? undefined : await readStorePointer(lake, store);
  if (pointer === undefined) return {};
  let manifest: StoreManifest;
  try {
    manifest = parseStoreManifest(pointer, name);
  } catch {
    return {};
  }
  return {
    matrix: manifest.source.matrix,
    ...(manifest.groupBy !== null ? { by: manifest.groupBy } : {}),
  };
}

export interface BuildExpressionStoreResult {
  readonly manifest: StoreManifest;
  /** The curated dataset holding the store. */
  readonly dataset: Dataset;
  readonly run: Run;
}

/**
 * Builds (or rebuilds) the expression store of processed dataset `name`: genes, cells, nonzeros by gene and by
 * cell, per-group statistics, then `store.json` last, as build `previous + 1` in the curated dataset
 * `<name>.expression`. Queries keep reading the previous build until that last write; a build killed at any
 * point leaves it queryable, and running the build again succeeds. Two builds of one dataset at once: the
 * second is refused with expression_building while the first runs.
 *
 * @example
 * await convertDataset(lake, "pbmc", { cellMetadata: "cells.tsv" });
 * const { manifest } = await buildExpressionStore(lake, "pbmc", { by: "Cluster" });
 */
export async function buildExpressionStore(
  lake: Lake,
  name: string,
  given: BuildExpressionStoreOptions = {},
): Promise<BuildExpressionStoreResult> {
  const processed = await processedDataset(lake, name);
  const options = { ...(await previousChoices(lake, name, given)), ...given };
  const work = await mkdtemp(join(options.workDir ?? tmpdir(), "omicslake-expr-build-"));
  try {
    const parameters = {
      dataset: name,
      matrix: options.matrix ?? "X",
      ...(options.by !== undefined ? { by: options.by } : {}),
      ...(options.genesOn !== undefined ? { genesOn: options.genesOn } : {}),
    };
    const { result, run } = await lake.withRun(
      EXPRESSION_BUILD_STEP,
      {
        parameters,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      },
      async (ctx, step) => {
        const claim = {
          dataset: `curated:${storeDatasetName(name)}`,
          section: "expression",
          step: EXPRESSION_BUILD_STEP,
          item: name,
        };
        let holder = await lake.catalog.itemRuns.claim(claim, ctx.id);
        if (holder !== undefined) {
          // Its owner may have died (SIGKILL) without anyone marking its run yet.
          await lake.abandonDeadRuns();
          holder = await lake.catalog.itemRuns.claim(claim, ctx.id);
        }
        if (holder !== undefined) {
          throw new OmicslakeError(
            "expression_building",
            `expression store "${name}" is being built by run ${holder}`,
            {
              details: { dataset: name, runId: holder },
              hint: `Wait for run ${holder} to end ("omicslake runs show ${holder}"), then build again if needed`,
            },
          );
        }
        try {
          const duck = await openDuckDb({
            tempDirectory: join(work, "spill"),
            memoryLimit: options.memoryLimit ?? DEFAULT_BUILD_MEMORY_LIMIT,
            ...(options.threads !== undefined ? { threads: options.threads } : {}),
          });
          try {
            const fetch = step.stage("fetch", "objects");
            const local = new Map<string, string>();
            const download = async (object: CatalogObject): Promise<string> => {
              const known = local.get(object.name);
              if (known !== undefined) return known;
              step.throwIfAborted();
              const path = join(work, "input", object.name);
              await mkdir(dirname(path), { recursive: true });
              await pipeline(await lake.readObject(object), createWriteStream(path));
              local.set(object.name, path);
              fetch.report(local.size, undefined, object.name);
              return path;
            };
            const objects = await allObjects(lake, processed);
            const manifestObject = objects.find((o) => o.name === "manifest.json");
            const conversion = manifestObject ? await readJsonObject(lake, manifestObject) : undefined;
            const source = await resolveProcessedSource(
              name,
              objects,
              conversion,
              {
                ...(options.matrix !== undefined ? { matrix: options.matrix } : {}),
                ...(options.genesOn !== undefined ? { genesOn: options.genesOn } : {}),
              },
              async (object) => parquetColumns(duck, await download(object)),
            );
            const used = usedObjects(source, manifestObject);
            for (const object of used) {
              await download(object);
              ctx.input({
                key: object.key,
                datasetId: processed.id,
                name: object.name,
                sha256: object.sha256,
                size: object.size,
              });
            }

            const storeDataset = await lake.ensureDataset({
              name: storeDatasetName(name),
              layer: "curated",
              source: processed.source,
              externalId: processed.externalId,
              tags: processed.tags,
              description: `Expression store of processed:${name}`,
              metadata: { expression_of: `processed:${name}` },
            });
            // Numbered from the published build: the files of a killed build under the same prefix are
            // replaced one by one, and none of them was ever named by a store.json.
            const build = ((await readStorePointer(lake, storeDataset))?.build ?? 0) + 1;
            const dir = join(work, `b${build}`);
            await mkdir(dir, { recursive: true });

            const phases = step.stage("build", "units");
            let phase = 0;
            const written = await writeStoreFiles(duck, source, local, dir, {
              ...(options.by !== undefined ? { by: options.by } : {}),
              checkpoint: (name) => {
                step.throwIfAborted();
                phases.report(++phase, BUILD_PHASES, name);
                faultPoint(`expr-build.${name.replaceAll(" ", "-")}`);
              },
            });

            const publish = step.stage("publish", "objects");
            const roles = Object.keys(written.files) as StoreFileRole[];
            const files: { [K in StoreFileRole]?: StoreFileEntry } = {};
            for (const role of roles) {
              step.throwIfAborted();
              const file = written.files[role]!;
              const objectName = `b${build}/${STORE_FILES[role]}`;
              const object = await lake.putObject(storeDataset, { file: file.path, name: objectName });
              files[role] = { name: objectName, sha256: object.sha256, size: object.size, rows: file.rows };
              ctx.output({
                key: object.key,
                datasetId: storeDataset.id,
                name: objectName,
                sha256: object.sha256,
                size: object.size,
                rows: file.rows,
              });
              ctx.rows(role, file.rows);
              publish.report(Object.keys(files).length, roles.length + 1, objectName);
              faultPoint("expr-build.file-published");
            }
            const manifest: StoreManifest = {
              format: STORE_FORMAT,
              formatVersion: STORE_FORMAT_VERSION,
              dataset: name,
              build,
              builtAt: lake.clock().toISOString(),
              source: {
                dataset: `processed:${name}`,
                matrix: source.matrix,
                format: source.format,
                objects: used.map((o) => ({ name: o.name, sha256: o.sha256 })),
              },
              counts: written.counts,
              valueType: written.valueType,
              groupBy: written.groupBy,
              groups: written.groups,
              cellsWithoutGroup: written.cellsWithoutGroup,
              geneColumns: written.geneColumns,
              cellColumns: written.cellColumns,
              duplicateSymbols: written.duplicateSymbols,
              files,
            };
            step.throwIfAborted();
            faultPoint("expr-build.before-pointer");
            // The one write that publishes the build: readers see the old build or this one, never a mix.
            const pointer = await lake.putObject(storeDataset, {
              name: STORE_POINTER,
              // builtAt is the pointer object's own time (readers take it from the catalog): a build rerun after a
              // crash then publishes the same bytes as one that never crashed.
              body: Buffer.from(`${JSON.stringify({ ...manifest, builtAt: undefined }, null, 2)}\n`),
              mediaType: "application/json",
            });
            ctx.output({
              key: pointer.key,
              datasetId: storeDataset.id,
              name: STORE_POINTER,
              sha256: pointer.sha256,
              size: pointer.size,
            });
            publish.report(roles.length + 1, roles.length + 1, STORE_POINTER);
            faultPoint("expr-build.published");

            for (const [table, columns] of [
              ["genes", written.geneColumns],
              ["cells", written.cellColumns],
            ] as const) {
              await lake.catalog.recordSchema(
                storeDataset.id,
                table,
                columns.map((c) => ({ name: c.name, type: c.type, nullable: true })),
                ctx.id,
              );
            }
            await lake.catalog.recordSchema(
              storeDataset.id,
              "values",
              [
                { name: "gene_idx", type: "INTEGER", nullable: false },
                { name: "cell_idx", type: "INTEGER", nullable: false },
                { name: "value", type: written.valueType, nullable: false },
              ],
              ctx.id,
            );
            await lake.catalog.addProvenance({
              outputDatasetId: storeDataset.id,
              inputDatasetId: processed.id,
              action: "consolidation",
              runId: ctx.id,
              parameters: { build, matrix: source.matrix, groupBy: written.groupBy },
            });
            ctx.log(
              `build ${build}: ${written.counts.genes} genes x ${written.counts.cells} cells, ${written.counts.nonzeros} nonzeros, grouped by ${written.groupBy ?? "nothing"}`,
            );
            const removed = await removeOldBuilds(lake, storeDataset, manifest);
            if (removed > 0) ctx.log(`removed ${removed} objects of superseded or unfinished builds`);
            return { manifest, datasetId: storeDataset.id };
          } finally {
            duck.close();
          }
        } finally {
          await lake.catalog.itemRuns.release(claim, ctx.id);
        }
      },
    );
    return { manifest: result.manifest, dataset: await lake.catalog.getDataset(result.datasetId), run };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function processedDataset(lake: Lake, name: string): Promise<Dataset> {
  try {
    return await lake.dataset(`processed:${name}`);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    throw new OmicslakeError(
      "unknown_dataset",
      `there is no processed dataset "${name}" to build an expression store from`,
      {
        details: { dataset: name },
        hint: `Convert it first ("omicslake convert-dataset ${name}" after adding the files), or list datasets with "omicslake catalog ls"`,
        cause: error,
      },
    );
  }
}

function usedObjects(source: ProcessedSource, manifest: CatalogObject | undefined): CatalogObject[] {
  const used = [...source.values.objects, source.genes?.object, source.cells?.object, manifest];
  const seen = new Set<string>();
  return used.filter((o): o is CatalogObject => {
    if (o === undefined || seen.has(o.name)) return false;
    seen.add(o.name);
    return true;
  });
}

async function parquetColumns(duck: DuckDbSession, path: string): Promise<string[]> {
  try {
    const rows = await duck.rows(`DESCRIBE SELECT * FROM read_parquet(${sqlString(path)})`);
    return rows.map((r) => String(r["column_name"]));
  } catch {
    // Not Parquet (or not readable as such): it has no columns a matrix could be in.
    return [];
  }
}

async function readJsonObject(
  lake: Lake,
  object: CatalogObject,
): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of await lake.readObject(object)) chunks.push(chunk as Buffer);
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

async function allObjects(lake: Lake, dataset: Dataset): Promise<CatalogObject[]> {
  const objects: CatalogObject[] = [];
  let cursor: string | undefined;
  do {
    const page = await lake.catalog.listObjects(dataset.id, { limit: 500, ...(cursor ? { cursor } : {}) });
    objects.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return objects;
}

const BUILD_PREFIX = /^b(\d+)\//;

/**
 * Removes the files of builds before the previous one (readers that started before the switch keep theirs)
 * and any file under this build's prefix that its store.json does not name (left by a killed build).
 */
async function removeOldBuilds(lake: Lake, dataset: Dataset, manifest: StoreManifest): Promise<number> {
  const named = new Set(Object.values(manifest.files).map((f) => f.name));
  let removed = 0;
  for (const object of await allObjects(lake, dataset)) {
    const match = BUILD_PREFIX.exec(object.name);
    if (match === null) continue;
    const build = Number(match[1]);
    if (
      build < manifest.build - 1 ||
      build > manifest.build ||
      (build === manifest.build && !named.has(object.name))
    ) {
      await lake.removeObject(dataset, object.name);
      removed++;
    }
  }
  return removed;
}
