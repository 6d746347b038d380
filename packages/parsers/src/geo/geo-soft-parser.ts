import { ParseError } from "../errors/parse-error.js";
import type { ParseWarningListener } from "../errors/parse-warning.js";
import { driveChunks } from "../io/drive-chunks.js";
import {
  buildGeoDataset,
  buildGeoPlatform,
  buildGeoSample,
  buildGeoSeries,
  buildGeoSubset,
  type GeoEntity,
} from "./geo-record-builders.js";
import type { GeoRecord } from "./geo-records.js";
import { GeoSoftScanner, type GeoSoftScanHandler } from "./geo-soft-scanner.js";

export interface GeoSoftParseOptions {
  /** Name used in error messages. */
  readonly file?: string;
  /** Longest metadata line accepted. Default 64 MiB. */
  readonly maxLineBytes?: number;
  /** Most metadata text one entity may hold (data tables are not held). Default 256 MiB. */
  readonly maxRecordBytes?: number;
  /** Told, with file and line, about each line that was not UTF-8 and was decoded as Latin-1. */
  readonly onWarning?: ParseWarningListener;
}

const BUILDERS: Readonly<Record<string, (entity: GeoEntity) => GeoRecord>> = {
  SERIES: buildGeoSeries,
  SAMPLE: buildGeoSample,
  PLATFORM: buildGeoPlatform,
  DATASET: buildGeoDataset,
  SUBSET: buildGeoSubset,
};

/**
 * Collects entities and turns each into a record when the next one starts. `^DATABASE` and entity types
 * without a record kind are read (so their lines are still checked) but not emitted.
 *
 * GDS files repeat `^DATASET = GDSn` after the subsets to carry the data table; the dataset is therefore
 * held (metadata only) until an entity other than its subsets or its own repeat begins, and its subsets
 * are emitted before it.
 */
class GeoEntityCollector implements GeoSoftScanHandler {
  readonly out: GeoRecord[] = [];
  private current: GeoEntity | undefined;
  private currentBytes = 0;
  private pendingDataset: GeoEntity | undefined;
  private readonly file: string | undefined;
  private readonly maxRecordBytes: number;
  private line = 0;

  constructor(file: string | undefined, maxRecordBytes: number) {
    this.file = file;
    this.maxRecordBytes = maxRecordBytes;
  }

  entity(type: string, accession: string, line: number): void {
    this.finishCurrent();
    this.line = line;
    if (this.pendingDataset !== undefined) {
      if (type === "DATASET" && accession === this.pendingDataset.accession) {
        this.current = this.pendingDataset;
        this.pendingDataset = undefined;
        return;
      }
      if (type !== "SUBSET") this.flushDataset();
    }
    this.current = { type, accession, fields: new Map(), columns: new Map(), table: undefined };
    this.currentBytes = 0;
  }

  field(key: string, value: string): void {
    const entity = this.current!;
    this.count(key.length + value.length);
    const name = normaliseKey(key);
    const list = entity.fields.get(name);
    if (list === undefined) entity.fields.set(name, [value]);
    else list.push(value);
  }

  column(name: string, description: string): void {
    this.count(name.length + description.length);
    this.current!.columns.set(name.trim(), description);
  }

  table(header: readonly string[] | undefined, rowCount: number): void {
    const entity = this.current!;
    entity.table = { header, rowCount: (entity.table?.rowCount ?? 0) + rowCount };
  }

  finish(): void {
    this.finishCurrent();
    this.flushDataset();
  }

  private count(bytes: number): void {
    this.currentBytes += bytes;
    if (this.currentBytes > this.maxRecordBytes) {
      throw new ParseError(
        "record_too_large",
        `GEO SOFT entity ${this.current?.accession} holds more than ${this.maxRecordBytes} bytes of metadata`,
        { file: this.file, line: this.line, record: this.current?.accession },
        { hint: "The input is not a normal GEO SOFT file, or raise maxRecordBytes" },
      );
    }
  }

  private finishCurrent(): void {
    const entity = this.current;
    this.current = undefined;
    if (entity === undefined) return;
    if (entity.type === "DATASET") {
      this.pendingDataset = entity;
      return;
    }
    const build = BUILDERS[entity.type];
    if (build !== undefined) this.out.push(build(entity));
  }

  private flushDataset(): void {
    if (this.pendingDataset === undefined) return;
    this.out.push(buildGeoDataset(this.pendingDataset));
    this.pendingDataset = undefined;
  }
}

/** `Series_contact_zip/postal_code` → `contact_zip/postal_code`; the entity prefix is implied by the record. */
function normaliseKey(key: string): string {
  const i = key.indexOf("_");
  return (i > 0 ? key.slice(i + 1) : key).toLowerCase();
}

/**
 * Streams GEO SOFT text (acc.cgi output, `GSEnnn_family.soft`, GDS files) into typed records.
 * Data tables are counted, never held. Errors are `ParseError`s naming file, line and record;
 * records yielded before an error stay valid.
 *
 * @example
 * for await (const r of parseGeoSoft(fs.createReadStream("GSE1_family.soft"), { file: "GSE1_family.soft" }))
 *   if (r.kind === "geo_sample") console.log(r.accession, r.channels[0]?.characteristics);
 */
export async function* parseGeoSoft(
  input: AsyncIterable<Uint8Array>,
  options: GeoSoftParseOptions = {},
): AsyncGenerator<GeoRecord> {
  const collector = new GeoEntityCollector(options.file, options.maxRecordBytes ?? 256 * 1024 * 1024);
  const scanner = new GeoSoftScanner(collector, {
    file: options.file,
    maxLineBytes: options.maxLineBytes,
    onWarning: options.onWarning,
  });
  yield* driveChunks(input, {
    push: (chunk) => scanner.push(chunk),
    end: () => {
      scanner.end();
      collector.finish();
    },
    out: collector.out,
  });
}
