/**
 * Where in the user's input an error was found. Every field is optional: a parser knows the file, line
 * and byte offset; a config check knows the file, line, section and key; an HDF5 reader knows the object
 * path (as `key`); a run knows the record (accession) it was reading.
 */
export interface ErrorLocation {
  /** The input file; for a setting, where its value came from (the config file, an environment variable). */
  readonly file?: string;
  /** The member of the archive `file` the error is in (`data/x.rds`). */
  readonly member?: string;
  /** 1-based line. */
  readonly line?: number;
  /** 1-based column. */
  readonly column?: number;
  /** Byte offset in the stream being read (the uncompressed stream unless the error says otherwise). */
  readonly byteOffset?: number;
  /** The enclosing group of `key`: a TOML section such as `server` or `data.geo`. */
  readonly section?: string;
  /** The setting, object path (`/X/indptr`) or column the error is about. */
  readonly key?: string;
  /** Accession or element of the record being read. */
  readonly record?: string;
}

/**
 * The one way a location is written in messages: its parts in a fixed order, each labelled, joined by
 * commas. Empty when nothing is known.
 *
 * @example formatLocation({ file: "GSE1.soft", line: 412, byteOffset: 9031 }) // → "GSE1.soft, line 412, byte 9031"
 */
export function formatLocation(location: ErrorLocation): string {
  return [
    location.file,
    location.member !== undefined ? `member ${JSON.stringify(location.member)}` : undefined,
    location.line !== undefined ? `line ${location.line}` : undefined,
    location.column !== undefined ? `column ${location.column}` : undefined,
    location.byteOffset !== undefined ? `byte ${location.byteOffset}` : undefined,
    location.section !== undefined ? `[${location.section}]` : undefined,
    location.key !== undefined ? `key ${JSON.stringify(location.key)}` : undefined,
    location.record !== undefined ? `record ${location.record}` : undefined,
  ]
    .filter((part) => part !== undefined && part !== "")
    .join(", ");
}

/**
 * The message of every user-facing error: `<location>: <what>. <hint>`, the location and hint left out
 * when there are none, so a user reads where, then what went wrong, then what to do.
 *
 * @example composeErrorMessage("expected \"key = value\"", { file: "x.soft", line: 4 }, "Fix the line")
 * // → 'x.soft, line 4: expected "key = value". Fix the line'
 */
export function composeErrorMessage(what: string, location?: ErrorLocation, hint?: string): string {
  const where = location === undefined ? "" : formatLocation(location);
  return `${where === "" ? "" : `${where}: `}${what}${hint ? `. ${hint}` : ""}`;
}
