import { readFile, stat } from "node:fs/promises";
import { parse, stringify } from "smol-toml";
import { ValidationError } from "../errors/omicslake-error.js";

/** The config file's name inside a backup folder. */
export const BACKUP_CONFIG_NAME = "omicslake.toml";

/** A config file is a few kilobytes; anything much larger is not one, and is not read into memory. */
const MAX_CONFIG_BYTES = 1024 * 1024;

type Table = Record<string, unknown>;

/**
 * The lake's config as a backup keeps it: every section, so a restored lake keeps its sources, datasets,
 * `[server] public_reads` and schedule, but without the secrets a config may hold (S3 credentials, NCBI API
 * keys, a password in a database URL). A backup may sit on a less trusted store than the lake, and the
 * restored lake uses its own local storage, where those credentials do not apply.
 */
export async function backupConfigText(file: string): Promise<string> {
  const info = await stat(file);
  if (info.size > MAX_CONFIG_BYTES) {
    throw new ValidationError(`the config file ${file} is larger than 1 MiB`, {
      details: { file, bytes: info.size },
      hint: "A backup keeps the lake's omicslake.toml; check that this is the right file",
    });
  }
  const config = parse(await readFile(file, "utf8")) as Table;
  const lake = tableAt(config, "lake");
  const s3 = lake && tableAt(lake, "s3");
  if (s3) {
    delete s3.access_key_id;
    delete s3.secret_access_key;
  }
  if (lake && typeof lake.database === "string") lake.database = lake.database.replace(/\/\/[^@/]*@/, "//");
  const sources = tableAt(config, "source");
  for (const source of Object.values(sources ?? {})) {
    if (isTable(source)) delete source.api_key;
  }
  return `${stringify(config)}\n`;
}

/**
 * The config of a lake restored from a backup: the backed-up sections with `[lake]` replaced by the
 * restored lake's own (objects and catalog in its directory), and without `[backup] to`: a restored lake
 * writing into the original's destination would share its backup folders, and each lake's retention would
 * prune the other's backups.
 */
export function restoredConfigText(backedUp: string | undefined, header: readonly string[]): string {
  const config = backedUp === undefined ? {} : (parse(backedUp) as Table);
  config.lake = { root: "." };
  const backup = tableAt(config, "backup");
  const droppedTo = backup !== undefined && "to" in backup;
  if (backup) delete backup.to;
  const notes = droppedTo
    ? [
        "# [backup] to was left out: this lake backs up into its own store until you name a destination",
        "# of its own (sharing the original's would let each lake's retention prune the other's backups).",
      ]
    : [];
  return [...header, ...notes, stringify(config), ""].join("\n");
}

function isTable(value: unknown): value is Table {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function tableAt(parent: Table, key: string): Table | undefined {
  const value = parent[key];
  return isTable(value) ? value : undefined;
}
