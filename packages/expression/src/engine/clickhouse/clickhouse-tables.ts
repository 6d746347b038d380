import { createHash } from "node:crypto";
import type { StoreFileRole } from "../../store/store-layout.js";
import { chIdentifier } from "./clickhouse-quote.js";

/** Every table the engine makes starts with this, so a shared database shows whose tables they are. */
const TABLE_PREFIX = "omicslake_expr_";

/** The table a role's file is loaded into, and the marker that says a load completed. */
export type TableRole = StoreFileRole | "loaded";

/**
 * The prefix shared by every table of a dataset's builds: the dataset name reduced to `[a-z0-9_]` (ClickHouse
 * names are case-sensitive, but people read them) plus a hash of the exact name, so `PBMC-3k` and `pbmc_3k`
 * never share tables.
 */
export function datasetTablePrefix(dataset: string): string {
  const readable = dataset
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 40);
  const hash = createHash("sha256").update(dataset, "utf8").digest("hex").slice(0, 10);
  return `${TABLE_PREFIX}${readable}_${hash}_b`;
}

/** The unquoted name of one table of one build: `<prefix><build>_<role>`. */
export function buildTableName(dataset: string, build: number, role: TableRole): string {
  return `${datasetTablePrefix(dataset)}${build}_${role}`;
}

/** The build a table of `dataset` belongs to, or null when the name is not one of its tables. */
export function buildOfTable(dataset: string, table: string): number | null {
  const prefix = datasetTablePrefix(dataset);
  if (!table.startsWith(prefix)) return null;
  const match = /^(\d+)_/.exec(table.slice(prefix.length));
  return match ? Number(match[1]) : null;
}

/** Fully qualified, quoted table names of one build. */
export class BuildTables {
  constructor(
    readonly database: string,
    readonly dataset: string,
    readonly build: number,
  ) {}

  name(role: TableRole): string {
    return buildTableName(this.dataset, this.build, role);
  }

  /** `db`.`table`, ready for SQL. */
  ref(role: TableRole): string {
    return `${chIdentifier(this.database)}.${chIdentifier(this.name(role))}`;
  }
}
