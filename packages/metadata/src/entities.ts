import type { RecordFormat, RecordKind } from "@omicslake/parsers";
import { BIOPROJECT_SQL } from "./consolidation/sql/bioproject.sql.js";
import { BIOSAMPLE_SQL } from "./consolidation/sql/biosample.sql.js";
import { GEO_ENTITY_SQL } from "./consolidation/sql/geo-entity.sql.js";
import { PUBMED_ARTICLE_SQL } from "./consolidation/sql/pubmed-article.sql.js";
import { SRA_ENTITY_SQL } from "./consolidation/sql/sra-entity.sql.js";

/** One curated entity: the record kind it is built from, its source format and its consolidation SQL. */
export interface CuratedEntity {
  /** Table and object name: `curated/<dataset>/<name>.parquet`, and the snapshot's and DuckLake's table. */
  readonly name: string;
  readonly kind: RecordKind;
  readonly format: RecordFormat;
  /**
   * A SELECT over `{{input}}` (the processed rows, with `_source`, `_order`, `_line`) projecting
   * `{{columns}}` (the record's top-level fields, text trimmed); PubMed also reads `{{deletions}}`.
   */
  readonly sql: string;
  /** The record date that decides which version wins, for documentation and progress output. */
  readonly rule: string;
}

export const CURATED_ENTITIES: readonly CuratedEntity[] = [
  {
    name: "sra_study",
    kind: "sra_study",
    format: "sra",
    sql: SRA_ENTITY_SQL,
    rule: "latest batch; Incremental over Full on the same date",
  },
  {
    name: "sra_sample",
    kind: "sra_sample",
    format: "sra",
    sql: SRA_ENTITY_SQL,
    rule: "latest batch; Incremental over Full on the same date",
  },
  {
    name: "sra_experiment",
    kind: "sra_experiment",
    format: "sra",
    sql: SRA_ENTITY_SQL,
    rule: "latest batch; Incremental over Full on the same date",
  },
  {
    name: "sra_run",
    kind: "sra_run",
    format: "sra",
    sql: SRA_ENTITY_SQL,
    rule: "latest batch; Incremental over Full on the same date",
  },
  {
    name: "geo_series",
    kind: "geo_series",
    format: "geo",
    sql: GEO_ENTITY_SQL,
    rule: "latest lastUpdateDate",
  },
  {
    name: "geo_sample",
    kind: "geo_sample",
    format: "geo",
    sql: GEO_ENTITY_SQL,
    rule: "latest lastUpdateDate",
  },
  {
    name: "geo_platform",
    kind: "geo_platform",
    format: "geo",
    sql: GEO_ENTITY_SQL,
    rule: "latest lastUpdateDate",
  },
  {
    name: "biosample",
    kind: "biosample",
    format: "biosample",
    sql: BIOSAMPLE_SQL,
    rule: "latest lastUpdate",
  },
  {
    name: "bioproject",
    kind: "bioproject",
    format: "bioproject",
    sql: BIOPROJECT_SQL,
    rule: "latest release of the dump",
  },
  {
    name: "pubmed_article",
    kind: "pubmed_article",
    format: "pubmed",
    sql: PUBMED_ARTICLE_SQL,
    rule: "latest revision; deletions applied",
  },
];

export type CuratedEntityName = (typeof CURATED_ENTITIES)[number]["name"];

/** The curated dataset that holds the entity Parquet files and the snapshot. */
export const DEFAULT_CURATED_DATASET = "metadata";

/** The snapshot's object name inside the curated dataset. */
export const SNAPSHOT_OBJECT_NAME = "omicslake.duckdb";

/** The object name of an entity's Parquet inside the curated dataset. */
export function curatedObjectName(entity: string): string {
  return `${entity}.parquet`;
}
