import { createHash } from "node:crypto";
import { mkdir, mkdtemp, open, readdir, rm, stat, type FileHandle } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join, relative } from "node:path";
import {
  PARALLEL_FORMATS,
  ParseError,
  ParseWorkerPool,
  formatParseWarning,
  isRecordFormat,
  openInput,
  parseInParallel,
  recordParser,
  type NdjsonPiece,
  type ParseWarning,
  type ParseWarningListener,
  type RecordFormat,
  type RecordKind,
} from "@omicslake/parsers";
import type { CatalogObject, Dataset, Run } from "@omicslake/core";
import { IntegrityError } from "@omicslake/core";
import type { Lake, DatasetRef, StepOptions } from "@omicslake/core";
import { openDuckDb, sqlString, type DuckDbSession } from "../duckdb-session.js";
import { MetadataFlowError } from "../metadata-flow-error.js";
import {
  isRecordKind,
  ndjsonColumnsArgument,
  quoteIdentifier,
  schemaFieldsOf,
  typedSelectList,
} from "./duckdb-column-types.js";
import {
  MANIFEST_PREFIX,
  objectsOf,
  readManifests,
  type ProcessedManifest,
  type ProcessedOutput,
} from "./processed-manifest.js";
import { partitionOfRawObject, type RawObjectPartition } from "./raw-object-partition.js";
import { SraStudyFilter } from "./sra-study-filter.js";

/**
 * Progress of the `process:<format>` step: stage `units` (units finished of those pending) and
 * `records` (records parsed in this call). Aborting `signal` stops before the next raw file or unit;
 * the unit in progress publishes no manifest, so a rerun redoes it and skips finished ones.
 */
export interface ProcessOptions extends StepOptions {
  /** The upstream format; by default the raw dataset's `source` (sra, geo, biosample, bioproject, pubmed). */
  readonly format?: RecordFormat;
  /** The processed dataset's name; by default the raw dataset's name. */
  readonly processedName?: string;
  /** Raw objects parsed together into one set of Parquet files, at most this many bytes (default 256 MiB). */
  readonly unitBytes?: number;
  /** …and at most this many objects (default 2,000: many small GEO SOFT files become one Parquet file). */
  readonly unitObjects?: number;
  /** Scratch directory for NDJSON batches and Parquet before upload (default: the OS temp directory). */
  readonly workDir?: string;
  /** Records of one kind per Parquet file (default 5 M): bounds the scratch NDJSON, whatever the input size. */
  readonly rowsPerFile?: number;
  /** Inflate gzip in a worker thread (default), overlapping inflation and parsing; `false` inflates inline. */
  readonly gunzipInWorker?: boolean;
  /**
   * Threads that parse XML raw objects (sra, biosample, bioproject, pubmed), slices of one object at once; the
   * Parquet written is the same whatever the number. Default: the machine's cores when it has 4 or more and the
   * pending raw objects hold 16 MB or more (gzip counted inflated), else 1 (this thread). An SRA
   * accession filter reads each record here, so a filtered dataset is parsed on this thread.
   */
  readonly threads?: number;
  /** Bytes of XML a worker parses at a time (default 4 MiB); smaller slices spread a small object over threads. */
  readonly parseSliceBytes?: number;
  /** Called before each object is published; tests throw here to simulate a crash mid-way. */
  readonly beforePublish?: (objectName: string) => void | Promise<void>;
  /**
   * SRA only: keep the records of these studies (SRP…/ERP…/DRP…) and of their experiments, samples,
   * runs and submissions — the dataset's `accessions`. The raw files stay whole; only records are filtered.
   */
  readonly accessions?: readonly string[];
  /**
   * Processes only the raw objects whose name this accepts (one partition of the dataset, as the asset
   * graph runs it); the others stay pending for a later call. Units are still cut per partition, so a
   * filter that keeps whole partitions yields the units an unfiltered call would.
   */
  readonly objects?: (objectName: string) => boolean;
}

export interface ProcessResult {
  readonly raw: Dataset;
  readonly processed: Dataset;
  readonly run: Run;
  /** Units parsed in this call, and units completed by earlier calls (their objects are skipped). */
  readonly processedUnits: number;
  readonly skippedUnits: number;
  /** Rows written per record kind in this call. */
  readonly rowCounts: Readonly<Record<string, number>>;
  /**
   * What the parsers had to interpret in this call (a GEO SOFT line decoded as Latin-1, naming the raw
   * object and line), as `warning: …` lines; also in the run's log. At most the first 100 are listed here.
   */
  readonly warnings: readonly string[];
}

/** Warnings a ProcessResult lists; the run's log has them all. */
const LISTED_WARNINGS = 100;

/** Extra columns every processed table carries so consolidation can rank versions and trace rows. */
export const PROCESSED_EXTRA_FIELDS = [
  { name: "_source", type: "VARCHAR", nullable: false },
  { name: "_order", type: "VARCHAR", nullable: false },
  { name: "_line", type: "BIGINT", nullable: false },
] as const;

/** Date column whose year/month partitions GEO tables ("GEO by year/month of last update"). */
const GEO_PARTITION_DATE: Partial<Record<string, string>> = {
  geo_series: "lastUpdateDate",
  geo_sample: "lastUpdateDate",
  geo_platform: "lastUpdateDate",
  geo_dataset: "updateDate",
};

const FLUSH_BYTES = 1 << 20;
/** Pending raw bytes from which the default thread count parses on workers. */
const PARALLEL_FROM_BYTES = 16 << 20;
/**
 * Fewest cores on which workers parse by default. Measured on two shared cores: parsing on two workers cost
 * about 1.5x the CPU of one thread (worker start-up, a second heap, the slices' copies) and, with gzip inflating
 * on a third thread, took 1.7-2.4x the wall time; so two cores parse on one thread unless `threads` says more.
 */
const MIN_CORES_BY_DEFAULT = 4;
/** A low estimate of how much gzip'd NCBI XML inflates (12x for replicated SRA packages, 16–37x for generated Mirroring sets). */
const GZIP_XML_RATIO = 8;

interface Unit {
  readonly id: string;
  readonly partition: RawObjectPartition;
  readonly objects: readonly CatalogObject[];
}

/**
 * Parses every raw object of a dataset into Parquet, one table per record kind, into the processed dataset
 * of the same name, as one `process:<format>` run with a `conversion` edge from raw. Records stream from
 * the store through the parser into NDJSON files written in ~1 MiB batches; DuckDB turns those into
 * zstd Parquet typed by the zod record schemas, so no record passes through JavaScript into DuckDB.
 *
 * Work is done in units (groups of raw objects of one partition) named by a hash of their inputs. A unit's
 * files are published first and its manifest last; units with a manifest are skipped, so a rerun after a
 * crash finishes the rest and adopts what was already published, without duplicates.
 *
 * @example
 * const { rowCounts } = await processDataset(lake, "raw:sra");
 */
export async function processDataset(
  lake: Lake,
  rawRef: DatasetRef,
  options: ProcessOptions = {},
): Promise<ProcessResult> {
  const raw = await lake.dataset(rawRef);
  if (raw.layer !== "raw") {
    throw new MetadataFlowError(
      "not_raw",
      `dataset "${raw.name}" is in ${raw.layer}, processing reads raw datasets`,
      {
        details: { dataset: raw.name, layer: raw.layer },
        hint: `Pass the raw dataset, e.g. "raw:${raw.name}"`,
      },
    );
  }
  const format = options.format ?? raw.source;
  if (!isRecordFormat(format)) {
    throw new MetadataFlowError(
      "unknown_format",
      `raw dataset "${raw.name}" has source "${raw.source}", which no parser reads`,
      {
        details: { dataset: raw.name, source: raw.source },
        hint: "Pass format: sra, geo, biosample, bioproject or pubmed",
      },
    );
  }
  const processed = await lake.ensureDataset({
    name: options.processedName ?? raw.name,
    layer: "processed",
    source: raw.source,
    ...(raw.externalId !== null ? { externalId: raw.externalId } : {}),
    metadata: { source: raw.source, format, from: `raw:${raw.name}` },
    tags: raw.tags,
  });

  // Objects a manifest already covers are done; only the rest is grouped, so raw objects added by a later
  // ingest form new units instead of regrouping (and reconverting) finished ones.
  const manifests = await readManifests(lake, processed);
  const accessions =
    format === "sra" && options.accessions?.length ? [...new Set(options.accessions)].sort() : undefined;
  const changed = manifests.find((m) => (m.accessions ?? []).join(",") !== (accessions ?? []).join(","));
  if (changed) {
    // Units filtered one way must not be mixed with units filtered another way in one processed dataset.
    throw new MetadataFlowError(
      "filter_changed",
      `processed/${processed.name} was built for accessions [${(changed.accessions ?? []).join(", ") || "all"}], now [${(accessions ?? []).join(", ") || "all"}]`,
      {
        details: { dataset: processed.name, before: changed.accessions ?? [], now: accessions ?? [] },
        hint: `Delete it ("omicslake delete processed:${processed.name}") and run "omicslake reprocess ${raw.name}" to rebuild it from raw`,
      },
    );
  }
  const covered = new Set(manifests.flatMap((m) => m.inputs.map((i) => `${i.key}\0${i.sha256}`)));
  const allRawObjects = await collect(objectsOf(lake, raw));
  const rawObjects = allRawObjects.filter(
    (o) => !covered.has(`${o.key}\0${o.sha256}`) && (options.objects?.(o.name) ?? true),
  );
  const pending = planUnits(rawObjects, format, options, accessions);
  // Runs of a later Incremental can point at experiments of the Full: the filter reads every raw object.
  const filter =
    accessions && pending.length > 0
      ? await SraStudyFilter.build(lake, allRawObjects, accessions)
      : undefined;

  const rowCounts: Record<string, number> = {};
  const warnings: string[] = [];
  const workRoot = await mkdtemp(join(options.workDir ?? tmpdir(), "omicslake-process-"));
  const { run } = await lake
    .withRun(
      `process:${format}`,
      {
        parameters: {
          dataset: raw.name,
          processed: processed.name,
          format,
          done: manifests.length,
          pending: pending.length,
          ...(accessions ? { accessions } : {}),
        },
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      },
      async (ctx, step) => {
        const duck = await openDuckDb(workRoot);
        const threads = parseThreads(format, pending, filter, options);
        const pool = threads > 1 ? new ParseWorkerPool(threads) : undefined;
        const kindsSeen = new Set<RecordKind>();
        const units = step.stage("units", "units");
        const records = step.stage("records", "records");
        let recordsDone = 0;
        const onWarning = (warning: ParseWarning): void => {
          const line = formatParseWarning(warning);
          ctx.log(line);
          if (warnings.length < LISTED_WARNINGS) warnings.push(line);
        };
        try {
          let index = 0;
          for (const unit of pending) {
            step.throwIfAborted();
            units.report(index++, pending.length, unit.id);
            const recordsBefore = recordsDone;
            const onRecords = (inUnit: number): void => {
              step.throwIfAborted();
              recordsDone = recordsBefore + inUnit;
              records.report(recordsDone, undefined, unit.id);
            };
            const unitDir = join(workRoot, unit.id);
            await mkdir(unitDir, { recursive: true });
            try {
              const outputs = await processUnit(
                lake,
                duck,
                processed,
                unit,
                format,
                unitDir,
                options,
                filter,
                onRecords,
                pool,
                onWarning,
              );
              const manifest: ProcessedManifest = {
                version: 1,
                unit: unit.id,
                format,
                partition: unit.partition.path,
                runId: ctx.id,
                ...(accessions ? { accessions } : {}),
                inputs: unit.objects.map((o) => ({
                  key: o.key,
                  name: o.name,
                  sha256: o.sha256,
                  size: o.size,
                })),
                outputs,
              };
              for (const o of unit.objects)
                ctx.input({ key: o.key, datasetId: raw.id, name: o.name, sha256: o.sha256, size: o.size });
              for (const out of outputs) {
                ctx.output({
                  key: out.key,
                  datasetId: processed.id,
                  name: out.name,
                  sha256: out.sha256,
                  size: out.size,
                  rows: out.rows,
                });
                ctx.rows(out.kind, out.rows);
                rowCounts[out.kind] = (rowCounts[out.kind] ?? 0) + out.rows;
                if (isRecordKind(out.kind)) kindsSeen.add(out.kind);
              }
              const manifestName = `${MANIFEST_PREFIX}${unit.id}.json`;
              await options.beforePublish?.(manifestName);
              await publishBody(lake, processed, manifestName, `${JSON.stringify(manifest, null, 1)}\n`);
              ctx.log(
                `unit ${unit.id} (${unit.partition.path || "by date"}): ${unit.objects.length} objects → ${outputs.length} files`,
              );
            } finally {
              await rm(unitDir, { recursive: true, force: true });
            }
          }
          if (pending.length > 0) units.report(pending.length, pending.length);
        } finally {
          duck.close();
          await pool?.close();
        }
        for (const kind of kindsSeen) {
          await lake.recordSchema(
            processed,
            kind,
            [...schemaFieldsOf(kind), ...PROCESSED_EXTRA_FIELDS],
            ctx.id,
          );
        }
        if (pending.length > 0) {
          await lake.recordProvenance(processed, [raw], "conversion", ctx.id, {
            format,
            units: pending.length,
            ...(accessions ? { accessions } : {}),
          });
        }
      },
    )
    .finally(() => rm(workRoot, { recursive: true, force: true }));

  return {
    raw,
    processed: await lake.dataset(processed.id),
    run,
    processedUnits: pending.length,
    skippedUnits: manifests.length,
    rowCounts,
    warnings,
  };
}

function rowsPerFile(options: ProcessOptions): number {
  return options.rowsPerFile ?? 5_000_000;
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/**
 * Groups raw objects into units: same partition, bounded bytes and count, in name order so the same raw
 * dataset always yields the same units (and so the same output names on a rerun).
 */
function planUnits(
  objects: readonly CatalogObject[],
  format: RecordFormat,
  options: ProcessOptions,
  accessions: readonly string[] | undefined,
): Unit[] {
  const maxBytes = options.unitBytes ?? 256 << 20;
  const maxObjects = options.unitObjects ?? 2000;
  const byPartition = new Map<string, { partition: RawObjectPartition; objects: CatalogObject[] }>();
  for (const object of [...objects].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const partition = partitionOfRawObject(format, object.name);
    if (partition.skip) continue;
    const group = byPartition.get(partition.path) ?? { partition, objects: [] };
    group.objects.push(object);
    byPartition.set(partition.path, group);
  }
  const units: Unit[] = [];
  for (const { partition, objects: group } of byPartition.values()) {
    let current: CatalogObject[] = [];
    let bytes = 0;
    const flush = (): void => {
      if (current.length === 0) return;
      // The split into files is part of the identity: a rerun with another rowsPerFile must not adopt
      // files cut differently under the same names.
      const hash = createHash("sha256").update(`rows-per-file=${rowsPerFile(options)}\n`);
      // So is the study filter: files cut for other studies must not be adopted.
      if (accessions) hash.update(`accessions=${accessions.join(",")}\n`);
      for (const o of current) hash.update(`${o.key}\0${o.sha256}\n`);
      units.push({ id: hash.digest("hex").slice(0, 20), partition, objects: current });
      current = [];
      bytes = 0;
    };
    for (const object of group) {
      if (current.length > 0 && (bytes + object.size > maxBytes || current.length >= maxObjects)) flush();
      current.push(object);
      bytes += object.size;
    }
    flush();
  }
  return units;
}

/** A buffered NDJSON file per record kind: one write per ~1 MiB, not per line. */
class NdjsonSink {
  private parts: string[] = [];
  private pending = 0;
  rows = 0;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  static async open(path: string): Promise<NdjsonSink> {
    return new NdjsonSink(path, await open(path, "w"));
  }

  /** Buffers a line; true when the buffer is full and the caller should `flush` (awaiting only then). */
  add(line: string): boolean {
    this.parts.push(line);
    this.pending += line.length;
    this.rows++;
    return this.pending >= FLUSH_BYTES;
  }

  /** Writes `count` whole lines already encoded (a worker's), after what is buffered. */
  async addBytes(bytes: Uint8Array, count: number): Promise<void> {
    await this.flush();
    this.rows += count;
    if (bytes.byteLength > 0) await this.handle.write(bytes);
  }

  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const text = this.parts.join("");
    this.parts = [];
    this.pending = 0;
    await this.handle.write(text);
  }

  async close(): Promise<void> {
    await this.flush();
    await this.handle.close();
  }
}

async function processUnit(
  lake: Lake,
  duck: DuckDbSession,
  processed: Dataset,
  unit: Unit,
  format: RecordFormat,
  unitDir: string,
  options: ProcessOptions,
  filter: SraStudyFilter | undefined,
  /** Called with the records parsed so far before each raw file and every 50,000 records; throws to stop. */
  onRecords: (records: number) => void,
  /** Workers that parse the unit's objects, slices at a time; absent: this thread parses. */
  pool: ParseWorkerPool | undefined,
  onWarning: ParseWarningListener,
): Promise<ProcessedOutput[]> {
  // A partition may name its own parser (SRA_Accessions.tab in the SRA dataset); only the dataset's own XML
  // format is cut into slices for workers.
  const parserFormat = unit.partition.parser ?? format;
  const maxRows = rowsPerFile(options);
  const sinks = new Map<string, NdjsonSink>();
  const chunks = new Map<string, number>();
  // A line's `_i` names a segment: a run of one raw object's records whose `_l` count from `base`. On this
  // thread a segment is a whole object; on workers, a slice of one. The Parquet rows are the same either way.
  const segments: { segment: number; object: number; base: number }[] = [];
  const sources = (): string =>
    segments
      .map(({ segment, object, base }) => {
        const o = unit.objects[object]!;
        return `(${segment}, ${sqlString(o.key)}, ${sqlString(partitionOfRawObject(format, o.name).order)}, ${base})`;
      })
      .join(", ");
  const outputs: ProcessedOutput[] = [];
  const sinkOf = async (kind: string): Promise<NdjsonSink> => {
    let sink = sinks.get(kind);
    if (!sink) {
      sink = await NdjsonSink.open(join(unitDir, `${kind}-${chunks.get(kind) ?? 0}.ndjson`));
      sinks.set(kind, sink);
    }
    return sink;
  };
  // A full NDJSON batch becomes Parquet at once, so scratch disk stays bounded however large the input.
  const convert = async (kind: string, sink: NdjsonSink): Promise<void> => {
    await sink.close();
    sinks.delete(kind);
    const chunk = chunks.get(kind) ?? 0;
    chunks.set(kind, chunk + 1);
    if (isRecordKind(kind) && sink.rows > 0) {
      outputs.push(
        ...(await convertBatch(
          lake,
          duck,
          processed,
          unit,
          format,
          kind,
          sink.path,
          chunk,
          sources(),
          options,
        )),
      );
    }
    await rm(sink.path, { force: true });
  };
  let records = 0;
  /** The raw object being read when a failure came, for its message. */
  let current = 0;
  try {
    if (pool !== undefined && parserFormat === format) {
      const inputs = unit.objects.map((object, index) => ({
        file: object.key,
        input: (async function* () {
          current = index;
          onRecords(records);
          yield* openInput("-", {
            stdin: await lake.readObject(object),
            worker: options.gunzipInWorker ?? true,
          });
        })(),
      }));
      const bases = new Map<number, number>();
      const sliceBytes = options.parseSliceBytes === undefined ? {} : { sliceBytes: options.parseSliceBytes };
      for await (const piece of parseInParallel(format, inputs, { pool, segments: true, ...sliceBytes })) {
        const base = bases.get(piece.input) ?? 0;
        bases.set(piece.input, base + piece.count);
        segments.push({ segment: piece.segment!, object: piece.input, base });
        await addPiece(piece, sinkOf, convert, maxRows);
        const before = records;
        records += piece.count;
        if (Math.floor(records / 50_000) > Math.floor(before / 50_000)) onRecords(records);
      }
    } else {
      const parse = recordParser(parserFormat);
      for (const [index, object] of unit.objects.entries()) {
        current = index;
        onRecords(records);
        segments.push({ segment: index, object: index, base: 0 });
        // `{"_i":3,"_l":17,` + the record's own JSON minus its `{`: provenance columns without copying the record.
        const prefix = `{"_i":${index},"_l":`;
        let line = 0;
        const input = openInput("-", {
          stdin: await lake.readObject(object),
          worker: options.gunzipInWorker ?? true,
        });
        for await (const record of parse(input, { file: object.key, onWarning })) {
          // `_line` stays the record's position in the file, filtered or not.
          const recordLine = line++;
          if (filter && !filter.keeps(record)) continue;
          const sink = await sinkOf(record.kind);
          if (sink.add(`${prefix}${recordLine},${JSON.stringify(record).slice(1)}\n`)) await sink.flush();
          if (sink.rows >= maxRows) await convert(record.kind, sink);
          if (++records % 50_000 === 0) onRecords(records);
        }
      }
    }
    for (const [kind, sink] of [...sinks.entries()].sort(([a], [b]) => a.localeCompare(b)))
      await convert(kind, sink);
  } catch (cause) {
    if (cause instanceof MetadataFlowError || !isParseFailure(cause)) throw cause;
    // Workers read ahead: the failing object is the one the error names, else the one being read.
    const named = (cause as { location?: { file?: string } }).location?.file;
    const object = unit.objects.find((o) => o.key === named) ?? unit.objects[current]!;
    throw new MetadataFlowError(
      "parse_failed",
      `cannot parse raw object ${object.key} as ${parserFormat}: ${(cause as Error).message}`,
      {
        details: {
          key: object.key,
          format: parserFormat,
          ...((cause as { location?: object }).location ?? {}),
        },
        hint: 'Check the object with "omicslake fsck"; if the upstream file is damaged, ingest it again',
        cause,
      },
    );
  } finally {
    for (const sink of sinks.values()) await sink.close();
  }
  return outputs;
}

/**
 * Appends a worker's lines to the sinks of their kinds, cut at `maxRows` exactly where the line-by-line path
 * cuts: a kind's batch becomes Parquet as soon as it holds `maxRows` rows.
 */
async function addPiece(
  piece: NdjsonPiece,
  sinkOf: (kind: string) => Promise<NdjsonSink>,
  convert: (kind: string, sink: NdjsonSink) => Promise<void>,
  maxRows: number,
): Promise<void> {
  for (const group of piece.byKind ?? []) {
    let bytes = group.ndjson;
    let count = group.count;
    while (count > 0) {
      const sink = await sinkOf(group.kind);
      const take = Math.min(count, maxRows - sink.rows);
      const end = take === count ? bytes.byteLength : endOfLine(bytes, take);
      await sink.addBytes(bytes.subarray(0, end), take);
      bytes = bytes.subarray(end);
      count -= take;
      if (sink.rows >= maxRows) await convert(group.kind, sink);
    }
  }
}

/** The offset just after the `count`-th newline (NDJSON lines hold no raw newline). */
function endOfLine(bytes: Uint8Array, count: number): number {
  let at = 0;
  for (let i = 0; i < count; i++) at = bytes.indexOf(10, at) + 1;
  return at;
}

/** How many threads parse: the option's, else the cores for a large enough XML input; 1 with a record filter. */
function parseThreads(
  format: RecordFormat,
  pending: readonly Unit[],
  filter: SraStudyFilter | undefined,
  options: ProcessOptions,
): number {
  if (filter !== undefined || !PARALLEL_FORMATS.includes(format) || pending.length === 0) return 1;
  if (options.threads !== undefined) return Math.max(1, Math.floor(options.threads));
  // Stored sizes understate gzip'd XML: it is the inflated bytes that are parsed.
  const bytes = pending.reduce(
    (sum, unit) =>
      sum + unit.objects.reduce((s, o) => s + o.size * (o.name.endsWith(".gz") ? GZIP_XML_RATIO : 1), 0),
    0,
  );
  const cores = availableParallelism();
  return bytes >= PARALLEL_FROM_BYTES && cores >= MIN_CORES_BY_DEFAULT ? cores : 1;
}

/** Errors that come from reading or parsing the input, as opposed to our own publishing or a test's hook. */
function isParseFailure(error: unknown): boolean {
  return error instanceof ParseError || error instanceof IntegrityError;
}

/** Converts one NDJSON batch of a kind to typed Parquet (GEO split by year/month of update) and publishes it. */
async function convertBatch(
  lake: Lake,
  duck: DuckDbSession,
  processed: Dataset,
  unit: Unit,
  format: RecordFormat,
  kind: RecordKind,
  ndjsonPath: string,
  chunk: number,
  sources: string,
  options: ProcessOptions,
): Promise<ProcessedOutput[]> {
  const outDir = `${ndjsonPath}.out`;
  const columns = ndjsonColumnsArgument(kind).replace(/^\{/, `{"_i": 'INTEGER', "_l": 'BIGINT', `);
  const select = `SELECT ${typedSelectList(kind, "r")}, s._source, s._order, r._l + s._base AS _line
    FROM read_ndjson(${sqlString(ndjsonPath)}, columns = ${columns}, format = 'newline_delimited', maximum_object_size = 268435456) r
    JOIN (VALUES ${sources}) s(_i, _source, _order, _base) ON r._i = s._i`;
  const dateColumn = format === "geo" ? GEO_PARTITION_DATE[kind] : undefined;
  if (dateColumn) {
    const date = quoteIdentifier(dateColumn);
    // The column is a DATE: a value that did not parse is NULL and lands in year=undated/month=undated.
    await duck.run(`COPY (SELECT *, coalesce(strftime(${date}, '%Y'), 'undated') AS year, coalesce(strftime(${date}, '%m'), 'undated') AS month FROM (${select}))
      TO ${sqlString(outDir)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (year, month))`);
  } else {
    await mkdir(outDir, { recursive: true });
    await duck.run(
      `COPY (${select}) TO ${sqlString(join(outDir, "data_0.parquet"))} (FORMAT parquet, COMPRESSION zstd)`,
    );
  }
  const outputs: ProcessedOutput[] = [];
  try {
    for (const file of await listFiles(outDir)) {
      const partitionDir = relative(outDir, file).split("/").slice(0, -1).join("/");
      const partition = [unit.partition.path, partitionDir].filter((p) => p !== "").join("/");
      const suffix = `${chunk > 0 ? `-${chunk}` : ""}${file.endsWith("data_0.parquet") ? "" : `-${basenameOf(file)}`}`;
      const name = `${kind}/${partition ? `${partition}/` : ""}part-${unit.id}${suffix}.parquet`;
      const [{ n }] = (await duck.rows(
        `SELECT count(*)::BIGINT AS n FROM read_parquet(${sqlString(file)})`,
      )) as [{ n: number }];
      await options.beforePublish?.(name);
      const object = await publishFile(lake, processed, name, file);
      outputs.push({
        kind,
        name,
        key: object.key,
        rows: Number(n),
        sha256: object.sha256,
        size: object.size,
      });
    }
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
  return outputs;
}

function basenameOf(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1).replace(/\.parquet$/, "");
}

async function listFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith(".parquet")) files.push(join(entry.parentPath, entry.name));
  }
  return files.sort();
}

/**
 * Adds a file to a processed dataset unless the object is already recorded (an earlier, interrupted run
 * published it: the same unit id means the same inputs, so the same rows).
 */
async function publishFile(lake: Lake, dataset: Dataset, name: string, file: string): Promise<CatalogObject> {
  const existing = await lake.catalog.findObjectByKey(lake.objectKey(dataset, name));
  if (existing) return existing;
  await stat(file);
  return lake.addObject(dataset, { name, file, mediaType: "application/vnd.apache.parquet" });
}

async function publishBody(lake: Lake, dataset: Dataset, name: string, body: string): Promise<CatalogObject> {
  const existing = await lake.catalog.findObjectByKey(lake.objectKey(dataset, name));
  if (existing) return existing;
  return lake.addObject(dataset, { name, body, mediaType: "application/json" });
}
