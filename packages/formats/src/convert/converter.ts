import type { SniffedFormat, SniffResult } from "../sniff/sniff-format.js";
import type { ConversionResult, ConvertOptions } from "./conversion-result.js";
import type { ConvertPathOptions } from "./convert-path-options.js";

/** What a converter is given: the input, what sniffing its content found, and where to write. */
export interface ConverterInput {
  readonly path: string;
  readonly sniff: SniffResult;
  readonly outDir: string;
  readonly options: ConvertPathOptions;
  /** How errors name the input: the path, or an archive member's name inside its archive. */
  readonly label: string;
}

/**
 * The extension point of the formats flow: one file format converted to Parquet. Routing is by content
 * (`sniffFormat`), never by file name; the router asks the registry (`converterFor`) which converter
 * takes the sniffed format, so a new format is a folder with its reader and one `Converter`, listed in
 * `CONVERTERS`, and no change to the router.
 */
export interface Converter {
  /** Stable name, as `omicslake convert` reports it. */
  readonly name: string;
  /** The sniffed formats this converter takes. A format belongs to one converter at most. */
  readonly formats: readonly SniffedFormat[];
  /** What it reads, in words for users (the "supported formats" hint is built from these). */
  readonly reads: string;
  convert(input: ConverterInput): Promise<ConversionResult>;
}

/** The options every converter shares, taken from convertPath's: progress and cancellation. */
export function commonOptions(options: ConvertOptions): ConvertOptions {
  return {
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
}

/** The cell metadata table, for the converters that join one onto cells. */
export function cellMetadataOption(options: ConvertPathOptions): { cellMetadata?: string } {
  return options.cellMetadata === undefined ? {} : { cellMetadata: options.cellMetadata };
}
