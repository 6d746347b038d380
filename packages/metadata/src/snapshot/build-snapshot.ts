import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CatalogObject, Dataset, Run } from "@omicslake/core";
import type { Lake, StepOptions } from "@omicslake/core";
import { LAKE_VERSION } from "@omicslake/core";
import { downloadObject, replaceObject } from "../curated-objects.js";
import { openDuckDb, sqlString } from "../duckdb-session.js";
import {
  CURATED_ENTITIES,
  DEFAULT_CURATED_DATASET,
  SNAPSHOT_OBJECT_NAME,
  SNAPSHOT_VIEWS,
  curatedObjectName,
} from "../entities/index.js";
import { ACCESSION_LINKS_TABLE } from "../links/build-accession-links.js";
import { MetadataFlowError } from "../metadata-flow-error.js";

/**
 * Progress of the `snapshot` step: stage `tables` (entity tables loaded of all). Aborting `signal` stops
 * before the next table or before the publish; the previous snapshot stays served.
 */
export interface SnapshotOptions extends StepOptions {
  /** The curated dataset holding the entity Parquet files (default `metadata`). */
  readonly curatedName?: string;
  readonly workDir?: string;
  /** Build time written to `_metadata` and used for the archive key; now by default (tests pin it). */
  readonly now?: Date;
  /** Called before the archive copy and before the publish; tests throw here to simulate a crash. */
  readonly beforePublish?: (step: "archive" | "publish") => void | Promise<void>;
}

export interface SnapshotResult {
  readonly object: CatalogObject;
  /** The previous snapshot's copy in the archive layer, when there was one. */
  readonly archived: CatalogObject | undefined;
  readonly run: Run;
  /** Rows per table and view, as written to `_metadata`. */
  readonly rowCounts: Readonly<Record<string, number>>;
}

/**
 * Builds `omicslake.duckdb` from the curated entity Parquet files: one table per entity and
 * `accession_links`, the SRAdb- and
 * GEOmetadb-style views (`sra`, `gse_gsm`, `gse_gpl`, `geo_supplementary_file`) and `_metadata` (row counts,
 * build time, version). The file is built aside, then the previous snapshot is copied into
 * `archive/<dataset>/snapshots/<date>/…`, then the new one replaces it in one atomic put.
 *
 * @example
 * const { object } = await buildSnapshot(lake); // curated/metadata/omicslake.duckdb
 */
export async function buildSnapshot(lake: Lake, options: SnapshotOptions = {}): Promise<SnapshotResult> {
  const curatedName = options.curatedName ?? DEFAULT_CURATED_DATASET;
  const curated = await lake.dataset(`curated:${curatedName}`).catch((cause: unknown) => {
    throw new MetadataFlowError(
      "not_consolidated",
      `there is no curated dataset "${curatedName}" to build a snapshot from`,
      {
        details: { dataset: curatedName },
        hint: 'Run "omicslake consolidate" first',
        cause,
      },
    );
  });
  const entityObjects: { table: string; object: CatalogObject }[] = [];
  // The entities, then the tables consolidation derives from them (the accession links).
  for (const name of [...CURATED_ENTITIES.map((e) => e.name), ACCESSION_LINKS_TABLE]) {
    const object = await lake.catalog.findObjectByKey(lake.objectKey(curated, curatedObjectName(name)));
    if (!object) {
      throw new MetadataFlowError(
        "entity_missing",
        `curated dataset "${curatedName}" has no ${curatedObjectName(name)}`,
        {
          details: { dataset: curatedName, entity: name },
          hint: 'Run "omicslake consolidate" for every entity before "omicslake snapshot"',
        },
      );
    }
    entityObjects.push({ table: name, object });
  }
  const now = options.now ?? new Date();
  const work = await mkdtemp(join(options.workDir ?? tmpdir(), "omicslake-snapshot-"));
  let archived: CatalogObject | undefined;
  let published: CatalogObject | undefined;
  const rowCounts: Record<string, number> = {};

  const { run } = await lake
    .withRun(
      "snapshot",
      {
        parameters: { curated: curatedName },
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      },
      async (ctx, step) => {
        const tables = step.stage("tables", "entities");
        await mkdir(join(work, "in"), { recursive: true });
        const path = join(work, SNAPSHOT_OBJECT_NAME);
        const duck = await openDuckDb(work, { path });
        try {
          for (const [index, { table, object }] of entityObjects.entries()) {
            step.throwIfAborted();
            tables.report(index, entityObjects.length, table);
            const local = join(work, "in", `${table}.parquet`);
            await downloadObject(lake, object, local);
            ctx.input({ key: object.key, datasetId: curated.id, sha256: object.sha256, size: object.size });
            await duck.run(`CREATE TABLE ${table} AS SELECT * FROM read_parquet(${sqlString(local)})`);
          }
          tables.report(entityObjects.length, entityObjects.length);
          for (const view of SNAPSHOT_VIEWS) await duck.run(view.sql);
          const names = [
            ...entityObjects.map((e) => ({ name: e.table, type: "table" })),
            ...SNAPSHOT_VIEWS.map((v) => ({ name: v.name, type: "view" })),
          ];
          await duck.run(
            `CREATE TABLE _metadata (name VARCHAR NOT NULL, type VARCHAR NOT NULL, row_count BIGINT NOT NULL, built_at TIMESTAMPTZ NOT NULL, omicslake_version VARCHAR NOT NULL, source_key VARCHAR, source_sha256 VARCHAR)`,
          );
          for (const { name, type } of names) {
            const [{ n }] = (await duck.rows(`SELECT count(*)::BIGINT AS n FROM ${name}`)) as [{ n: number }];
            rowCounts[name] = Number(n);
            ctx.rows(name, Number(n));
            const source = entityObjects.find((e) => e.table === name)?.object;
            await duck.run(
              `INSERT INTO _metadata VALUES (${sqlString(name)}, ${sqlString(type)}, ${Number(n)}, ${sqlString(now.toISOString())}::TIMESTAMPTZ, ${sqlString(LAKE_VERSION)}, ${source ? sqlString(source.key) : "NULL"}, ${source ? sqlString(source.sha256) : "NULL"})`,
            );
          }
          await duck.run("CHECKPOINT");
        } finally {
          duck.close();
        }

        // The last point to stop: archiving and publishing run to the end once begun.
        step.throwIfAborted();
        const key = lake.objectKey(curated, SNAPSHOT_OBJECT_NAME);
        const previous = await lake.catalog.findObjectByKey(key);
        if (previous) {
          await options.beforePublish?.("archive");
          archived = await archiveSnapshot(lake, curated, previous, ctx.id);
          ctx.output({
            key: archived.key,
            datasetId: archived.datasetId,
            sha256: archived.sha256,
            size: archived.size,
          });
        }
        await options.beforePublish?.("publish");
        published = await replaceObject(lake, curated, SNAPSHOT_OBJECT_NAME, path, "application/vnd.duckdb");
        ctx.output({
          key: published.key,
          datasetId: curated.id,
          sha256: published.sha256,
          size: published.size,
        });
      },
    )
    .finally(() => rm(work, { recursive: true, force: true }));
  return { object: published!, archived, run, rowCounts };
}

/**
 * Copies the current snapshot into the archive layer before it is replaced, keyed by the day and time it
 * was built; the same previous snapshot archived twice (a rerun after a crash) lands on the same key.
 */
async function archiveSnapshot(
  lake: Lake,
  curated: Dataset,
  previous: CatalogObject,
  runId: number,
): Promise<CatalogObject> {
  const archive = await lake.ensureDataset({
    name: curated.name,
    layer: "archive",
    source: curated.source,
    description: "Earlier snapshots of the curated metadata",
    metadata: { source: curated.source },
  });
  const built = previous.createdAt.toISOString();
  const name = `snapshots/${built.slice(0, 10)}/omicslake-${built.replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}-${previous.sha256.slice(0, 12)}.duckdb`;
  const key = lake.objectKey(archive, name);
  const existing = await lake.catalog.findObjectByKey(key);
  if (existing) return existing;
  const copied = await lake.store.copy(previous.key, key);
  const object = await lake.catalog.addObject({
    datasetId: archive.id,
    key,
    name,
    size: copied.size,
    sha256: copied.sha256,
    mediaType: "application/vnd.duckdb",
  });
  await lake.recordProvenance(archive, [curated], "promotion", runId, { object: previous.key });
  return object;
}
