import type { SqlClient } from "../../catalog-db/sql-client.js";
import { ConflictError, OmicslakeError } from "../../errors/omicslake-error.js";
import { PROVENANCE_COLUMNS, RUN_COLUMNS, toProvenanceEdge, toRun } from "../catalog-rows.js";
import type { ProvenanceRow, RunRow } from "../catalog-rows.js";
import type { ExternalRunResult, NewExternalRun } from "../catalog-types.js";
import { publicRunRecord } from "../public-run-record.js";
import { isUniqueViolation } from "../sql-error-info.js";

/**
 * Steps run outside the lake: each record is one finished run plus its edges (every output from every
 * input, or from outside the lake when it names no input), written in one transaction, so a record is
 * either fully in the lineage or not at all.
 */
export class ExternalRunRepository {
  constructor(
    private readonly db: SqlClient,
    /** Paths inside it are stored lake-relative, see publicRunRecord. */
    private readonly localRoot: string | undefined,
  ) {}

  async recordExternalRun(record: NewExternalRun): Promise<ExternalRunResult> {
    if (record.externalKey !== null) {
      const earlier = await this.replayExternalRun(record.externalKey, record.requestSha256);
      if (earlier) return earlier;
    }
    try {
      return await this.db.transaction(async (tx) => {
        const ids = [...new Set([...record.inputDatasetIds, ...record.outputDatasetIds])];
        // Shared locks keep every named dataset from being deleted until the edges are committed.
        const { rows: live } = await tx.query<{ id: number }>(
          "SELECT id FROM datasets WHERE id = ANY($1::bigint[]) AND state = 'ready' FOR SHARE",
          [ids],
        );
        const missing = ids.filter((id) => !live.some((row) => row.id === id));
        if (missing.length > 0) {
          throw new OmicslakeError("missing_datasets", `datasets ${missing.join(", ")} do not exist`, {
            details: { missing },
            hint: "They were deleted while the step was recorded; record it again naming datasets that exist",
          });
        }
        const inputs = record.inputDatasetIds.map((datasetId) => ({ datasetId }));
        const outputs = record.outputDatasetIds.map((datasetId) => ({ datasetId }));
        const { rows } = await tx.query<RunRow>(
          `INSERT INTO runs (step, status, started_at, finished_at, tool_versions, parameters, inputs, outputs, log,
             external_key, external_request_sha256)
           VALUES ($1, $2, $3, $4, $5::text::jsonb, $6::text::jsonb, $7::text::jsonb, $8::text::jsonb, $9, $10, $11)
           RETURNING ${RUN_COLUMNS}`,
          [
            record.step,
            record.status,
            record.startedAt,
            record.finishedAt,
            JSON.stringify(record.toolVersions),
            // Runs are served to anyone who may read them: no secret or operator's path is stored.
            JSON.stringify(publicRunRecord(record.parameters, this.localRoot)),
            JSON.stringify(inputs),
            JSON.stringify(outputs),
            publicRunRecord(record.log, this.localRoot),
            record.externalKey,
            record.requestSha256,
          ],
        );
        const run = toRun(rows[0]!);
        const pairs: [number, number | null][] = record.outputDatasetIds.flatMap((output) =>
          record.inputDatasetIds.length === 0
            ? [[output, null] as [number, number | null]]
            : record.inputDatasetIds.map((input): [number, number | null] => [output, input]),
        );
        const edges = await tx.query<ProvenanceRow>(
          `INSERT INTO provenance (output_dataset_id, input_dataset_id, action, run_id, parameters)
           SELECT o, i, 'external', $3, $4::text::jsonb FROM unnest($1::bigint[], $2::bigint[]) AS p(o, i)
           RETURNING ${PROVENANCE_COLUMNS}`,
          [
            pairs.map(([output]) => output),
            pairs.map(([, input]) => input),
            run.id,
            JSON.stringify({ tool: record.step }),
          ],
        );
        return { run, edges: edges.rows.map(toProvenanceEdge), replayed: false };
      });
    } catch (error) {
      // A concurrent retry with the same key committed first: answer with its run.
      if (record.externalKey !== null && isUniqueViolation(error, "runs_external_key")) {
        const earlier = await this.replayExternalRun(record.externalKey, record.requestSha256);
        if (earlier) return earlier;
      }
      throw error;
    }
  }

  /** The run an earlier record with the same key made, or undefined; refused if that record differed. */
  async replayExternalRun(
    externalKey: string,
    requestSha256: string,
  ): Promise<ExternalRunResult | undefined> {
    const { rows } = await this.db.query<RunRow & { external_request_sha256: string }>(
      `SELECT ${RUN_COLUMNS}, external_request_sha256 FROM runs WHERE external_key = $1`,
      [externalKey],
    );
    const row = rows[0];
    if (!row) return undefined;
    if (row.external_request_sha256 !== requestSha256) {
      throw new ConflictError(
        `the key ${JSON.stringify(externalKey)} was already used for another record (run ${row.id})`,
        {
          details: { externalKey, runId: row.id },
          hint: "Use a new Idempotency-Key or external_id for a different step; resend the same record to retry",
        },
      );
    }
    const edges = await this.db.query<ProvenanceRow>(
      `SELECT ${PROVENANCE_COLUMNS} FROM provenance WHERE run_id = $1 ORDER BY id`,
      [row.id],
    );
    return { run: toRun(row), edges: edges.rows.map(toProvenanceEdge), replayed: true };
  }
}
