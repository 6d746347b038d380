import type { SqlClient } from "../../catalog-db/sql-client.js";
import { NotFoundError, ValidationError } from "../../errors/omicslake-error.js";
import { DATASET_COLUMNS, PROVENANCE_COLUMNS, toDataset, toProvenanceEdge } from "../catalog-rows.js";
import type { DatasetRow, ProvenanceRow } from "../catalog-rows.js";
import type {
  NewProvenanceEdge,
  Page,
  Promotion,
  PromotionQuery,
  ProvenanceAction,
  ProvenanceEdge,
  ProvenanceGraph,
  ProvenanceNode,
} from "../catalog-types.js";
import type { Layer } from "../../object-store/layer.js";
import { decodeCursor, encodeCursor, resolveLimit } from "../page-cursor.js";
import { FOREIGN_KEY_VIOLATION, sqlErrorInfo } from "../sql-error-info.js";
import { page, requireLineageNode, requireId } from "./catalog-input.js";

const PROVENANCE_ACTIONS: readonly ProvenanceAction[] = [
  "collection",
  "conversion",
  "consolidation",
  "promotion",
  "manual",
  "external",
];

/** Provenance: edges from an output dataset to its inputs, walked as lineage or as the full graph. */
export class ProvenanceRepository {
  constructor(private readonly db: SqlClient) {}

  async addProvenance(edge: NewProvenanceEdge): Promise<ProvenanceEdge> {
    const output = requireId(edge.outputDatasetId, "output dataset id");
    const input = edge.inputDatasetId === null ? null : requireId(edge.inputDatasetId, "input dataset id");
    if (!PROVENANCE_ACTIONS.includes(edge.action)) {
      throw new ValidationError(`unknown provenance action ${JSON.stringify(edge.action)}`, {
        details: { action: edge.action },
        hint: `Use one of ${PROVENANCE_ACTIONS.join(", ")}`,
      });
    }
    if (input === output) {
      throw new ValidationError(`dataset ${output} cannot be recorded as derived from itself`, {
        details: { outputDatasetId: output },
      });
    }
    const runId = edge.runId ?? null;
    // A tombstone keeps the edges it had; nothing new may derive from (or into) a deleted dataset.
    const { rows: live } = await this.db.query<{ id: number }>(
      "SELECT id FROM datasets WHERE id = ANY($1::bigint[]) AND state <> 'deleted'",
      [input === null ? [output] : [output, input]],
    );
    for (const id of input === null ? [output] : [output, input]) {
      if (!live.some((row) => row.id === id)) throw new NotFoundError("dataset", id);
    }
    try {
      const { rows } = await this.db.query<ProvenanceRow>(
        `INSERT INTO provenance (output_dataset_id, input_dataset_id, action, run_id, parameters)
         VALUES ($1, $2, $3, $4, $5::text::jsonb) RETURNING ${PROVENANCE_COLUMNS}`,
        [output, input, edge.action, runId, JSON.stringify(edge.parameters ?? {})],
      );
      return toProvenanceEdge(rows[0]!);
    } catch (error) {
      const info = sqlErrorInfo(error);
      if (info?.code === FOREIGN_KEY_VIOLATION) {
        if (info.constraint === "provenance_run_id_fkey")
          throw new NotFoundError("run", runId ?? "", { cause: error });
        const missing = info.constraint === "provenance_input_dataset_id_fkey" ? input : output;
        throw new NotFoundError("dataset", missing ?? "", { cause: error });
      }
      throw error;
    }
  }

  /**
   * Promotion edges, newest first, in keyset pages. Tombstones stay joined: a promotion into a dataset
   * deleted since still happened, and a pending target has no edge until it is published.
   */
  async listPromotions(query: PromotionQuery = {}): Promise<Page<Promotion>> {
    const limit = resolveLimit(query.limit);
    const where = ["p.action = 'promotion'"];
    const params: unknown[] = [];
    if (query.datasetId !== undefined) {
      params.push(requireId(query.datasetId, "dataset id"));
      where.push(`(p.output_dataset_id = $${params.length} OR p.input_dataset_id = $${params.length})`);
    }
    if (query.cursor !== undefined) {
      params.push(decodeCursor("promotions", query.cursor, "number"));
      where.push(`p.id < $${params.length}`);
    }
    const { rows } = await this.db.query<PromotionRow>(
      `SELECT p.id, p.output_dataset_id, p.input_dataset_id, p.run_id, p.parameters, p.created_at,
              o.name AS dataset_name, o.layer AS to_layer, i.layer AS from_layer
       FROM provenance p
       JOIN datasets o ON o.id = p.output_dataset_id
       LEFT JOIN datasets i ON i.id = p.input_dataset_id
       WHERE ${where.join(" AND ")} ORDER BY p.id DESC LIMIT ${limit + 1}`,
      params,
    );
    return page(rows.map(toPromotion), limit, (last) => encodeCursor("promotions", last.id));
  }

  lineage(datasetId: number): Promise<ProvenanceGraph> {
    return this.#graph(datasetId, false);
  }

  provenanceGraph(datasetId: number): Promise<ProvenanceGraph> {
    return this.#graph(datasetId, true);
  }

  /**
   * Walks edges with recursive CTEs. UNION (not UNION ALL) drops ids already reached, so a cycle
   * ends the walk instead of looping. Ancestor edges are those whose output is an ancestor;
   * descendant edges those whose input is a descendant; both endpoints are then always nodes.
   */
  async #graph(datasetId: number, withDescendants: boolean): Promise<ProvenanceGraph> {
    requireId(datasetId, "dataset id");
    await requireLineageNode(this.db, datasetId);
    const ancestors = `ancestors(id) AS (
        SELECT $1::bigint
        UNION
        SELECT p.input_dataset_id FROM provenance p JOIN ancestors a ON p.output_dataset_id = a.id
        WHERE p.input_dataset_id IS NOT NULL)`;
    const descendants = `descendants(id) AS (
        SELECT $1::bigint
        UNION
        SELECT p.output_dataset_id FROM provenance p JOIN descendants d ON p.input_dataset_id = d.id)`;
    const ids = withDescendants
      ? `WITH RECURSIVE ${ancestors}, ${descendants}
         SELECT id, true AS ancestor FROM ancestors UNION ALL SELECT id, false FROM descendants`
      : `WITH RECURSIVE ${ancestors} SELECT id, true AS ancestor FROM ancestors`;
    const { rows } = await this.db.query<{ id: number; ancestor: boolean }>(ids, [datasetId]);
    const ancestorIds = rows.filter((row) => row.ancestor).map((row) => row.id);
    const descendantIds = rows.filter((row) => !row.ancestor).map((row) => row.id);
    const nodeIds = [...new Set([...ancestorIds, ...descendantIds])];
    const [nodes, edges] = await Promise.all([
      // Tombstones are nodes too, marked deleted: lineage through a deleted dataset stays connected.
      this.db.query<NodeRow>(
        `SELECT ${DATASET_COLUMNS}, deleted_at, deleted_by_run FROM datasets
         WHERE id = ANY($1::bigint[]) AND state IN ('ready', 'deleted') ORDER BY id`,
        [nodeIds],
      ),
      this.db.query<ProvenanceRow>(
        `SELECT ${PROVENANCE_COLUMNS} FROM provenance
         WHERE output_dataset_id = ANY($1::bigint[]) OR input_dataset_id = ANY($2::bigint[]) ORDER BY id`,
        [ancestorIds, descendantIds],
      ),
    ]);
    return { root: datasetId, nodes: nodes.rows.map(toNode), edges: edges.rows.map(toProvenanceEdge) };
  }
}

interface NodeRow extends DatasetRow {
  deleted_at: Date | null;
  deleted_by_run: number | null;
}

function toNode(row: NodeRow): ProvenanceNode {
  return {
    ...toDataset(row),
    deleted: row.deleted_at !== null,
    deletedAt: row.deleted_at,
    deletedByRunId: row.deleted_by_run,
  };
}

interface PromotionRow extends Record<string, unknown> {
  id: number;
  output_dataset_id: number;
  input_dataset_id: number | null;
  run_id: number | null;
  parameters: Record<string, unknown>;
  created_at: Date;
  dataset_name: string;
  to_layer: Layer;
  from_layer: Layer | null;
}

function toPromotion(row: PromotionRow): Promotion {
  return {
    id: row.id,
    datasetId: row.output_dataset_id,
    datasetName: row.dataset_name,
    inputDatasetId: row.input_dataset_id,
    fromLayer: row.from_layer,
    toLayer: row.to_layer,
    runId: row.run_id,
    createdAt: row.created_at,
    parameters: row.parameters,
  };
}
