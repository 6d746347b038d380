import { ENTITIES, ENTITY_KEYS, isEntityKey } from "./entity-definitions.js";
import type { EntityKey, ServingColumns, ServingColumnType, ServingDefinition } from "./entity-definition.js";

/**
 * What the serving database keeps of each curated entity: typed filter columns pulled out of the record
 * (so every filter the API offers is an indexed column the loader fills), the full record as jsonb, and a
 * tsvector for full-text search.
 */

export type ServingEntityName = EntityKey;

export const SERVING_ENTITY_NAMES: readonly ServingEntityName[] = ENTITY_KEYS;

export interface ServingColumn {
  readonly name: string;
  readonly type: ServingColumnType;
  /** SQL over `r` (jsonb) that yields the value; text a filter compares case-insensitively is stored lower-cased. */
  readonly expr: string;
  /** btree for scalars, gin for arrays; none for columns only read back. */
  readonly index: boolean;
}

export interface ServingEntity {
  readonly name: ServingEntityName;
  /** In table order. */
  readonly columns: readonly ServingColumn[];
  /** SQL over `r` yielding the tsvector searched by `q=` (title weighted above the rest). */
  readonly search: string;
}

function servingEntity(key: EntityKey): ServingEntity {
  const { columns, search }: ServingDefinition<ServingColumns> = ENTITIES[key].serving;
  return {
    name: key,
    columns: Object.entries(columns).map(([name, column]) => ({ name, ...column })),
    search,
  };
}

export const SERVING_ENTITIES = Object.fromEntries(
  ENTITY_KEYS.map((key) => [key, servingEntity(key)]),
) as Readonly<Record<ServingEntityName, ServingEntity>>;

export const isServingEntityName: (value: string) => value is ServingEntityName = isEntityKey;
