import type { SqlClient } from "../../catalog-db/sql-client.js";
import type { NewUpstreamFileRecord, UpstreamFileRecord } from "../catalog-types.js";

interface UpstreamFileRow extends Record<string, unknown> {
  id: number;
  dataset_id: number;
  url: string;
  name: string;
  partition: Record<string, string>;
  etag: string | null;
  last_modified: Date | null;
  size: number;
  sha256: string;
  md5: string | null;
  object_key: string;
  run_id: number | null;
  fetched_at: Date;
}

const COLUMNS =
  "id, dataset_id, url, name, partition, etag, last_modified, size, sha256, md5, object_key, run_id, fetched_at";

/**
 * Upstream files: one row per version of an upstream file a source fetched into raw. Rows are only ever
 * added: the latest row of a URL is what the next ingest compares the upstream against, and older rows are
 * the history of what upstream served.
 */
export class UpstreamFileRepository {
  constructor(private readonly db: SqlClient) {}

  /** The latest recorded version of `url` in a dataset. */
  async latest(datasetId: number, url: string): Promise<UpstreamFileRecord | undefined> {
    const { rows } = await this.db.query<UpstreamFileRow>(
      `SELECT ${COLUMNS} FROM upstream_files WHERE dataset_id = $1 AND url = $2 ORDER BY id DESC LIMIT 1`,
      [datasetId, url],
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async add(record: NewUpstreamFileRecord): Promise<UpstreamFileRecord> {
    const { rows } = await this.db.query<UpstreamFileRow>(
      `INSERT INTO upstream_files (dataset_id, url, name, partition, etag, last_modified, size, sha256, md5, object_key, run_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING ${COLUMNS}`,
      [
        record.datasetId,
        record.url,
        record.name,
        JSON.stringify(record.partition),
        record.etag,
        record.lastModified,
        record.size,
        record.sha256,
        record.md5,
        record.objectKey,
        record.runId,
      ],
    );
    return toRecord(rows[0]!);
  }

  /** The latest version of every upstream file of a dataset, in name order: what processing should read. */
  async current(datasetId: number): Promise<UpstreamFileRecord[]> {
    const { rows } = await this.db.query<UpstreamFileRow>(
      `SELECT DISTINCT ON (url) ${COLUMNS} FROM upstream_files WHERE dataset_id = $1 ORDER BY url, id DESC`,
      [datasetId],
    );
    return rows.map(toRecord).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Every recorded version of a dataset's files, oldest first. */
  async history(datasetId: number): Promise<UpstreamFileRecord[]> {
    const { rows } = await this.db.query<UpstreamFileRow>(
      `SELECT ${COLUMNS} FROM upstream_files WHERE dataset_id = $1 ORDER BY id`,
      [datasetId],
    );
    return rows.map(toRecord);
  }
}

function toRecord(row: UpstreamFileRow): UpstreamFileRecord {
  return {
    id: row.id,
    datasetId: row.dataset_id,
    url: row.url,
    name: row.name,
    partition: row.partition,
    etag: row.etag,
    lastModified: row.last_modified,
    size: row.size,
    sha256: row.sha256,
    md5: row.md5,
    objectKey: row.object_key,
    runId: row.run_id,
    fetchedAt: row.fetched_at,
  };
}
