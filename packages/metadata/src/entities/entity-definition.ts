import type { RecordFormat, RecordKind } from "@omicslake/parsers";
import type { ServingColumnsByEntity } from "./serving-columns-by-entity.js";

/**
 * One NCBI entity, described once: how it is consolidated, which columns the serving database pulls out
 * of its records, which filters and routes the API offers over them, and under which parents it is
 * listed. The curated, serving, snapshot and API specs are derived from these definitions, and the
 * generic parameter ties filters and links to the entity's own serving columns, so a column renamed in
 * one place and not in another fails to compile.
 */
export interface EntityDefinition<Columns extends ServingColumns = ServingColumns> {
  /**
   * The record kind the entity is built from; also its curated table and object name
   * (`curated/<dataset>/<key>.parquet`), its snapshot and DuckLake table, and its serving view.
   */
  readonly key: RecordKind;
  readonly curated: CuratedDefinition;
  readonly serving: ServingDefinition<Columns>;
  /** Query parameters of the entity's list route, each narrowing one serving column. */
  readonly filters: readonly FilterDefinition<Columns>[];
  readonly api: ApiDefinition;
  /** The parents whose records list this entity's: `GET {parent path}/{accession}/{segment}`. */
  readonly parents: readonly ParentLink<Columns>[];
}

export interface CuratedDefinition {
  readonly format: RecordFormat;
  /**
   * A SELECT over `{{input}}` (the processed rows, with `_source`, `_order`, `_line`) projecting
   * `{{columns}}` (the record's top-level fields, text trimmed); PubMed also reads `{{deletions}}`.
   */
  readonly sql: string;
  /** The record date that decides which version wins, for documentation and progress output. */
  readonly rule: string;
  /**
   * Curated entities the SQL reads as `{{entity:<key>}}` (SRA objects take their status from
   * `sra_accessions`); they are built first, or computed from their inputs when not built in the same run.
   */
  readonly reads?: readonly EntityKey[];
}

/**
 * PostgreSQL types of serving columns. Counts that can pass 2^31 (spots, bases) are `bigint`; a
 * timestamp is `timestamptz`, filtered by whole UTC days like a `date`.
 */
export type ServingColumnType =
  "text" | "integer" | "bigint" | "date" | "timestamptz" | "text[]" | "integer[]";

export interface ServingColumnDefinition<Type extends ServingColumnType = ServingColumnType> {
  readonly type: Type;
  /** SQL over `r` (the record as jsonb) that yields the value; text a filter compares case-insensitively is stored lower-cased. */
  readonly expr: string;
  /** btree for scalars, gin for arrays; none for columns only read back. */
  readonly index: boolean;
}

/** Serving columns by name, in table order (object keys keep their insertion order). */
export type ServingColumns = Readonly<Record<string, ServingColumnDefinition>>;

export interface ServingDefinition<Columns extends ServingColumns> {
  readonly columns: Columns;
  /** SQL over `r` yielding the tsvector searched by `q=` (title weighted above the rest). */
  readonly search: string;
}

export type ServingColumnName<Columns extends ServingColumns> = Extract<keyof Columns, string>;

/** Every serving table also has `accession`, its primary key. */
export type LinkColumn<Columns extends ServingColumns> = ServingColumnName<Columns> | "accession";

/**
 * How a query parameter narrows a list, by the type of the column it reads. Text the loader stores
 * lower-cased (organisms, library strategies, …) is compared after lower-casing the parameter, so
 * `organism=Homo sapiens` matches.
 */
export interface FilterKindsByColumnType {
  readonly text: "lower" | "exact";
  readonly integer: "int" | "int_from" | "int_to";
  readonly bigint: "int" | "int_from" | "int_to";
  readonly date: "date_from" | "date_to";
  readonly timestamptz: "date_from" | "date_to";
  readonly "text[]": "lower_in_array" | "in_array";
  readonly "integer[]": "int_in_array";
}

export type FilterKind = FilterKindsByColumnType[ServingColumnType];

/** A filter over one serving column, with a kind that fits the column's type. */
export type FilterDefinition<Columns extends ServingColumns = ServingColumns> = {
  readonly [Name in ServingColumnName<Columns>]: {
    /** The query parameter. */
    readonly param: string;
    readonly column: Name;
    readonly kind: FilterKindsByColumnType[Columns[Name]["type"]];
    readonly description: string;
    readonly example: string | number;
  };
}[ServingColumnName<Columns>];

/** The API words of an entity: its collection URL and how OpenAPI names and shows it. */
export interface ApiDefinition {
  /** `/v1/sra/runs` */
  readonly path: string;
  readonly tag: string;
  /** "SRA run" */
  readonly noun: string;
  readonly plural: string;
  readonly exampleAccessions: readonly [string, ...string[]];
  /** An abridged record for the OpenAPI examples. */
  readonly example: Readonly<Record<string, unknown>>;
}

export type EntityKey = keyof ServingColumnsByEntity;

/**
 * Lists this entity's records under a parent's accession: a record belongs to the parent when any of
 * `anyOf` holds for it.
 */
export interface ParentLink<Columns extends ServingColumns> {
  readonly parent: EntityKey;
  /** The last URL segment: `/v1/sra/studies/{accession}/runs` */
  readonly segment: string;
  readonly anyOf: readonly [LinkCondition<Columns>, ...LinkCondition<Columns>[]];
}

/** Columns of an entity whose values are arrays of text: the ones a `contains` link can read. */
export type TextArrayColumn<Columns extends ServingColumns> = {
  // Reversed test: with the loose default column type every column may be an array, and must be accepted.
  [Name in ServingColumnName<Columns>]: "text[]" extends Columns[Name]["type"] ? Name : never;
}[ServingColumnName<Columns>];

/** A column of another entity's serving view, for a link that goes through that entity. */
export type ThroughEntity = {
  readonly [Key in EntityKey]: {
    readonly entity: Key;
    /** The column whose values (or array elements) are compared with the linking column. */
    readonly select: LinkColumn<ServingColumnsByEntity[Key]>;
    /** The column that must equal the parent's accession. */
    readonly match: LinkColumn<ServingColumnsByEntity[Key]>;
  };
}[EntityKey];

export type LinkCondition<Columns extends ServingColumns> =
  /** The record's column holds the parent's accession. */
  | { readonly kind: "equals"; readonly column: LinkColumn<Columns> }
  /** The record's text-array column lists the parent's accession. */
  | { readonly kind: "contains"; readonly column: TextArrayColumn<Columns> }
  /** The record's column is among `through.select` of the `through.entity` rows that match the parent. */
  | { readonly kind: "through"; readonly column: LinkColumn<Columns>; readonly through: ThroughEntity };

/** A view of the snapshot over several entity tables (SRAdb's `sra`, GEOmetadb's `gse_gsm`, …). */
export interface SnapshotViewDefinition {
  readonly name: string;
  /** The entity tables the view reads; every one is in the snapshot before the view is created. */
  readonly reads: readonly EntityKey[];
  /** `CREATE VIEW <name> AS …` over the curated entity tables (DuckDB). */
  readonly sql: string;
}
