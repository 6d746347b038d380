import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import type { SqlClient } from "../catalog-db/sql-client.js";
import type { Catalog } from "../catalog/catalog.js";
import { catalogClient } from "../catalog/catalog-client.js";
import type {
  CatalogObject,
  CatalogStats,
  Dataset,
  DatasetQuery,
  DatasetVersion,
  ExternalRunResult,
  NewDataset,
  Page,
  ProvenanceAction,
  ProvenanceGraph,
  Run,
  SchemaField,
  SchemaVersion,
} from "../catalog/catalog-types.js";
import {
  ConflictError,
  NotFoundError,
  OmicslakeError,
  PolicyError,
  ValidationError,
} from "../errors/omicslake-error.js";
import { redactUrl } from "../errors/redact-secrets.js";
import { isLayer, nextLayer, type Layer } from "../object-store/layer.js";
import { validateObjectKey } from "../object-store/object-key.js";
import type { ObjectStore, PutBody, StagedObject } from "../object-store/object-store.js";
import { CancelledError, throwIfAborted } from "../steps/cancelled-error.js";
import { currentRunId } from "../steps/current-run.js";
import { RunProgressRecorder } from "../steps/run-progress-recorder.js";
import { StepContext, type StepOptions } from "../steps/step-context.js";
import { faultPoint } from "../testing-hooks/fault-point.js";
import { recordExternalStep, type ExternalStep } from "./external-step.js";
import type { FsckReport } from "./fsck-report.js";
import { hashStream, sha256File } from "./hash-stream.js";
import { DEFAULT_DEBRIS_AGE_MS, runFsck, type FsckOptions } from "./lake-fsck.js";
import { mediaTypeOf } from "./media-type.js";
import { assertDatasetName, assertNotBackupTree, assertObjectName } from "./names.js";
import { RunContext } from "./run-context.js";
import { DEFAULT_RUN_LEASE_MS, RunLease } from "./run-lease.js";
import { currentRunOwner, isOwnerGone } from "./run-owner.js";

/** The version of this library, recorded in every run's tool versions. */
export const LAKE_VERSION = "0.1.0";

/** A dataset by numeric id, or by name (optionally `layer:name`, e.g. `processed:geo-series`). */
export type DatasetRef = number | string | Dataset;

export interface ObjectSource {
  /** Name inside the dataset; defaults to the file's or URL's base name. */
  readonly name?: string;
  readonly file?: string;
  readonly body?: PutBody;
  readonly url?: string;
  readonly mediaType?: string;
  readonly expectedSha256?: string;
  /** The byte count the source must have: a file that grows or shrinks while it is read is refused. */
  readonly expectedSize?: number;
}

/** A local file and the object name it gets (a path inside the folder it was listed from). */
export interface LocalFile {
  readonly file: string;
  readonly name: string;
}

export interface AddFilesOptions {
  readonly dataset: string;
  readonly source?: string;
  readonly externalId?: string;
  readonly tags?: readonly string[];
  readonly description?: string;
  readonly metadata?: Record<string, unknown>;
  readonly onProgress?: (event: { file: string; bytes: number; totalBytes: number }) => void;
  /**
   * Aborting stops the add inside the file being copied (its staged bytes are removed) or before the
   * next one; the run ends `cancelled` and files already added stay, so a rerun adopts them.
   */
  readonly signal?: AbortSignal;
}

/** A promotion that was started and not published (see Lake.incompletePromotions). */
export interface IncompletePromotion {
  /** The pending target: invisible to lookups until the promotion is run again and finishes. */
  readonly dataset: Dataset;
  readonly from: Layer | undefined;
  readonly copiedObjects: number;
  readonly copiedBytes: number;
}

/** A run's recorded settings, and the signal and progress listener of the step it records. */
export interface RunOptions extends StepOptions {
  readonly toolVersions?: Record<string, string>;
  readonly parameters?: Record<string, unknown>;
}

export interface LakeOptions {
  /** How long a run stays `running` unless its owner renews the lease (default a minute). */
  readonly runLeaseMs?: number;
  /** The clock run leases are measured by; tests inject one. */
  readonly clock?: () => Date;
}

/** A run the lake marked abandoned, and why. */
export interface AbandonedRun {
  readonly id: number;
  readonly step: string;
  readonly reason: string;
}

/**
 * The lake: datasets of immutable, checksummed objects in layers, with provenance and runs.
 * Everything a CLI command, an API route or a flow does to the lake goes through here, so the
 * rules (raw is immutable, promotion is one layer at a time, every write is recorded) live in one place.
 *
 * @example
 * const lake = await openLake(await loadConfig());
 * const { dataset } = await lake.addFiles(["GSE2034_family.soft.gz"], { dataset: "gse2034", source: "geo" });
 */
export class Lake {
  readonly runLeaseMs: number;
  readonly clock: () => Date;

  constructor(
    readonly store: ObjectStore,
    readonly catalog: Catalog,
    options: LakeOptions = {},
  ) {
    this.runLeaseMs = options.runLeaseMs ?? DEFAULT_RUN_LEASE_MS;
    this.clock = options.clock ?? (() => new Date());
  }

  /**
   * The database that holds the serving tables the entity API reads. They live in the catalog's
   * database, so a serving load swaps an entity's view and records the load in one transaction, and
   * there is no second database to run or back up. For the serving loader and queries only: catalog
   * data is read and written through `catalog`.
   */
  servingClient(): SqlClient {
    return catalogClient(this.catalog);
  }

  // ---- datasets ---------------------------------------------------------------------------

  async createDataset(input: NewDataset): Promise<Dataset> {
    assertDatasetName(input.name, input.layer);
    return this.catalog.createDataset(withCreatingRun(input));
  }

  /** The existing dataset with this name in this layer, or a new one. */
  async ensureDataset(input: NewDataset): Promise<Dataset> {
    assertDatasetName(input.name, input.layer);
    const found = await this.catalog.findDataset(input.name, input.layer);
    if (found) return found;
    try {
      return await this.catalog.createDataset(withCreatingRun(input));
    } catch (error) {
      // Another writer created it between the lookup and the insert (two `process` runs at once): use theirs.
      if (!(error instanceof ConflictError)) throw error;
      const created = await this.catalog.findDataset(input.name, input.layer);
      if (!created) throw error;
      return created;
    }
  }

  async dataset(ref: DatasetRef): Promise<Dataset> {
    if (typeof ref === "object") return ref;
    if (typeof ref === "number") return this.catalog.getDataset(ref);
    if (/^\d+$/.test(ref)) return this.catalog.getDataset(Number(ref));
    const colon = ref.indexOf(":");
    let layer: Layer | undefined;
    let name = ref;
    if (colon > 0 && isLayer(ref.slice(0, colon))) {
      layer = ref.slice(0, colon) as Layer;
      name = ref.slice(colon + 1);
    }
    const found = await this.catalog.findDataset(name, layer);
    if (!found) {
      throw new NotFoundError("dataset", ref, { hint: 'List datasets with "omicslake catalog ls"' });
    }
    return found;
  }

  search(query: DatasetQuery = {}): Promise<Page<Dataset>> {
    return this.catalog.listDatasets(query);
  }

  stats(): Promise<CatalogStats> {
    return this.catalog.stats();
  }

  // ---- objects ----------------------------------------------------------------------------

  /** The store key of an object: `<layer>/<dataset>/<name>`. */
  objectKey(dataset: Pick<Dataset, "layer" | "name">, name: string): string {
    assertObjectName(name);
    // Every object write takes its key here: refusing the backup tree covers promotions into the
    // archive and a dataset of that name made before the name was reserved.
    assertNotBackupTree(dataset.layer, dataset.name);
    return `${dataset.layer}/${dataset.name}/${name}`;
  }

  /**
   * Streams one object into a dataset and records it, as one decision: the bytes are staged first
   * (never under the key), then, under the catalog's lock on the dataset and key, the first writer's
   * bytes are published and recorded; a later writer of the same name is refused and its staged bytes
   * removed. If the process dies after publishing but before the row is committed, re-adding the same
   * bytes adopts the stored object (raw) or replaces it (other layers), so an interrupted add can simply
   * be rerun; different bytes under a raw name are refused with raw_conflict and the stored ones kept.
   */
  async addObject(
    ref: DatasetRef,
    source: ObjectSource,
    options: { readonly signal?: AbortSignal } = {},
  ): Promise<CatalogObject> {
    const dataset = await this.dataset(ref);
    const name =
      source.name ??
      (source.file ? basename(source.file) : source.url ? basename(new URL(source.url).pathname) : undefined);
    if (!name)
      throw new ValidationError("an object needs a name when it comes from a stream", { hint: "Pass name" });
    const key = this.objectKey(dataset, name);
    const mediaType = source.mediaType ?? mediaTypeOf(name);

    // Refuse before reading any bytes when the answer is already known; the locked check below settles races.
    if (await this.catalog.findObjectByKey(key)) throw objectExistsError(dataset, name, key);
    const staged = await this.store.stage(key, await this.openSource(source), {
      mediaType,
      ...(source.expectedSha256 !== undefined ? { expectedSha256: source.expectedSha256 } : {}),
      ...(source.expectedSize !== undefined ? { expectedSize: source.expectedSize } : {}),
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
    });
    return this.recordStaged(dataset, name, staged, mediaType, (current) => {
      if (current) throw objectExistsError(dataset, name, key);
    });
  }

  /**
   * Writes an object into a non-raw dataset whether or not it exists yet: the bytes are staged, then
   * published and recorded under the catalog's lock on the dataset and key, so of two concurrent
   * writers the one recorded last is the one whose bytes the key holds. Refused in raw (by the catalog
   * and by the store).
   */
  async putObject(ref: DatasetRef, source: ObjectSource): Promise<CatalogObject> {
    const dataset = await this.dataset(ref);
    const name = source.name ?? (source.file ? basename(source.file) : undefined);
    if (!name)
      throw new ValidationError("an object needs a name when it comes from a stream", { hint: "Pass name" });
    if (dataset.layer === "raw") return this.addObject(dataset, { ...source, name });
    const key = this.objectKey(dataset, name);
    const mediaType = source.mediaType ?? mediaTypeOf(name);
    const staged = await this.store.stage(key, await this.openSource(source), {
      mediaType,
      ...(source.expectedSha256 !== undefined ? { expectedSha256: source.expectedSha256 } : {}),
    });
    return this.recordStaged(dataset, name, staged, mediaType, () => undefined);
  }

  /**
   * Removes one object of a non-raw dataset: its row first, then its bytes under the key's lock, so a
   * writer that recorded the same key meanwhile keeps its bytes. Undefined when there is no such object.
   * Refused in raw (by the catalog), like every other removal.
   */
  async removeObject(ref: DatasetRef, name: string): Promise<CatalogObject | undefined> {
    const dataset = await this.dataset(ref);
    const removed = await this.catalog.removeObject(dataset.id, name);
    if (removed === undefined) return undefined;
    await this.catalog.releaseKeys([removed.key], async (unreferenced) => {
      for (const key of unreferenced) await this.store.delete(key);
    });
    return removed;
  }

  /**
   * The second half of every object write: under the catalog's locks, `check` sees the key's row (and
   * throws to refuse), then the staged bytes are published and the row written. Staged bytes that were
   * not published are removed whatever happened.
   */
  private async recordStaged(
    dataset: Dataset,
    name: string,
    staged: StagedObject,
    mediaType: string | null,
    check: (current: CatalogObject | undefined) => void,
  ): Promise<CatalogObject> {
    let published = false;
    try {
      return await this.catalog.writeObject({
        datasetId: dataset.id,
        key: staged.key,
        name,
        decide: async (current) => {
          check(current);
          await this.publishStaged(dataset, name, staged);
          published = true;
          return { size: staged.size, sha256: staged.sha256, mediaType };
        },
      });
    } finally {
      if (!published) await this.store.discard(staged).catch(() => undefined);
    }
  }

  /**
   * Publishes staged bytes. A raw key that holds bytes without a catalog row (an add that died between
   * publishing and recording) is adopted when its bytes are the staged ones, and refused otherwise:
   * raw bytes are never replaced.
   */
  private async publishStaged(dataset: Dataset, name: string, staged: StagedObject): Promise<void> {
    try {
      await this.store.publish(staged);
    } catch (error) {
      if (!(error instanceof PolicyError && error.code === "raw_immutable")) throw error;
      const head = await this.store.head(staged.key);
      if (!head) throw error;
      const stored = head.sha256 ?? (await hashStream(await this.store.get(staged.key))).sha256;
      if (stored === staged.sha256 && head.size === staged.size) {
        // Adopted: the stored bytes stay, and the identical staged copy goes.
        await this.store.discard(staged);
        return;
      }
      throw new PolicyError(
        "raw_conflict",
        `raw object "${name}" in dataset "${dataset.name}" is already stored with other content (sha256 ${stored}, the new bytes hash ${staged.sha256})`,
        {
          details: { key: staged.key, storedSha256: stored, newSha256: staged.sha256 },
          hint: 'Raw objects are immutable: add the new content under another name. The stored bytes have no catalog row (an earlier add was interrupted); "omicslake fsck" lists them',
          cause: error,
        },
      );
    }
  }

  private async openSource(source: ObjectSource): Promise<PutBody> {
    if (source.body !== undefined) return source.body;
    if (source.file !== undefined) {
      try {
        await stat(source.file);
      } catch (cause) {
        throw new ValidationError(`cannot read ${source.file}`, {
          details: { file: source.file },
          cause,
          hint: "Check the path",
        });
      }
      return createReadStream(source.file);
    }
    if (source.url !== undefined) {
      const response = await fetch(source.url);
      if (!response.ok || !response.body) {
        throw new OmicslakeError("fetch_failed", `GET ${redactUrl(source.url)} answered ${response.status}`, {
          details: { url: redactUrl(source.url), status: response.status },
          hint: "Check the URL; retry later if the server is busy",
        });
      }
      return Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
    }
    throw new ValidationError("an object needs a file, a URL or a body");
  }

  /**
   * Adds local files to a raw dataset (created if needed) as one collection run, with a provenance
   * edge from the outside world. This is `omicslake add`. A path is stored under its base name; a
   * LocalFile under its own name (a folder's files keep their path inside it, see directoryFiles).
   */
  async addFiles(
    entries: readonly (string | LocalFile)[],
    options: AddFilesOptions,
  ): Promise<{ dataset: Dataset; objects: CatalogObject[]; run: Run }> {
    if (entries.length === 0)
      throw new ValidationError("no files to add", { hint: "Name at least one file" });
    // A bare path is stored under its base name; a folder's files come with their path inside it.
    const named = entries.map((entry) =>
      typeof entry === "string" ? { file: entry, name: basename(entry) } : entry,
    );
    const files = named.map((entry) => entry.file);
    const nameOf = new Map(named.map((entry) => [entry.file, entry.name]));
    const objectName = (file: string): string => nameOf.get(file) ?? basename(file);
    const sizes = await Promise.all(
      files.map(async (file) => {
        try {
          return (await stat(file)).size;
        } catch (cause) {
          throw new ValidationError(`cannot read ${file}`, {
            details: { file },
            cause,
            hint: "Check the path",
          });
        }
      }),
    );
    const totalBytes = sizes.reduce((a, b) => a + b, 0);
    assertDatasetName(options.dataset);
    // Every name is checked before anything is created: raw objects can never be removed, so an add that
    // fails on its third file would leave the first two (or an empty dataset) in raw for good, and a
    // rerun would meet them as conflicts.
    const names = new Map<string, string>();
    for (const { file, name } of named) {
      validateObjectKey(this.objectKey({ layer: "raw", name: options.dataset }, name));
      const other = names.get(name);
      if (other !== undefined && other !== file) {
        throw new ValidationError(`${other} and ${file} would both be stored as ${JSON.stringify(name)}`, {
          details: { name, files: [other, file] },
          hint: "Objects are named after the file; rename one of them or add them to different datasets",
        });
      }
      names.set(name, file);
    }
    const objects: CatalogObject[] = [];
    const { result: dataset, run } = await this.withRun(
      "add",
      {
        parameters: { dataset: options.dataset, files: files.map(objectName) },
        ...(options.signal !== undefined ? { signal: options.signal } : {}),
      },
      async (ctx, step) => {
        // Created inside the run, so a dataset an add creates and then dies in is known as that run's
        // debris (fsck --repair removes it while it holds no object).
        const dataset = await this.ensureDataset({
          name: options.dataset,
          layer: "raw",
          ...(options.source !== undefined ? { source: options.source } : {}),
          ...(options.externalId !== undefined ? { externalId: options.externalId } : {}),
          ...(options.tags !== undefined ? { tags: options.tags } : {}),
          ...(options.description !== undefined ? { description: options.description } : {}),
          ...(options.metadata !== undefined ? { metadata: options.metadata } : {}),
        });
        let done = 0;
        for (const file of files) {
          step.throwIfAborted();
          // Rerunning an add that was killed part-way finds the files it already recorded: the same
          // bytes under the same name are that file, done; different bytes still meet raw_immutable.
          const recorded = await this.catalog.findObjectByKey(this.objectKey(dataset, objectName(file)));
          const object =
            recorded !== undefined && recorded.sha256 === (await sha256File(file))
              ? recorded
              : await this.addObject(dataset, { file, name: objectName(file) }, { signal: step.signal });
          objects.push(object);
          // Where the file sat on the operator's machine is not the lake's to publish: its name is.
          ctx.input({ name: objectName(file), sha256: object.sha256, size: object.size });
          ctx.output({ key: object.key, datasetId: dataset.id, sha256: object.sha256, size: object.size });
          done += object.size;
          options.onProgress?.({ file, bytes: done, totalBytes });
        }
        await this.catalog.addProvenance({
          outputDatasetId: dataset.id,
          inputDatasetId: null,
          action: "collection",
          runId: ctx.id,
          parameters: { files: files.map(objectName) },
        });
        return dataset;
      },
    );
    return { dataset: await this.catalog.getDataset(dataset.id), objects, run };
  }

  async listObjects(
    ref: DatasetRef,
    options: { limit?: number; cursor?: string } = {},
  ): Promise<Page<CatalogObject>> {
    const dataset = await this.dataset(ref);
    return this.catalog.listObjects(dataset.id, options);
  }

  /** A verified read stream of an object: it errors at the end if the bytes do not match the catalog. */
  async readObject(object: CatalogObject): Promise<Readable> {
    return this.store.get(object.key, { verifySha256: object.sha256 });
  }

  // ---- layers -----------------------------------------------------------------------------

  /**
   * Copies a dataset into the next layer (never skipping one) and records a promotion edge.
   * The source stays where it is: promotion is a copy, so raw keeps every byte. The target is created
   * pending (invisible to every lookup) and published, with the edge, in one transaction once every
   * object is in it; a promotion that was killed is finished by running it again, which reuses the
   * objects already copied. Of concurrent promotions of one dataset exactly one publishes; the others
   * get already_promoted.
   */
  async promote(ref: DatasetRef, to: Layer): Promise<Dataset> {
    const source = await this.dataset(ref);
    const expected = nextLayer(source.layer);
    if (to !== expected) {
      throw new PolicyError("layer_skip", `cannot promote "${source.name}" from ${source.layer} to ${to}`, {
        details: { dataset: source.name, from: source.layer, to },
        hint: expected
          ? `Promote one layer at a time: next is ${expected}`
          : `${source.layer} is the last layer`,
      });
    }
    assertNotBackupTree(to, source.name);
    const found = await this.catalog.findDatasetInAnyState(source.name, to);
    if (found && !found.pending) throw alreadyPromotedError(source.name, to);
    const { result } = await this.withRun(
      "promote",
      { parameters: { dataset: source.name, from: source.layer, to } },
      async (ctx) => {
        const target = found?.dataset ?? (await this.createPromotionTarget(source, to));
        try {
          for await (const object of this.allObjectsOf(source.id)) {
            const key = this.objectKey(target, object.name);
            const copied = await this.catalog.findObjectByKey(key);
            // A rerun after a kill keeps what the killed run already recorded, when it is the same content.
            const recorded =
              copied && copied.sha256 === object.sha256 && copied.size === object.size
                ? copied
                : await this.copyInto(target, object, key);
            ctx.input({ key: object.key, sha256: object.sha256, size: object.size });
            ctx.output({ key, sha256: recorded.sha256, size: recorded.size, datasetId: target.id });
          }
          const published = await this.catalog
            .publishDataset(target.id, {
              outputDatasetId: target.id,
              inputDatasetId: source.id,
              action: "promotion",
              runId: ctx.id,
              parameters: { from: source.layer, to },
            })
            .catch((error: unknown) => {
              // A concurrent promotion of the same dataset published it first.
              throw error instanceof ConflictError ? alreadyPromotedError(source.name, to, error) : error;
            });
          return published.id;
        } catch (error) {
          // Without its source the target can never be finished: remove it rather than leave it pending.
          // Once the source is gone nobody can publish the target any more, so a target still pending now
          // stays pending; one a concurrent promotion published before the delete is kept.
          if (!(await this.datasetExists(source.id))) {
            const now = await this.catalog.findDatasetInAnyState(source.name, to);
            if (now?.pending && now.dataset.id === target.id)
              await this.discardDataset(target.id).catch(() => undefined);
          }
          throw error;
        }
      },
    );
    return this.catalog.getDataset(result);
  }

  /**
   * Promotions that were started and never published (the process died, or failed, mid-way): each
   * pending target with the objects it holds so far. Running the same promotion again finishes one.
   */
  async incompletePromotions(): Promise<readonly IncompletePromotion[]> {
    const pending = await this.catalog.listPendingDatasets();
    return pending.map((dataset) => {
      const from = dataset.metadata["promoted_from"];
      return {
        dataset,
        from: typeof from === "string" && isLayer(from) ? from : undefined,
        copiedObjects: dataset.objectCount,
        copiedBytes: dataset.totalBytes,
      };
    });
  }

  /** The pending target of a new promotion, or the one a concurrent promotion has just created. */
  private async createPromotionTarget(source: Dataset, to: Layer): Promise<Dataset> {
    try {
      return await this.catalog.createDataset(
        {
          name: source.name,
          layer: to,
          source: source.source,
          externalId: source.externalId,
          description: source.description,
          metadata: { ...source.metadata, promoted_from: source.layer },
          tags: source.tags,
        },
        { pending: true },
      );
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      const found = await this.catalog.findDatasetInAnyState(source.name, to);
      if (found?.pending) return found.dataset;
      throw alreadyPromotedError(source.name, to, error);
    }
  }

  /** Copies one object into a promotion target: staged, checked against the source's sha256, then recorded. */
  private async copyInto(target: Dataset, object: CatalogObject, key: string): Promise<CatalogObject> {
    const staged = await this.store.stageCopy(object.key, key);
    if (staged.sha256 !== object.sha256 || staged.size !== object.size) {
      await this.store.discard(staged).catch(() => undefined);
      throw new OmicslakeError(
        "integrity_error",
        `copy of ${object.key} hashed ${staged.sha256}, expected ${object.sha256}`,
        {
          details: { key: object.key },
          hint: 'Run "omicslake fsck" to find the damaged object',
        },
      );
    }
    return this.recordStaged(target, object.name, staged, object.mediaType, () => undefined);
  }

  private async datasetExists(id: number): Promise<boolean> {
    try {
      await this.catalog.getDataset(id);
      return true;
    } catch (error) {
      if (error instanceof NotFoundError) return false;
      throw error;
    }
  }

  /**
   * Deletes a dataset's stored objects as a recorded `delete` run; the dataset stays as a tombstone in
   * lineage (marked deleted, with this run), so what was derived from it keeps its path to raw.
   * Refused in raw by the catalog and by the store.
   */
  async deleteDataset(ref: DatasetRef): Promise<Run> {
    const dataset = await this.dataset(ref);
    if (dataset.layer === "raw") {
      throw new PolicyError("raw_immutable", `cannot delete raw dataset "${dataset.name}"`, {
        details: { dataset: dataset.name, layer: dataset.layer },
        hint: "Raw data is immutable; delete its processed or curated copies instead",
      });
    }
    const { run } = await this.withRun(
      "delete",
      { parameters: { dataset: dataset.name, layer: dataset.layer } },
      async (ctx) => {
        ctx.input({ datasetId: dataset.id, name: dataset.name });
        const removed = await this.discardDataset(dataset.id, ctx.id);
        ctx.log(
          `removed ${removed} objects of ${dataset.layer}:${dataset.name}; its lineage stays as a tombstone`,
        );
      },
    );
    return run;
  }

  /**
   * Catalog first: the rows go in one transaction that also returns their keys (so an object a writer
   * committed just before is among them, and a writer just after finds the dataset gone and removes its
   * own staged bytes); then the bytes go, key by key under the key's lock. A crash in between leaves
   * orphans that fsck reports, never rows pointing at missing objects.
   */
  private async discardDataset(id: number, runId: number | null = null): Promise<number> {
    const keys = await this.catalog.deleteDataset(id, { runId });
    await this.catalog.releaseKeys(keys, async (unreferenced) => {
      for (const key of unreferenced) await this.store.delete(key);
    });
    return keys.length;
  }

  private async *allObjectsOf(datasetId: number): AsyncGenerator<CatalogObject> {
    let cursor: string | undefined;
    do {
      const page = await this.catalog.listObjects(datasetId, { limit: 500, ...(cursor ? { cursor } : {}) });
      yield* page.items;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  // ---- provenance, runs, schemas ------------------------------------------------------------

  async lineage(ref: DatasetRef): Promise<ProvenanceGraph> {
    return this.catalog.lineage(await this.#lineageNode(ref));
  }

  async provenanceGraph(ref: DatasetRef): Promise<ProvenanceGraph> {
    return this.catalog.provenanceGraph(await this.#lineageNode(ref));
  }

  /**
   * The dataset whose lineage or versions are asked for. By id, a tombstone counts too: lineage links
   * name deleted datasets by id, and a deleted dataset's path to raw and its versions stay readable.
   * By name, the live dataset of that name is meant (a tombstone's name may have been reused).
   */
  async #lineageNode(ref: DatasetRef): Promise<number> {
    if (typeof ref === "number" || (typeof ref === "string" && /^\d+$/.test(ref)))
      return this.catalog.requireLineageNode(Number(ref));
    return (await this.dataset(ref)).id;
  }

  /** The versions of a dataset, newest first (keyset pages). */
  async datasetVersions(
    ref: DatasetRef,
    options: { limit?: number; cursor?: string } = {},
  ): Promise<Page<DatasetVersion>> {
    return this.catalog.listDatasetVersions(await this.#lineageNode(ref), options);
  }

  /**
   * Records a step run outside the lake (FastQC, an nf-core pipeline) as a run with provenance edges.
   * See recordExternalStep for the checks and the idempotency key.
   */
  recordExternalStep(
    step: ExternalStep,
    options: { idempotencyKey?: string } = {},
  ): Promise<ExternalRunResult> {
    return recordExternalStep(this, step, options);
  }

  async recordProvenance(
    output: DatasetRef,
    inputs: readonly DatasetRef[],
    action: ProvenanceAction,
    runId: number | null,
    parameters: Record<string, unknown> = {},
  ): Promise<void> {
    const out = await this.dataset(output);
    for (const input of inputs) {
      const from = await this.dataset(input);
      await this.catalog.addProvenance({
        outputDatasetId: out.id,
        inputDatasetId: from.id,
        action,
        runId,
        parameters,
      });
    }
  }

  /**
   * Runs `fn` as a recorded run: started before, finished after with its inputs, outputs, row counts
   * and log; on failure the run is marked failed with the error's code, message and details, and the
   * error is rethrown. The run carries its owner (host, pid, process token) and a lease that a
   * heartbeat renews while `fn` works, so if the process dies the next one to open the lake can tell
   * and mark the run abandoned instead of leaving it `running` forever.
   *
   * `fn` also gets the step's context: `options.signal`, and a progress sink that feeds
   * `options.onProgress` and keeps the latest event in the run row. When the step ends by an error
   * after the signal was aborted, the run is marked `cancelled` (not failed) and a CancelledError is
   * thrown; a signal aborted before the start throws it without recording a run.
   */
  async withRun<T>(
    step: string,
    options: RunOptions,
    fn: (run: RunContext, context: StepContext) => Promise<T>,
  ): Promise<{ result: T; run: Run }> {
    throwIfAborted(options.signal, step);
    const owner = currentRunOwner();
    const leaseOptions = { leaseMs: this.runLeaseMs, clock: this.clock };
    const started = await this.catalog.startRun({
      step,
      toolVersions: { omicslake: LAKE_VERSION, node: process.versions.node, ...options.toolVersions },
      parameters: options.parameters ?? {},
      owner,
      leaseExpiresAt: RunLease.expiry(leaseOptions),
    });
    const lease = new RunLease(this.catalog, started.id, owner.token, leaseOptions);
    lease.start();
    faultPoint("run.started");
    const ctx = new RunContext(started.id, step);
    const progress = new RunProgressRecorder(this.catalog, started.id, owner.token);
    const signal = options.signal ?? new AbortController().signal;
    const stepContext = new StepContext(ctx, signal, (event) => {
      progress.note(event);
      options.onProgress?.(event);
    });
    let result: T;
    try {
      result = await currentRunId.run(started.id, () => fn(ctx, stepContext));
    } catch (error) {
      await lease.stop();
      await progress.stop();
      // Whatever surfaced first (an aborted fetch, a closed stream), the caller asked for the stop;
      // the error names this run, so the caller can say which run to look at.
      const cancelled = signal.aborted;
      const thrown = cancelled
        ? new CancelledError(step, {
            details: { runId: started.id },
            cause: error instanceof CancelledError ? error.cause : error,
          })
        : error;
      const err = thrown instanceof Error ? thrown : new Error(String(thrown));
      const { code, details } = describeError(err);
      if (cancelled) ctx.log(`cancelled: ${err.message}`);
      await this.catalog.finishRun(started.id, {
        status: cancelled ? "cancelled" : "failed",
        toolVersions: ctx.toolVersions,
        inputs: ctx.inputs,
        outputs: ctx.outputs,
        rowCounts: ctx.rowCounts,
        log: ctx.logText,
        error: { code, message: err.message, ...(details ? { details } : {}) },
        ...(progress.last ? { progress: progress.last } : {}),
      });
      throw thrown;
    }
    await lease.stop();
    await progress.stop();
    faultPoint("run.finishing");
    const run = await this.catalog.finishRun(started.id, {
      status: "succeeded",
      toolVersions: ctx.toolVersions,
      inputs: ctx.inputs,
      outputs: ctx.outputs,
      rowCounts: ctx.rowCounts,
      log: ctx.logText,
      ...(progress.last ? { progress: progress.last } : {}),
    });
    return { result, run };
  }

  /**
   * Running runs whose owner is gone, with the reason: the owner on this host is no longer running,
   * or the lease lapsed (the owner, wherever it is, stopped renewing). Runs from before leases existed
   * count as lapsed once they are older than a lease.
   */
  async deadRuns(): Promise<{ run: Run; reason: string }[]> {
    const now = this.clock();
    const dead: { run: Run; reason: string }[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.catalog.listRuns({
        status: "running",
        limit: 500,
        ...(cursor ? { cursor } : {}),
      });
      for (const run of page.items) {
        const reason = deadRunReason(run, now, this.runLeaseMs);
        if (reason !== undefined) dead.push({ run, reason });
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return dead;
  }

  /**
   * Marks every dead run (see deadRuns) `abandoned` with the reason. Safe from many processes at once:
   * a run is marked only if its lease is still the one that was seen lapsing.
   */
  async abandonDeadRuns(): Promise<AbandonedRun[]> {
    const abandoned: AbandonedRun[] = [];
    for (const { run, reason } of await this.deadRuns()) {
      const marked = await this.catalog.abandonRun(run.id, run.leaseExpiresAt, {
        code: "run_abandoned",
        message: reason,
        details: {
          runId: run.id,
          step: run.step,
          ...(run.owner ? { host: run.owner.host, pid: run.owner.pid } : {}),
        },
      });
      if (marked) abandoned.push({ id: run.id, step: run.step, reason });
    }
    return abandoned;
  }

  /**
   * What every process does when it opens the lake: dead runs are marked abandoned, and temp files of
   * writers that are provably gone (or untouched for a day) are removed. Cheap: one query and one
   * directory listing; the full sweep (sidecars, debris datasets) is `fsck --repair`.
   */
  async recover(): Promise<{ abandonedRuns: AbandonedRun[]; removedTempFiles: number }> {
    const abandonedRuns = await this.abandonDeadRuns();
    let removedTempFiles = 0;
    if (this.store.listDebris !== undefined && this.store.removeDebris !== undefined) {
      for await (const debris of this.store.listDebris({
        olderThanMs: DEFAULT_DEBRIS_AGE_MS,
        now: this.clock(),
        tempOnly: true,
      })) {
        if (debris.kind !== "temp" || !debris.removable) continue;
        await this.store.removeDebris(debris);
        removedTempFiles++;
      }
    }
    return { abandonedRuns, removedTempFiles };
  }

  async recordSchema(
    ref: DatasetRef,
    table: string,
    fields: readonly SchemaField[],
    runId?: number | null,
  ): Promise<SchemaVersion> {
    const dataset = await this.dataset(ref);
    return this.catalog.recordSchema(dataset.id, table, fields, runId ?? null);
  }

  // ---- integrity ----------------------------------------------------------------------------

  /**
   * Re-hashes every object, compares size and sha256 with the catalog, and lists objects the catalog
   * does not know (orphans), debris of killed work (temp files, stray sidecars, abandoned runs and the
   * empty raw datasets they left) and strays at the store's root. With `repair`, removes the debris
   * that is provably dead; it never touches an object's bytes. Reads stream, so memory stays flat.
   */
  fsck(options: FsckOptions = {}): Promise<FsckReport> {
    return runFsck(this, options);
  }

  async close(): Promise<void> {
    await this.catalog.close();
    await this.store.close();
  }
}

function objectExistsError(dataset: Dataset, name: string, key: string): PolicyError {
  return new PolicyError(
    dataset.layer === "raw" ? "raw_immutable" : "object_exists",
    `object "${name}" already exists in ${dataset.layer} dataset "${dataset.name}"`,
    {
      details: { key },
      hint:
        dataset.layer === "raw"
          ? "Raw objects are immutable: add it under a new name or to a new dataset"
          : "Delete it first or choose another name",
    },
  );
}

function alreadyPromotedError(name: string, layer: Layer, cause?: unknown): PolicyError {
  return new PolicyError("already_promoted", `"${name}" already exists in ${layer}`, {
    details: { dataset: name, layer },
    hint: `Delete the ${layer} copy first if you want to promote again`,
    ...(cause !== undefined ? { cause } : {}),
  });
}

/** The dataset input with the run it is created in, when there is one. */
function withCreatingRun(input: NewDataset): NewDataset {
  const runId = input.createdByRunId ?? currentRunId.getStore();
  return runId === undefined ? input : { ...input, createdByRunId: runId };
}

/** Why a running run must be dead, or undefined while its owner may still be working on it. */
function deadRunReason(run: Run, now: Date, leaseMs: number): string | undefined {
  if (run.owner === null) {
    // Recorded before runs had owners: nothing renews it, so once it is older than a lease it is dead.
    return now.getTime() - run.startedAt.getTime() > leaseMs
      ? `run has no owner (started by an older version) and has been running since ${run.startedAt.toISOString()}`
      : undefined;
  }
  if (isOwnerGone(run.owner)) {
    return `owner process ${run.owner.pid} on ${run.owner.host} is no longer running`;
  }
  if (run.leaseExpiresAt !== null && run.leaseExpiresAt.getTime() < now.getTime()) {
    return `owner process ${run.owner.pid} on ${run.owner.host} stopped renewing its lease, which expired at ${run.leaseExpiresAt.toISOString()}`;
  }
  return undefined;
}

/** The code and details of any error: ours, a parser's, or a system error's `code` (ENOENT…). */
function describeError(error: Error): { code: string; details: Record<string, unknown> | undefined } {
  const shaped = error as Error & { code?: unknown; details?: unknown };
  const code = typeof shaped.code === "string" ? shaped.code : "internal_error";
  const details =
    typeof shaped.details === "object" && shaped.details !== null
      ? (shaped.details as Record<string, unknown>)
      : undefined;
  return { code, details };
}
