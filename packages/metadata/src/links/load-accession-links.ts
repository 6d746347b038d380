import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stageReporter, throwIfAborted, withDuckDb, type SqlClient, type StepOptions } from "@omicslake/core";
import { sqlString } from "../duckdb-session.js";
import { ServingLoadError } from "../serving/serving-load-error.js";
import {
  DEFAULT_MAX_SHRINK,
  ShrinkRefusedError,
  shrinkViolation,
  type ShrinkPolicy,
} from "../shrink-guard.js";
import { ACCESSION_LINKS_TABLE } from "./build-accession-links.js";

export interface LoadAccessionLinksOptions extends StepOptions {
  /** Links per INSERT (default 20,000). */
  readonly batchRows?: number;
  readonly sha256?: string;
  /** What `serving_loads.source` records (default: the file path). */
  readonly source?: string;
  readonly shrink?: ShrinkPolicy;
}

export interface AccessionLinksLoad {
  readonly table: string;
  readonly rows: number;
  readonly seconds: number;
}

const COLUMNS = ["from_accession", "from_type", "to_accession", "to_type", "relation", "source"] as const;

/**
 * Loads `accession_links.parquet` into the serving database behind the same A/B swap as the entities:
 * the idle `accession_links_a|_b` is refilled (columns as text arrays, one INSERT per batch), indexed on
 * `(from_accession, to_accession, relation)` — every lookup of the traversal is one range of it — then the
 * `accession_links` view is pointed at it in one transaction that records the load in `serving_loads`.
 */
export async function loadAccessionLinks(
  db: SqlClient,
  parquetPath: string,
  options: LoadAccessionLinksOptions = {},
): Promise<AccessionLinksLoad> {
  const started = performance.now();
  const name = ACCESSION_LINKS_TABLE;
  const { rows: last } = await db.query<{ table_name: string; rows: string | number }>(
    `SELECT table_name, rows FROM serving_loads WHERE entity = $1 ORDER BY id DESC LIMIT 1`,
    [name],
  );
  const active = last[0]?.table_name ?? null;
  const idle = active === `${name}_a` ? `${name}_b` : `${name}_a`;
  const sha256 = options.sha256 ?? (await sha256File(parquetPath));
  await db.exec(
    `DROP TABLE IF EXISTS ${idle}; CREATE TABLE ${idle} (${COLUMNS.map((c) => `${c} text COLLATE "C" NOT NULL`).join(", ")})`,
  );
  const batchRows = options.batchRows ?? 20_000;
  const report = stageReporter(options.onProgress, "load", "rows", "rows");
  const insert = `INSERT INTO ${idle} (${COLUMNS.join(", ")}) SELECT * FROM unnest(${COLUMNS.map((_, i) => `$${i + 1}::text[]`).join(", ")})`;
  let rows = 0;
  try {
    rows = await withDuckDb({}, async (duck) => {
      const result = await duck.connection.stream(
        `SELECT ${COLUMNS.join(", ")} FROM read_parquet(${sqlString(parquetPath)})`,
      );
      let count = 0;
      let batch: string[][] = COLUMNS.map(() => []);
      const flush = async (): Promise<void> => {
        throwIfAborted(options.signal, "load");
        await db.query(insert, batch);
        count += batch[0]!.length;
        batch = COLUMNS.map(() => []);
        report(count, undefined, name);
      };
      for (;;) {
        const chunk = await result.fetchChunk();
        if (chunk === null || chunk.rowCount === 0) break;
        const vectors = COLUMNS.map((_, i) => chunk.getColumnVector(i));
        for (let r = 0; r < chunk.rowCount; r++) {
          for (let c = 0; c < COLUMNS.length; c++) batch[c]!.push(String(vectors[c]!.getItem(r)));
          if (batch[0]!.length >= batchRows) await flush();
        }
      }
      if (batch[0]!.length > 0) await flush();
      return count;
    });
    await db.exec(
      `CREATE INDEX ${idle}_from_idx ON ${idle} (from_accession, to_accession, relation); ANALYZE ${idle}`,
    );
  } catch (error) {
    if (error instanceof ServingLoadError || (error as { code?: unknown }).code === "cancelled") throw error;
    throw new ServingLoadError(`${parquetPath}: loading ${name} into ${idle} failed after ${rows} rows`, {
      entity: name,
      file: parquetPath,
      details: { table: idle, reason: error instanceof Error ? error.message : String(error) },
      hint: "The previous links are still served; consolidate again and reload",
      cause: error,
    });
  }
  const violation = shrinkViolation(name, last[0] ? Number(last[0].rows) : 0, rows, options.shrink);
  if (violation) {
    await db.exec(`DROP TABLE IF EXISTS ${idle}`);
    throw new ShrinkRefusedError("load", [violation], options.shrink?.maxShrink ?? DEFAULT_MAX_SHRINK);
  }
  const seconds = (performance.now() - started) / 1000;
  await db.transaction(async (tx) => {
    await tx.exec(`CREATE OR REPLACE VIEW ${name} AS SELECT ${COLUMNS.join(", ")} FROM ${idle}`);
    await tx.query(
      `INSERT INTO serving_loads (entity, table_name, rows, source, source_sha256, seconds) VALUES ($1, $2, $3, $4, $5, $6)`,
      [name, idle, rows, options.source ?? parquetPath, sha256, seconds],
    );
  });
  if (active !== null) await db.exec(`DROP TABLE IF EXISTS ${active}`);
  return { table: idle, rows, seconds };
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
