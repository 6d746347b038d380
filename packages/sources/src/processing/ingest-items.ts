import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import {
  CancelledError,
  IntegrityError,
  PolicyError,
  type CatalogObject,
  type Dataset,
  type ItemRunOutput,
  type Lake,
  type ResolvedDataset,
  type StepOptions,
} from "@omicslake/core";
import { ingestDataset } from "../fetch/ingest-dataset.js";
import type { DataItem, ItemFile, ItemProblem } from "../items/data-item.js";
import { bindKind, datasetItems, type KindBinding, type ProcessConfig } from "./dataset-items.js";
import { errorMessage, ItemsFailedError, ProcessingError, type ItemFailure } from "./processing-error.js";

/** What the ingest step of one dataset did. */
export interface ItemIngestResult {
  readonly dataset: Dataset;
  /** The `ingest:<name>` run (the downloader's `ingest:<kind>` run for feeds); undefined when nothing was listed. */
  readonly runId: number | undefined;
  /** Items whose files were added to raw (or, for feeds, files fetched). */
  readonly ingested: number;
  /** Items unchanged since the last ingest (feeds: files unchanged upstream). */
  readonly unchanged: number;
  readonly failures: readonly ItemFailure[];
  /** Names in the tree its layout could not place. */
  readonly problems: readonly ItemProblem[];
}

/** `section` of the ingest step's item records: it belongs to no processing section. */
export const INGEST_SECTION = "";

/**
 * The raw dataset of a configured dataset, created with its source section's name, its role and kind as
 * tags and its place in the data model as metadata, so the catalog says what every dataset is.
 */
export async function ensureRawDataset(
  lake: Lake,
  config: ProcessConfig,
  dataset: ResolvedDataset,
): Promise<Dataset> {
  const data = config.datasets[dataset.name];
  return lake.ensureDataset({
    name: dataset.name,
    layer: "raw",
    source: dataset.source,
    tags: [...new Set([`role:${dataset.role}`, `kind:${dataset.kind}`, ...(data?.tags ?? [])])],
    ...(data?.description !== undefined ? { description: data.description } : {}),
    metadata: {
      role: dataset.role,
      kind: dataset.kind,
      directory: dataset.directory,
      layout: dataset.layout,
    },
  });
}

/**
 * The ingest step of a configured dataset: a kind with an upstream is synced into its local tree first;
 * a feed (an adapter) is fetched straight into raw by the resumable downloader; otherwise every item file
 * not yet in raw is added to raw `<name>` under its name, with its sha256, in one `ingest:<name>` run that
 * records each item's inputs and outputs. An item whose files have the size, mtime, ctime and inode the
 * last ingest recorded is skipped without reading them. A file that changed under a name raw already holds fails its
 * item with raw_conflict (raw is immutable); the other items go on, and the run ends failed naming it.
 */
export async function ingestItems(
  lake: Lake,
  config: ProcessConfig,
  name: string,
  options: StepOptions & { readonly force?: boolean; readonly log?: (line: string) => void } = {},
): Promise<ItemIngestResult> {
  const binding = bindKind(lake, config, name, options);
  const { dataset, kind, context } = binding;
  const raw = await ensureRawDataset(lake, config, dataset);
  if (kind.sync) {
    const synced = await kind.sync(context);
    options.log?.(`${name}: synced, ${synced.fetched.length} fetched, ${synced.unchanged.length} unchanged`);
  }
  if (kind.adapter) {
    const result = await ingestDataset(
      lake,
      { name, data: context.data, source: context.source, root: config.root },
      { ...options, adapter: kind.adapter },
    );
    return {
      dataset: result.dataset,
      runId: result.run.id,
      ingested: result.fetched.length,
      unchanged: result.skipped.length,
      failures: [],
      problems: [],
    };
  }
  const { items, problems } = await datasetItems(binding);
  for (const problem of problems) options.log?.(`${name}: ${problem.name}: ${problem.message}`);
  const previous = await lake.catalog.itemRuns.forStep(name, INGEST_SECTION, "ingest");
  const failures: ItemFailure[] = [];
  let ingested = 0;
  let unchanged = 0;
  let runId: number | undefined;
  try {
    await lake.withRun(
      `ingest:${name}`,
      {
        parameters: { dataset: name, source: dataset.source, kind: dataset.kind, items: items.length },
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      },
      async (ctx, step) => {
        runId = ctx.id;
        const done = step.stage("items", "items");
        done.report(0, items.length);
        let added = 0;
        for (const item of items) {
          step.throwIfAborted();
          try {
            const { fingerprint, sizes } = await fileFingerprint(item);
            const last = previous.get(item.key);
            if (!options.force && last !== undefined && last.fingerprint === fingerprint) {
              unchanged++;
            } else {
              const objects: CatalogObject[] = [];
              for (const file of item.files) {
                const { object, isNew } = await addItemFile(
                  lake,
                  raw,
                  binding,
                  item,
                  file,
                  sizes.get(file.name),
                  step.signal,
                );
                objects.push(object);
                if (isNew) added++;
                ctx.input({ name: file.name, sha256: object.sha256, size: object.size });
                ctx.output({ key: object.key, datasetId: raw.id, sha256: object.sha256, size: object.size });
              }
              await lake.catalog.itemRuns.record({
                dataset: name,
                section: INGEST_SECTION,
                step: "ingest",
                item: item.key,
                runId: ctx.id,
                fingerprint,
                outputs: objects.map(outputOf),
              });
              ingested++;
            }
          } catch (error) {
            if (error instanceof CancelledError || step.signal.aborted) throw error;
            failures.push({ item: item.key, error });
            ctx.log(`failed ${item.key}: ${errorMessage(error)}`);
          }
          done.report(ingested + unchanged + failures.length, items.length, item.key);
        }
        ctx.log(
          `ingested ${ingested}, unchanged ${unchanged}, failed ${failures.length} of ${items.length} items`,
        );
        if (added > 0) {
          await lake.catalog.addProvenance({
            outputDatasetId: raw.id,
            inputDatasetId: null,
            action: "collection",
            runId: ctx.id,
            parameters: { source: dataset.source, kind: dataset.kind, files: added },
          });
        }
        if (failures.length > 0) throw new ItemsFailedError(`ingest:${name}`, failures);
      },
    );
  } catch (error) {
    if (!(error instanceof ItemsFailedError)) throw error;
  }
  return {
    dataset: await lake.catalog.getDataset(raw.id),
    runId,
    ingested,
    unchanged,
    failures,
    problems,
  };
}

/**
 * What the item's files look like without reading them: names, sizes, mtimes, ctimes and inodes (local
 * files) or URLs. Equal to the last ingest's means unchanged; anything else makes the files be hashed and
 * compared. The ctime and inode catch a file rewritten with its size kept and its mtime put back (touch -d,
 * rsync -t, a restore), which no one can set back.
 */
async function fileFingerprint(item: DataItem): Promise<{ fingerprint: string; sizes: Map<string, number> }> {
  const parts: unknown[] = [];
  const sizes = new Map<string, number>();
  for (const file of item.files) {
    if (file.path !== undefined) {
      const info = await stat(file.path).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "ENOENT") throw error;
        throw new ProcessingError(
          "item_input_missing",
          `item ${item.key}: ${file.path} disappeared after the tree was listed`,
          {
            details: { item: item.key, name: file.name, path: file.path },
            hint: "Something moved or deleted it while omicslake ran; run again to list the tree as it is now",
            cause: error,
          },
        );
      });
      parts.push([file.name, info.size, info.mtimeMs, info.ctimeMs, info.ino]);
      sizes.set(file.name, info.size);
    } else {
      parts.push([file.name, file.url ?? null, file.size ?? null]);
    }
  }
  return { fingerprint: createHash("sha256").update(JSON.stringify(parts)).digest("hex"), sizes };
}

/** Adds one file to raw, or finds it there: the same bytes under its name are that file, other bytes a conflict. */
async function addItemFile(
  lake: Lake,
  raw: Dataset,
  binding: KindBinding,
  item: DataItem,
  file: ItemFile,
  size: number | undefined,
  signal: AbortSignal,
): Promise<{ object: CatalogObject; isNew: boolean }> {
  const key = lake.objectKey(raw, file.name);
  let existing = await lake.catalog.findObjectByKey(key);
  if (existing === undefined) {
    // A file in a bucket is streamed by its kind (`open`); an http(s) URL is fetched; a local file read.
    const source =
      file.path !== undefined
        ? { file: file.path }
        : binding.kind.open !== undefined
          ? { body: await binding.kind.open(binding.context, file) }
          : file.url !== undefined
            ? { url: file.url }
            : undefined;
    if (source === undefined) throw new Error(`item file ${file.name} has neither a path nor a URL`);
    try {
      // The size its fingerprint saw: a file still being written is refused before anything is published
      // (raw is immutable), instead of a torn copy that every later run reports as a raw_conflict.
      const sized = size !== undefined ? { expectedSize: size } : {};
      const object = await lake.addObject(raw, { ...source, ...sized, name: file.name }, { signal });
      return { object, isNew: true };
    } catch (error) {
      // Another ingest of the dataset (a second `process`) added it first: compare with theirs below.
      if (error instanceof PolicyError && error.code === "raw_immutable") {
        existing = await lake.catalog.findObjectByKey(key);
        if (existing === undefined) throw error;
        return compareWithRaw(raw, item, file, existing);
      }
      if (!(error instanceof IntegrityError) || file.path === undefined) throw error;
      const now = await stat(file.path).catch(() => undefined);
      throw new ProcessingError(
        "input_changing",
        `item ${item.key}: ${file.path} changed while it was being ingested (${size} bytes when listed, ${now?.size ?? "gone"} now; still being written?)`,
        {
          details: { item: item.key, name: file.name, path: file.path, listedSize: size, size: now?.size },
          hint: "Let whatever writes it finish, then run again; nothing of it was kept",
          cause: error,
        },
      );
    }
  }
  return compareWithRaw(raw, item, file, existing);
}

/** The raw object that holds the file's name, if the file has its bytes; raw_conflict if not. */
async function compareWithRaw(
  raw: Dataset,
  item: DataItem,
  file: ItemFile,
  existing: CatalogObject,
): Promise<{ object: CatalogObject; isNew: boolean }> {
  // A URL-only file already in raw was fetched before; fetching it again to compare would cost a download.
  if (file.path === undefined) return { object: existing, isNew: false };
  const sha256 = await sha256Of(file.path);
  if (sha256 === existing.sha256) return { object: existing, isNew: false };
  throw new PolicyError(
    "raw_conflict",
    `${file.path} changed since it was ingested: raw/${raw.name} holds "${file.name}" with sha256 ${existing.sha256}, the file now hashes ${sha256}`,
    {
      details: {
        item: item.key,
        name: file.name,
        path: file.path,
        storedSha256: existing.sha256,
        newSha256: sha256,
      },
      hint: "Raw objects are immutable: give the new content a new name (a new accession or file name) in the tree, or restore the original file",
    },
  );
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest("hex");
}

function outputOf(object: CatalogObject): ItemRunOutput {
  return { key: object.key, sha256: object.sha256, size: object.size };
}
