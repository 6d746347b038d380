import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Dataset, Run, SchemaField } from "@omicslake/core";
import { DuckLakeCatalog } from "@omicslake/ducklake";
import { registerTable } from "@omicslake/ducklake";
import type { DatasetRef, Lake, StepOptions } from "@omicslake/core";
import { downloadObject, replaceObject } from "../curated-objects.js";
import { openDuckDb, sqlString, type DuckDbSession } from "../duckdb-session.js";
import {
  CURATED_ENTITIES,
  DEFAULT_CURATED_DATASET,
  curatedObjectName,
  type CuratedEntity,
} from "../entities/index.js";
import { MetadataFlowError } from "../metadata-flow-error.js";
import {
  DEFAULT_MAX_SHRINK,
  ShrinkRefusedError,
  shrinkViolation,
  type ShrinkPolicy,
  type ShrinkViolation,
} from "../shrink-guard.js";
import { ACCESSION_LINKS_TABLE, buildAccessionLinks } from "../links/build-accession-links.js";
import { quoteIdentifier, rawTextColumns, recordColumns } from "../processing/duckdb-column-types.js";
import { processedInputRelation as inputRelation } from "./processed-input-relation.js";
import { objectsOf, readManifests } from "../processing/processed-manifest.js";

export interface DuckLakeTarget {
  /** The DuckDB file of the DuckLake catalog (`<root>/ducklake/metadata.duckdb`). */
  readonly metadataPath: string;
  /** Where registered Parquet files live, local (`<root>/ducklake/data/`). */
  readonly dataPath: string;
}

/**
 * Progress of the `consolidate` step: stage `inputs` (processed files read) and `entities` (entities
 * built of those asked for). Aborting `signal` stops before the next file or entity, or before the
 * publish: curated and DuckLake are left as they were.
 */
export interface ConsolidateOptions extends StepOptions {
  /** Processed datasets to read; by default every processed dataset whose source is a metadata source. */
  readonly datasets?: readonly DatasetRef[];
  /** Processed datasets left out of the default selection (configured datasets whose steps omit "consolidate"). */
  readonly exclude?: readonly string[];
  /**
   * Entities to build (default all ten). The accession links are rebuilt every time, from these and the
   * published files of the others.
   */
  readonly entities?: readonly string[];
  /** The curated dataset (default `metadata`). */
  readonly curatedName?: string;
  /** Register the entity files in this DuckLake catalog; `lakeRoot` gives the default paths under `<root>/ducklake/`. */
  readonly ducklake?: DuckLakeTarget | false;
  readonly lakeRoot?: string;
  readonly workDir?: string;
  /** DuckDB memory limit (`"4GB"`); beyond it DuckDB spills to the work directory. */
  readonly memoryLimit?: string;
  /** Called before each curated object is published; tests throw here to simulate a crash. */
  readonly beforePublish?: (objectName: string) => void | Promise<void>;
  /**
   * Refuse to replace a non-empty curated entity with an empty one or one that lost more than
   * `maxShrink` of its rows (default 0.5), unless `allowShrink`.
   */
  readonly shrink?: ShrinkPolicy;
}

export interface ConsolidatedEntity {
  readonly entity: string;
  readonly key: string;
  readonly rows: number;
  /** Processed rows read, duplicates and deleted records included. */
  readonly inputRows: number;
}

export interface ConsolidateResult {
  readonly curated: Dataset;
  readonly run: Run;
  readonly entities: readonly ConsolidatedEntity[];
  /** The DuckLake snapshot this consolidation committed, when a catalog was given. */
  readonly ducklakeSnapshot: number | undefined;
}

const METADATA_SOURCES = new Set(["sra", "geo", "biosample", "bioproject", "pubmed"]);
const PARQUET = "application/vnd.apache.parquet";

/** Default DuckLake paths under a lake root. */
export function defaultDuckLakeTarget(lakeRoot: string): DuckLakeTarget {
  return {
    metadataPath: join(lakeRoot, "ducklake", "metadata.duckdb"),
    dataPath: join(lakeRoot, "ducklake", "data"),
  };
}

/**
 * Builds one curated Parquet per entity from the processed metadata datasets with DuckDB SQL (one
 * statement per entity, see `consolidation/sql/`): text trimmed, versions deduplicated by each entity's
 * rule, PubMed deletions applied; then `accession_links` from the entities (see `links/`). Publishes
 * `curated/<dataset>/<entity>.parquet` and `accession_links.parquet`, records each entity's
 * schema and a `consolidation` edge from every processed input, then registers the files in the DuckLake
 * catalog as one snapshot. Consolidation recomputes everything, so a rerun after a crash simply redoes it.
 *
 * @example
 * const { entities } = await consolidateMetadata(lake, { lakeRoot: config.root });
 */
export async function consolidateMetadata(
  lake: Lake,
  options: ConsolidateOptions = {},
): Promise<ConsolidateResult> {
  const inputs = options.datasets
    ? await Promise.all(options.datasets.map((d) => lake.dataset(d)))
    : (await metadataDatasets(lake)).filter((d) => !(options.exclude ?? []).includes(d.name));
  for (const d of inputs) {
    if (d.layer !== "processed") {
      throw new MetadataFlowError(
        "not_processed",
        `dataset "${d.name}" is in ${d.layer}; consolidation reads processed datasets`,
        {
          details: { dataset: d.name, layer: d.layer },
          hint: `Process it first ("omicslake ingest" does), then pass "processed:${d.name}"`,
        },
      );
    }
  }
  const wanted = options.entities ? new Set(options.entities) : undefined;
  const entities = CURATED_ENTITIES.filter((e) => !wanted || wanted.has(e.name));
  if (wanted && entities.length !== wanted.size) {
    const unknown = [...wanted].filter((w) => !CURATED_ENTITIES.some((e) => e.name === w));
    throw new MetadataFlowError("unknown_entity", `unknown entities: ${unknown.join(", ")}`, {
      details: { unknown },
      hint: `Choose among ${CURATED_ENTITIES.map((e) => e.name).join(", ")}`,
    });
  }
  const curated = await lake.ensureDataset({
    name: options.curatedName ?? DEFAULT_CURATED_DATASET,
    layer: "curated",
    source: "omicslake",
    description: "Consolidated public metadata: one Parquet per entity and the DuckDB snapshot",
    metadata: { source: "omicslake" },
  });
  const ducklake =
    options.ducklake === false
      ? undefined
      : (options.ducklake ?? (options.lakeRoot ? defaultDuckLakeTarget(options.lakeRoot) : undefined));
  const work = await mkdtemp(join(options.workDir ?? tmpdir(), "omicslake-consolidate-"));
  const results: ConsolidatedEntity[] = [];
  let ducklakeSnapshot: number | undefined;

  const { run } = await lake
    .withRun(
      "consolidate",
      {
        parameters: {
          curated: curated.name,
          inputs: inputs.map((d) => d.name),
          entities: entities.map((e) => e.name),
        },
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      },
      async (ctx, step) => {
        const inputFiles = step.stage("inputs", "files");
        const builtEntities = step.stage("entities", "entities");
        // Which processed files hold each record kind: only files listed by a manifest count.
        const filesByKind = new Map<string, string[]>();
        const inDir = join(work, "in");
        await mkdir(inDir, { recursive: true });
        const neededKinds = new Set<string>(entities.map((e) => e.kind));
        for (const e of entities) for (const key of e.reads) neededKinds.add(curatedEntity(key).kind);
        if (entities.some((e) => e.kind === "pubmed_article")) neededKinds.add("pubmed_deletion");
        let fileIndex = 0;
        for (const dataset of inputs) {
          const manifests = await readManifests(lake, dataset);
          const wantedKeys = new Map<string, string>();
          for (const m of manifests)
            for (const out of m.outputs) if (neededKinds.has(out.kind)) wantedKeys.set(out.key, out.kind);
          for await (const object of objectsOf(lake, dataset)) {
            const kind = wantedKeys.get(object.key);
            if (kind === undefined) continue;
            step.throwIfAborted();
            const local = join(inDir, `${fileIndex++}.parquet`);
            await downloadObject(lake, object, local);
            inputFiles.report(fileIndex, undefined, object.key);
            ctx.input({ key: object.key, datasetId: dataset.id, sha256: object.sha256, size: object.size });
            filesByKind.set(kind, [...(filesByKind.get(kind) ?? []), local]);
          }
        }

        const outDir = join(work, "out");
        await mkdir(outDir, { recursive: true });
        const duck = await openDuckDb(work, options.memoryLimit ? { memoryLimit: options.memoryLimit } : {});
        const built: {
          entity: { readonly name: string; readonly rule: string };
          file: string;
          rows: number;
          inputRows: number;
          fields: SchemaField[];
        }[] = [];
        try {
          builtEntities.report(0, entities.length);
          const builtFiles = new Map<string, string>();
          /** The entity's SELECT, its inputs bound; an entity it reads is its file if built, else its own SELECT. */
          const entitySql = async (entity: CuratedEntity): Promise<string> => {
            const input = await inputRelation(duck, entity.kind, filesByKind.get(entity.kind) ?? []);
            const deletions = await inputRelation(
              duck,
              "pubmed_deletion",
              filesByKind.get("pubmed_deletion") ?? [],
            );
            let sql = entity.sql
              .replaceAll("{{columns}}", projection(entity))
              .replaceAll("{{input}}", input)
              .replaceAll("{{deletions}}", deletions);
            for (const key of entity.reads) {
              const file = builtFiles.get(key);
              const read =
                file === undefined
                  ? `(${await entitySql(curatedEntity(key))})`
                  : `read_parquet(${sqlString(file)})`;
              sql = sql.replaceAll(`{{entity:${key}}}`, read);
            }
            return sql;
          };
          // Entities that read others come after them, so what they read is built once.
          const ordered = [
            ...entities.filter((e) => e.reads.length === 0),
            ...entities.filter((e) => e.reads.length > 0),
          ];
          for (const entity of ordered) {
            step.throwIfAborted();
            const sql = await entitySql(entity);
            const input = `input_${entity.kind}`;
            const file = join(outDir, curatedObjectName(entity.name));
            await duck.run(
              `COPY (${sql}) TO ${sqlString(file)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)`,
            );
            const [{ rows }] = (await duck.rows(
              `SELECT count(*)::BIGINT AS rows FROM read_parquet(${sqlString(file)})`,
            )) as [{ rows: number }];
            const [{ n }] = (await duck.rows(`SELECT count(*)::BIGINT AS n FROM ${input}`)) as [
              { n: number },
            ];
            const fields = (await duck.rows(`DESCRIBE SELECT * FROM read_parquet(${sqlString(file)})`)).map(
              (c) => ({
                name: String(c["column_name"]),
                type: String(c["column_type"]),
                nullable: c["null"] !== "NO",
              }),
            );
            built.push({ entity, file, rows: Number(rows), inputRows: Number(n), fields });
            builtFiles.set(entity.name, file);
            builtEntities.report(built.length, entities.length, entity.name);
          }
          step.throwIfAborted();
          built.push(await buildLinks(lake, duck, curated, built, outDir, work, (line) => ctx.log(line)));
          // Checked before anything is published, so a refusal leaves curated and DuckLake as they were.
          const violations: ShrinkViolation[] = [];
          for (const b of built) {
            const oldRows = await publishedRows(lake, duck, curated, curatedObjectName(b.entity.name), work);
            const violation = shrinkViolation(b.entity.name, oldRows, b.rows, options.shrink);
            if (violation) violations.push(violation);
          }
          if (violations.length > 0) {
            throw new ShrinkRefusedError(
              "consolidate",
              violations,
              options.shrink?.maxShrink ?? DEFAULT_MAX_SHRINK,
            );
          }
        } finally {
          duck.close();
        }

        // Publish only once every entity is built, so a failed statement changes nothing in curated;
        // the last point a cancel stops at, since publishing runs to the end once begun.
        step.throwIfAborted();
        for (const b of built) {
          const name = curatedObjectName(b.entity.name);
          await options.beforePublish?.(name);
          const object = await replaceObject(lake, curated, name, b.file, PARQUET);
          await lake.recordSchema(curated, b.entity.name, b.fields, ctx.id);
          ctx.output({
            key: object.key,
            datasetId: curated.id,
            name,
            sha256: object.sha256,
            size: object.size,
            rows: b.rows,
          });
          ctx.rows(b.entity.name, b.rows);
          ctx.log(`${b.entity.name}: ${b.inputRows} processed rows → ${b.rows} (${b.entity.rule})`);
          results.push({ entity: b.entity.name, key: object.key, rows: b.rows, inputRows: b.inputRows });
        }
        await lake.recordProvenance(curated, inputs, "consolidation", ctx.id, {
          entities: entities.map((e) => e.name),
        });

        if (ducklake) {
          ducklakeSnapshot = await registerInDuckLake(
            ducklake,
            built.map((b) => ({ table: b.entity.name, file: b.file })),
            ctx.id,
          );
          ctx.log(`DuckLake snapshot ${ducklakeSnapshot} registers ${built.length} tables`);
        }
      },
    )
    .finally(() => rm(work, { recursive: true, force: true }));
  return { curated: await lake.dataset(curated.id), run, entities: results, ducklakeSnapshot };
}

/**
 * Builds `accession_links` from every curated entity: the files built by this run, and for entities this
 * run did not rebuild, the ones published now (so a partial consolidation keeps their links).
 */
async function buildLinks(
  lake: Lake,
  duck: DuckDbSession,
  curated: Dataset,
  built: readonly { entity: { readonly name: string }; file: string }[],
  outDir: string,
  work: string,
  log: (line: string) => void,
): Promise<{
  entity: { readonly name: string; readonly rule: string };
  file: string;
  rows: number;
  inputRows: number;
  fields: SchemaField[];
}> {
  let inputRows = 0;
  for (const entity of CURATED_ENTITIES) {
    let file = built.find((b) => b.entity.name === entity.name)?.file;
    if (file === undefined) {
      const object = await lake.catalog.findObjectByKey(
        lake.objectKey(curated, curatedObjectName(entity.name)),
      );
      if (!object) continue;
      file = join(work, `published-${curatedObjectName(entity.name)}`);
      await downloadObject(lake, object, file);
    }
    await duck.run(`CREATE OR REPLACE VIEW ${entity.name} AS SELECT * FROM read_parquet(${sqlString(file)})`);
    const [{ n }] = (await duck.rows(`SELECT count(*)::BIGINT AS n FROM ${entity.name}`)) as [{ n: number }];
    inputRows += Number(n);
  }
  const file = join(outDir, curatedObjectName(ACCESSION_LINKS_TABLE));
  const result = await buildAccessionLinks(duck, file);
  for (const { rule, reason } of result.skipped)
    log(`${ACCESSION_LINKS_TABLE}: rule ${rule} skipped: ${reason}`);
  const fields = (await duck.rows(`DESCRIBE SELECT * FROM read_parquet(${sqlString(file)})`)).map((c) => ({
    name: String(c["column_name"]),
    type: String(c["column_type"]),
    nullable: c["null"] !== "NO",
  }));
  return {
    entity: { name: ACCESSION_LINKS_TABLE, rule: `${result.applied.length} link rules` },
    file,
    rows: result.rows,
    inputRows,
    fields,
  };
}

/** Rows of the curated entity published now (0 when there is none), counted from its Parquet footer. */
async function publishedRows(
  lake: Lake,
  duck: DuckDbSession,
  curated: Dataset,
  name: string,
  work: string,
): Promise<number> {
  const object = await lake.catalog.findObjectByKey(lake.objectKey(curated, name));
  if (!object) return 0;
  const local = join(work, `previous-${name}`);
  await downloadObject(lake, object, local);
  try {
    const [{ rows }] = (await duck.rows(
      `SELECT count(*)::BIGINT AS rows FROM read_parquet(${sqlString(local)})`,
    )) as [{ rows: number }];
    return Number(rows);
  } finally {
    await rm(local, { force: true });
  }
}

function curatedEntity(key: string): CuratedEntity {
  const entity = CURATED_ENTITIES.find((e) => e.name === key);
  if (entity === undefined) throw new Error(`no curated entity ${key}`);
  return entity;
}

/** Every processed dataset fed by a metadata source. */
async function metadataDatasets(lake: Lake): Promise<Dataset[]> {
  const out: Dataset[] = [];
  let cursor: string | undefined;
  do {
    const page = await lake.search({ layer: "processed", limit: 500, ...(cursor ? { cursor } : {}) });
    out.push(...page.items.filter((d) => METADATA_SOURCES.has(d.source)));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

/** The record's top-level fields, text trimmed (blank becomes NULL), in schema order, then the `_raw` text. */
function projection(entity: CuratedEntity): string {
  return [
    ...recordColumns(entity.kind).map((c) => {
      const id = quoteIdentifier(c.name);
      if (c.type !== "VARCHAR") return id;
      return c.name === "accession" ? `trim(${id}) AS ${id}` : `nullif(trim(${id}), '') AS ${id}`;
    }),
    ...rawTextColumns(entity.kind).map(quoteIdentifier),
  ].join(",\n  ");
}

/**
 * Copies the entity files under the DuckLake data path (named by run, since older snapshots keep pointing
 * at older files) and registers them all in one commit: one DuckLake snapshot per consolidation.
 */
async function registerInDuckLake(
  target: DuckLakeTarget,
  files: readonly { table: string; file: string }[],
  runId: number,
): Promise<number> {
  const catalog = await DuckLakeCatalog.open({
    metadataPath: target.metadataPath,
    dataPath: target.dataPath,
    createdBy: "omicslake consolidate",
  });
  try {
    const changes = [];
    for (const { table, file } of files) {
      const dir = join(target.dataPath, "main", table);
      await mkdir(dir, { recursive: true });
      const dest = join(dir, `run-${runId}-${table}.parquet`);
      await copyFile(file, dest);
      changes.push(registerTable({ table, files: [dest] }));
    }
    const snapshot = await catalog.commit(changes, {
      author: "omicslake consolidate",
      message: `consolidation run ${runId}`,
    });
    return snapshot.snapshotId;
  } finally {
    await catalog.close();
  }
}
