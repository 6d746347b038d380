import type { SqlClient } from "../../catalog-db/sql-client.js";
import type { ItemRunKey, ItemRunOutput, ItemRunRecord, NewItemRunRecord } from "../catalog-types.js";

interface ItemRunRow extends Record<string, unknown> {
  dataset: string;
  section: string;
  step: string;
  item: string;
  run_id: number | null;
  fingerprint: string;
  outputs: ItemRunOutput[];
  recorded_at: Date;
}

const COLUMNS = "dataset, section, step, item, run_id, fingerprint, outputs, recorded_at";

/**
 * Item runs: the last successful run of each processing step on each item of a configured dataset, so a
 * rerun can tell which items are unchanged and where a step's outputs are. One row per item, replaced.
 */
export class ItemRunRepository {
  constructor(private readonly db: SqlClient) {}

  /** Every item's record of one step of one dataset, by item key. */
  async forStep(dataset: string, section: string, step: string): Promise<Map<string, ItemRunRecord>> {
    const { rows } = await this.db.query<ItemRunRow>(
      `SELECT ${COLUMNS} FROM item_runs WHERE dataset = $1 AND section = $2 AND step = $3`,
      [dataset, section, step],
    );
    return new Map(rows.map((row) => [row.item, toRecord(row)]));
  }

  /** One item's record of one step, if it has one. */
  async forItem(item: ItemRunKey): Promise<ItemRunRecord | undefined> {
    const { rows } = await this.db.query<ItemRunRow>(
      `SELECT ${COLUMNS} FROM item_runs WHERE dataset = $1 AND section = $2 AND step = $3 AND item = $4`,
      [item.dataset, item.section, item.step, item.item],
    );
    return rows[0] === undefined ? undefined : toRecord(rows[0]);
  }

  /** Replaces the item's record with this successful run's. */
  async record(record: NewItemRunRecord): Promise<ItemRunRecord> {
    const { rows } = await this.db.query<ItemRunRow>(
      `INSERT INTO item_runs (dataset, section, step, item, run_id, fingerprint, outputs)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (dataset, section, step, item) DO UPDATE
         SET run_id = EXCLUDED.run_id, fingerprint = EXCLUDED.fingerprint, outputs = EXCLUDED.outputs,
             recorded_at = now()
       RETURNING ${COLUMNS}`,
      [
        record.dataset,
        record.section,
        record.step,
        record.item,
        record.runId,
        record.fingerprint,
        JSON.stringify(record.outputs),
      ],
    );
    return toRecord(rows[0]!);
  }

  /**
   * Takes the item for `runId` in one statement, so that two runs racing for it cannot both win: the
   * insert succeeds, or the conflicting row is locked and taken over only if its run is no longer running.
   */
  async claim(item: ItemRunKey, runId: number): Promise<number | undefined> {
    const key = [item.dataset, item.section, item.step, item.item];
    const { rows } = await this.db.query<{ run_id: number }>(
      `INSERT INTO item_claims (dataset, section, step, item, run_id) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (dataset, section, step, item) DO UPDATE SET run_id = EXCLUDED.run_id, claimed_at = now()
         WHERE item_claims.run_id = EXCLUDED.run_id
            OR NOT EXISTS (SELECT 1 FROM runs WHERE runs.id = item_claims.run_id AND runs.status = 'running')
       RETURNING run_id`,
      [...key, runId],
    );
    if (rows.length > 0) return undefined;
    const holder = await this.db.query<{ run_id: number }>(
      `SELECT run_id FROM item_claims WHERE dataset = $1 AND section = $2 AND step = $3 AND item = $4`,
      key,
    );
    // Freed between the two statements: try again rather than report a holder that is gone.
    return holder.rows[0] === undefined ? this.claim(item, runId) : Number(holder.rows[0].run_id);
  }

  async release(item: ItemRunKey, runId: number): Promise<void> {
    await this.db.query(
      `DELETE FROM item_claims WHERE dataset = $1 AND section = $2 AND step = $3 AND item = $4 AND run_id = $5`,
      [item.dataset, item.section, item.step, item.item, runId],
    );
  }
}

function toRecord(row: ItemRunRow): ItemRunRecord {
  return {
    dataset: row.dataset,
    section: row.section,
    step: row.step,
    item: row.item,
    runId: row.run_id === null ? null : Number(row.run_id),
    fingerprint: row.fingerprint,
    outputs: row.outputs.map((o) => ({ key: o.key, sha256: o.sha256, size: Number(o.size) })),
    recordedAt: row.recorded_at,
  };
}
