export {
  SERVING_ENTITIES,
  SERVING_ENTITY_NAMES,
  isServingEntityName,
  type ServingColumn,
  type ServingColumnType,
  type ServingEntity,
  type ServingEntityName,
} from "./serving-entities.js";
export {
  ensureServingSchema,
  loadEntity,
  loadServing,
  servingStatus,
  type LoadEntityOptions,
  type LoadServingOptions,
  type ServingLoadResult,
  type ServingStatus,
  type ServingTarget,
} from "./serving-loader.js";
export { ServingLoadError } from "./serving-load-error.js";
