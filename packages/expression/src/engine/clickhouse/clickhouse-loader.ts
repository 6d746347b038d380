import { openDuckDb, sqlString } from "@omicslake/core";
import type { DuckDbOptions, DuckDbSession } from "@omicslake/core";
import type { StoreBuild } from "../expression-engine.js";
import { STORE_FILES } from "../../store/store-layout.js";
import type { StoreFileRole } from "../../store/store-layout.js";
import { chIdentifier, chString } from "./clickhouse-quote.js";
import type { ClickHouseSession } from "./clickhouse-session.js";
import { BuildTables, datasetTablePrefix } from "./clickhouse-tables.js";
import { loadedColumn } from "./clickhouse-column-types.js";
import type { LoadedColumn } from "./clickhouse-column-types.js";
import { RowBinaryWriter } from "./clickhouse-row-binary.js";

/** Columns that are never null, so ClickHouse can sort by them (the primary keys and the nonzeros). */
const KEY_COLUMNS: Readonly<Record<StoreFileRole, readonly string[]>> = {
  genes: ["gene_idx", "gene"],
  cells: ["cell_idx", "cell", "source_cell_idx"],
  valuesByGene: ["gene_idx", "cell_idx", "value"],
  valuesByCell: ["gene_idx", "cell_idx", "value"],
  groupStats: ["group_value", "gene_idx", "n_cells", "n_expressing", "sum", "m2"],
};

const ORDER_BY: Readonly<Record<StoreFileRole, string>> = {
  genes: "gene_idx",
  cells: "cell_idx",
  valuesByGene: "(gene_idx, cell_idx)",
  valuesByCell: "(cell_idx, gene_idx)",
  groupStats: "(group_value, gene_idx)",
};

/** Bytes sent per insert chunk: large enough that HTTP framing is noise, small enough to bound memory. */
const CHUNK_BYTES = 1 << 20;
/** A load refreshes its lock this often; a lock not refreshed for LOCK_STALE_S belongs to a killed load. */
const HEARTBEAT_MS = 5_000;
const LOCK_STALE_S = 60;
const POLL_MS = 250;

export interface LoaderOptions {
  readonly session: ClickHouseSession;
  readonly database: string;
  /** How the loader's DuckDB (which reads the Parquet files) is opened: memory limit, threads, spill dir. */
  readonly duckdb: DuckDbOptions;
}

/**
 * Loads builds into ClickHouse, once. A build is loaded when its `loaded` marker table exists; the marker is
 * made last, so a load that was killed leaves tables without it, and the next prepare drops them and loads
 * again. A `loading` lock table (created without IF NOT EXISTS, which only one creator wins) keeps two
 * processes from loading the same build; the loader refreshes it, and a lock left by a killed process is
 * taken over once it is stale. Within one process, concurrent calls share one promise.
 */
export class ClickHouseLoader {
  readonly #options: LoaderOptions;
  readonly #inFlight = new Map<string, Promise<void>>();
  readonly #loaded = new Set<string>();
  #databaseReady: Promise<void> | undefined;

  constructor(options: LoaderOptions) {
    this.#options = options;
  }

  async prepare(build: StoreBuild, signal?: AbortSignal): Promise<void> {
    const tables = tablesOf(this.#options.database, build);
    const key = tables.name("loaded");
    if (this.#loaded.has(key)) return;
    let pending = this.#inFlight.get(key);
    if (pending === undefined) {
      // Not tied to this caller's signal: other callers wait for the same load, and one giving up must not
      // cancel it for them.
      pending = this.#prepareOnce(build, tables)
        .then(() => void this.#loaded.add(key))
        .finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, pending);
    }
    await untilAborted(pending, signal);
  }

  /** Forgets what this process knows is loaded (after retire dropped tables). */
  forget(dataset: string, build: number): void {
    this.#loaded.delete(new BuildTables(this.#options.database, dataset, build).name("loaded"));
  }

  async ensureDatabase(): Promise<void> {
    this.#databaseReady ??= this.#options.session
      .command(`CREATE DATABASE IF NOT EXISTS ${chIdentifier(this.#options.database)}`)
      .catch((error: unknown) => {
        this.#databaseReady = undefined;
        throw error;
      });
    await this.#databaseReady;
  }

  async #prepareOnce(build: StoreBuild, tables: BuildTables): Promise<void> {
    await this.ensureDatabase();
    for (;;) {
      if (await this.#exists(tables.name("loaded"))) return;
      if (await this.#takeLock(tables)) break;
      await delay(POLL_MS);
    }
    const heartbeat = setInterval(() => {
      void this.#options.session
        .command(`INSERT INTO ${lockRef(tables)} VALUES (now())`)
        .catch(() => undefined);
    }, HEARTBEAT_MS);
    try {
      // A second look under the lock: another process may have finished between our check and our lock.
      if (await this.#exists(tables.name("loaded"))) return;
      await this.#dropBuildTables(tables);
      await this.#load(build, tables);
      await this.#options.session.command(
        `CREATE TABLE ${tables.ref("loaded")} ENGINE = Log AS SELECT now() AS loaded_at, ` +
          `${chString(build.manifest.builtAt)} AS built_at`,
      );
    } finally {
      clearInterval(heartbeat);
      await this.#options.session.command(`DROP TABLE IF EXISTS ${lockRef(tables)}`);
    }
  }

  /** True when this caller now holds the build's lock; false when another live load holds it. */
  async #takeLock(tables: BuildTables): Promise<boolean> {
    const session = this.#options.session;
    try {
      await session.command(`CREATE TABLE ${lockRef(tables)} (beat DateTime) ENGINE = Log`);
      await session.command(`INSERT INTO ${lockRef(tables)} VALUES (now())`);
      return true;
    } catch (error) {
      if (!/already exists/i.test(error instanceof Error ? error.message : "")) throw error;
    }
    const rows = await session.rows(
      `SELECT toUInt32(now()) - toUInt32(max(beat)) AS age, count() AS beats FROM ${lockRef(tables)}`,
    );
    const age = Number(rows[0]?.age ?? 0);
    const beats = Number(rows[0]?.beats ?? 0);
    // No beat yet: the holder is between creating the lock and its first insert; give it the stale period too.
    if (beats > 0 && age > LOCK_STALE_S) await session.command(`DROP TABLE IF EXISTS ${lockRef(tables)}`);
    return false;
  }

  async #exists(table: string): Promise<boolean> {
    const rows = await this.#options.session.rows(
      `SELECT count() AS n FROM system.tables WHERE database = ${chString(this.#options.database)} ` +
        `AND name = ${chString(table)}`,
    );
    return Number(rows[0]?.n ?? 0) > 0;
  }

  async #dropBuildTables(tables: BuildTables): Promise<void> {
    for (const role of Object.keys(STORE_FILES) as StoreFileRole[]) {
      await this.#options.session.command(`DROP TABLE IF EXISTS ${tables.ref(role)}`);
    }
  }

  async #load(build: StoreBuild, tables: BuildTables): Promise<void> {
    const duck = await openDuckDb(this.#options.duckdb);
    try {
      for (const role of Object.keys(STORE_FILES) as StoreFileRole[]) {
        const path = build.files[role];
        if (path === undefined) continue;
        const columns = await describe(duck, path, role);
        await this.#options.session.command(
          `CREATE TABLE ${tables.ref(role)} (${columns
            .map((c) => `${chIdentifier(c.name)} ${c.chType}`)
            .join(", ")}) ENGINE = MergeTree ORDER BY ${ORDER_BY[role]}`,
        );
        if (role === "valuesByCell" && build.files.valuesByGene !== undefined) {
          // The same nonzeros as values_by_gene, already on the server: copying them there in the other order
          // costs ClickHouse a sort per block instead of a second pass of every row through Node.
          const names = columns.map((c) => chIdentifier(c.name)).join(", ");
          await this.#options.session.command(
            `INSERT INTO ${tables.ref(role)} (${names}) SELECT ${names} FROM ${tables.ref("valuesByGene")}`,
          );
          continue;
        }
        await this.#options.session.insertRowBinary(tables.ref(role), rowBinaryChunks(duck, path, columns));
      }
    } finally {
      duck.close();
    }
  }
}

/** The lock table of a build (not a StoreFileRole: it never holds data). */
function lockRef(tables: BuildTables): string {
  return `${chIdentifier(tables.database)}.${chIdentifier(`${datasetTablePrefix(tables.dataset)}${tables.build}_lock`)}`;
}

export function tablesOf(database: string, build: StoreBuild): BuildTables {
  return new BuildTables(database, build.manifest.dataset, build.manifest.build);
}

async function describe(duck: DuckDbSession, path: string, role: StoreFileRole): Promise<LoadedColumn[]> {
  const rows = await duck.rows(`DESCRIBE SELECT * FROM read_parquet(${sqlString(path)})`);
  const keys = KEY_COLUMNS[role];
  return rows.map((row) => {
    const name = String(row.column_name);
    // Values are computed in DOUBLE whatever the source stored (integers stay exact up to 2^53).
    const type = role.startsWith("values") && name === "value" ? "DOUBLE" : String(row.column_type);
    return loadedColumn(name, type, keys.includes(name));
  });
}

/** The file's rows as RowBinary, a buffer of whole rows at a time, read by DuckDB as a stream. */
async function* rowBinaryChunks(
  duck: DuckDbSession,
  path: string,
  columns: readonly LoadedColumn[],
): AsyncGenerator<Buffer> {
  const result = await duck.connection.stream(
    `SELECT ${columns.map((c) => c.select).join(", ")} FROM read_parquet(${sqlString(path)})`,
  );
  const writer = new RowBinaryWriter();
  const row = new Array<unknown>(columns.length);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (chunk === null || chunk.rowCount === 0) break;
    const data = chunk.getColumns();
    for (let r = 0; r < chunk.rowCount; r++) {
      for (let c = 0; c < columns.length; c++) row[c] = data[c]?.[r] ?? null;
      writer.row(columns, row);
    }
    if (writer.length >= CHUNK_BYTES) yield writer.take();
  }
  if (writer.length > 0) yield writer.take();
}

/** Waits for `work`, or rejects when `signal` aborts first (the work itself goes on). */
async function untilAborted(work: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return work;
  signal.throwIfAborted();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    await Promise.race([work, aborted]);
  } finally {
    if (onAbort !== undefined) signal.removeEventListener("abort", onAbort);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
