import { ENTITY_DEFINITIONS, ENTITY_KEYS } from "./entity-definitions.js";
import type {
  ApiDefinition,
  EntityDefinition,
  EntityKey,
  FilterKind,
  LinkCondition,
  ServingColumnType,
  ServingColumns,
} from "./entity-definition.js";

/** A query parameter of an entity's list route and the serving column it narrows. */
export interface EntityFilter {
  readonly param: string;
  /** A column of the entity's serving view. */
  readonly column: string;
  readonly kind: FilterKind;
  /** The serving column's type: what a value is cast to, and the range the API accepts. */
  readonly columnType: ServingColumnType;
  readonly description: string;
  readonly example: string | number;
}

/** What one entity's routes serve: its view, URL, OpenAPI words and filters. */
export interface EntityRouteSpec extends ApiDefinition {
  /** The serving view (`sra_run`, …). */
  readonly entity: EntityKey;
  readonly filters: readonly EntityFilter[];
}

/** A parent → child list: the child's records for which any of `anyOf` holds for the parent accession. */
export interface EntityChildRoute {
  readonly parent: EntityRouteSpec;
  readonly child: EntityRouteSpec;
  /** The last URL segment: `/v1/sra/studies/{accession}/runs` */
  readonly segment: string;
  readonly anyOf: readonly LinkCondition<ServingColumns>[];
}

function routeSpec(entity: EntityDefinition): EntityRouteSpec {
  const filters = entity.filters.map((filter) => ({
    ...filter,
    columnType: entity.serving.columns[filter.column]!.type,
  }));
  return { entity: entity.key as EntityKey, ...entity.api, filters };
}

/** Every entity's routes, in entity order. */
export const ENTITY_ROUTE_SPECS: readonly EntityRouteSpec[] = ENTITY_DEFINITIONS.map(routeSpec);

const specOf = (key: EntityKey): EntityRouteSpec => ENTITY_ROUTE_SPECS.find((spec) => spec.entity === key)!;

/** Every parent → child route, grouped by parent in entity order. */
export const ENTITY_CHILD_ROUTES: readonly EntityChildRoute[] = ENTITY_KEYS.flatMap((parent) =>
  ENTITY_DEFINITIONS.flatMap((child) =>
    child.parents
      .filter((link) => link.parent === parent)
      .map((link) => ({
        parent: specOf(parent),
        child: specOf(child.key as EntityKey),
        segment: link.segment,
        anyOf: link.anyOf,
      })),
  ),
);
