/**
 * What a progress count measures. `items` is a converter's own measure (entries, tables, rows of a
 * frame), whose meaning only the converter knows; the others name what is counted.
 */
export type ProgressUnit =
  "bytes" | "records" | "rows" | "files" | "objects" | "units" | "entities" | "items";

/**
 * The one progress event every flow step emits: the CLI draws one bar per `step`/`stage`, the run row
 * keeps the last one so the API can show how far a running run is. Within one stage of one run, `done`
 * never decreases, so a bar never jumps back.
 *
 * @example { step: "ingest:sra", stage: "download", unit: "bytes", done: 1_048_576, total: 4_194_304, item: "meta_full.xml.gz" }
 */
export interface ProgressEvent {
  /** The run's step (`ingest:sra`, `process:geo`, `consolidate`, `convert`, `load`). */
  readonly step: string;
  /** A phase of the step (`list`, `download`, `units`, `publish`); undefined for a one-phase step. */
  readonly stage?: string;
  readonly unit: ProgressUnit;
  readonly done: number;
  /** Undefined while the total is not known (a listing still running, a body without a length). */
  readonly total?: number;
  /** What is being worked on now: a file name, an entity, a unit id. */
  readonly item?: string;
}

/** Where a step sends its progress events; the caller decides what to draw. */
export type ProgressListener = (event: ProgressEvent) => void;
