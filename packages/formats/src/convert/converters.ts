import { delimitedTextConverter } from "../csv/csv-path-converter.js";
import { genbankConverter } from "../genbank/genbank-converter.js";
import { h5adConverter } from "../h5ad/h5ad-converter.js";
import { mtxConverter } from "../mtx/mtx-converter.js";
import { pickleConverter } from "../pickle/pickle-converter.js";
import { readsConverter } from "../reads/reads-converter.js";
import { rdsConverter } from "../rds/rds-converter.js";
import type { SniffedFormat } from "../sniff/sniff-format.js";
import { tenxConverter } from "../tenx/tenx-converter.js";
import type { Converter } from "./converter.js";
import { parquetConverter } from "./copy-parquet.js";

/** Every converter, one per format folder. Adding a format means adding its converter here. */
export const CONVERTERS: readonly Converter[] = [
  h5adConverter,
  tenxConverter,
  mtxConverter,
  rdsConverter,
  pickleConverter,
  delimitedTextConverter,
  parquetConverter,
  genbankConverter,
  readsConverter,
];

/**
 * Sniffed formats no converter takes, each refused with its own reason by the router: a generic HDF5
 * file, archives (handled by the archive router, refused when nested), gzip of unknown content, unknown.
 */
export const REFUSED_FORMATS = [
  "hdf5",
  "tar",
  "zip",
  "gzip",
  "unknown",
] as const satisfies readonly SniffedFormat[];

const byFormat = new Map<SniffedFormat, Converter>(
  CONVERTERS.flatMap((c) => c.formats.map((f) => [f, c] as const)),
);

/** The converter for a sniffed format, or undefined when none takes it. */
export function converterFor(format: SniffedFormat): Converter | undefined {
  return byFormat.get(format);
}

/** What the "unknown format" hint lists: every converter's `reads`, and archives of them. */
export function supportedFormatsHint(): string {
  return `Supported: ${CONVERTERS.map((c) => c.reads).join(", ")}, tar/zip of those.`;
}
