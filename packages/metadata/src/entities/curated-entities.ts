import type { RecordFormat, RecordKind } from "@omicslake/parsers";
import { ENTITY_DEFINITIONS } from "./entity-definitions.js";
import type { EntityKey } from "./entity-definition.js";

/** One curated entity: the record kind it is built from, its source format and its consolidation SQL. */
export interface CuratedEntity {
  /** Table and object name: `curated/<dataset>/<name>.parquet`, and the snapshot's and DuckLake's table. */
  readonly name: EntityKey;
  readonly kind: RecordKind;
  readonly format: RecordFormat;
  /**
   * A SELECT over `{{input}}` (the processed rows, with `_source`, `_order`, `_line`) projecting
   * `{{columns}}` (the record's top-level fields, text trimmed); PubMed also reads `{{deletions}}`.
   */
  readonly sql: string;
  /** The record date that decides which version wins, for documentation and progress output. */
  readonly rule: string;
  /** Curated entities the SQL reads as `{{entity:<key>}}`. */
  readonly reads: readonly EntityKey[];
}

export const CURATED_ENTITIES: readonly CuratedEntity[] = ENTITY_DEFINITIONS.map((entity) => ({
  name: entity.key as EntityKey,
  kind: entity.key,
  format: entity.curated.format,
  sql: entity.curated.sql,
  rule: entity.curated.rule,
  reads: entity.curated.reads ?? [],
}));

export type CuratedEntityName = EntityKey;

/** The curated dataset that holds the entity Parquet files and the snapshot. */
export const DEFAULT_CURATED_DATASET = "metadata";

/** The snapshot's object name inside the curated dataset. */
export const SNAPSHOT_OBJECT_NAME = "omicslake.duckdb";

/** The object name of an entity's Parquet inside the curated dataset. */
export function curatedObjectName(entity: string): string {
  return `${entity}.parquet`;
}
