export type {
  ApiDefinition,
  CuratedDefinition,
  EntityDefinition,
  EntityKey,
  FilterDefinition,
  FilterKind,
  FilterKindsByColumnType,
  LinkCondition,
  ParentLink,
  ServingColumnDefinition,
  ServingColumns,
  ServingColumnType,
  SnapshotViewDefinition,
} from "./entity-definition.js";
export type { ServingColumnsByEntity } from "./serving-columns-by-entity.js";
export { ENTITIES, ENTITY_DEFINITIONS, ENTITY_KEYS, isEntityKey } from "./entity-definitions.js";
export {
  CURATED_ENTITIES,
  DEFAULT_CURATED_DATASET,
  SNAPSHOT_OBJECT_NAME,
  curatedObjectName,
  type CuratedEntity,
  type CuratedEntityName,
} from "./curated-entities.js";
export {
  SERVING_ENTITIES,
  SERVING_ENTITY_NAMES,
  isServingEntityName,
  type ServingColumn,
  type ServingEntity,
  type ServingEntityName,
} from "./serving-entities.js";
export { SNAPSHOT_VIEWS } from "./snapshot-views.js";
export {
  ENTITY_CHILD_ROUTES,
  ENTITY_ROUTE_SPECS,
  type EntityChildRoute,
  type EntityFilter,
  type EntityRouteSpec,
} from "./entity-api-routes.js";
