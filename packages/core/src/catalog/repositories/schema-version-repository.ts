import type { SqlClient } from "../../catalog-db/sql-client.js";
import { NotFoundError } from "../../errors/omicslake-error.js";
import { SCHEMA_VERSION_COLUMNS, toSchemaVersion } from "../catalog-rows.js";
import type { SchemaVersionRow } from "../catalog-rows.js";
import type { SchemaField, SchemaVersion } from "../catalog-types.js";
import { EMPTY_SCHEMA_DIFF, diffSchemas, isEmptyDiff } from "../schema-diff.js";
import { FOREIGN_KEY_VIOLATION, sqlErrorInfo } from "../sql-error-info.js";
import { checkFields, requireDataset, requireId, requireText } from "./catalog-input.js";
import { recordDatasetChange } from "./dataset-version-repository.js";

/** Schema versions: the fields of each table of a dataset, a new version only when they change. */
export class SchemaVersionRepository {
  constructor(
    private readonly db: SqlClient,
    /** The clock for a new dataset version's `date`. */
    private readonly now: () => Date,
  ) {}

  async recordSchema(
    datasetId: number,
    tableName: string,
    fields: readonly SchemaField[],
    runId?: number | null,
  ): Promise<SchemaVersion> {
    requireId(datasetId, "dataset id");
    const table = requireText(tableName, "table name", 512);
    const checked = checkFields(fields, table);
    return this.db.transaction(async (tx) => {
      // Locking the dataset row serialises concurrent recordings, so two writers never pick the same version.
      const dataset = await tx.query(
        "SELECT id FROM datasets WHERE id = $1 AND state <> 'deleted' FOR UPDATE",
        [datasetId],
      );
      if (dataset.rows.length === 0) throw new NotFoundError("dataset", datasetId);
      const { rows } = await tx.query<SchemaVersionRow>(
        `SELECT ${SCHEMA_VERSION_COLUMNS} FROM schema_versions WHERE dataset_id = $1 AND table_name = $2 ORDER BY version DESC LIMIT 1`,
        [datasetId, table],
      );
      const latest = rows[0];
      const diff = latest ? diffSchemas(latest.fields, checked) : EMPTY_SCHEMA_DIFF;
      if (latest && isEmptyDiff(diff)) return toSchemaVersion(latest);
      try {
        const inserted = await tx.query<SchemaVersionRow>(
          `INSERT INTO schema_versions (dataset_id, table_name, version, fields, diff, run_id)
           VALUES ($1, $2, $3, $4::text::jsonb, $5::text::jsonb, $6) RETURNING ${SCHEMA_VERSION_COLUMNS}`,
          [
            datasetId,
            table,
            (latest?.version ?? 0) + 1,
            JSON.stringify(checked),
            JSON.stringify(diff),
            runId ?? null,
          ],
        );
        // A changed schema republishes the dataset: it counts toward the run's version of it.
        await recordDatasetChange(tx, datasetId, { kind: "schema", table }, this.now(), runId ?? undefined);
        return toSchemaVersion(inserted.rows[0]!);
      } catch (error) {
        if (sqlErrorInfo(error)?.code === FOREIGN_KEY_VIOLATION)
          throw new NotFoundError("run", runId ?? "", { cause: error });
        throw error;
      }
    });
  }

  async listSchemaVersions(datasetId: number, tableName?: string): Promise<readonly SchemaVersion[]> {
    requireId(datasetId, "dataset id");
    await requireDataset(this.db, datasetId);
    const { rows } = await this.db.query<SchemaVersionRow>(
      `SELECT ${SCHEMA_VERSION_COLUMNS} FROM schema_versions WHERE dataset_id = $1 ${tableName === undefined ? "" : "AND table_name = $2"}
       ORDER BY table_name, version`,
      tableName === undefined ? [datasetId] : [datasetId, tableName],
    );
    return rows.map(toSchemaVersion);
  }
}
