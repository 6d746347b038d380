import { BIOPROJECT } from "./bioproject-entity.js";
import { BIOSAMPLE } from "./biosample-entity.js";
import type { EntityDefinition, EntityKey } from "./entity-definition.js";
import { GEO_DATASET, GEO_PLATFORM, GEO_SAMPLE, GEO_SERIES, GEO_SUBSET } from "./geo-entities.js";
import { PUBMED_ARTICLE } from "./pubmed-article-entity.js";
import type { ServingColumnsByEntity } from "./serving-columns-by-entity.js";
import {
  SRA_ACCESSIONS,
  SRA_EXPERIMENT,
  SRA_RUN,
  SRA_SAMPLE,
  SRA_STUDY,
  SRA_SUBMISSION,
} from "./sra-entities.js";

/**
 * Every entity by key, in the order the pipeline, the serving status and the API index list them.
 * Each entry must be the definition of its own key, over the columns listed for it.
 */
export const ENTITIES = {
  sra_study: SRA_STUDY,
  sra_sample: SRA_SAMPLE,
  sra_experiment: SRA_EXPERIMENT,
  sra_run: SRA_RUN,
  sra_submission: SRA_SUBMISSION,
  sra_accessions: SRA_ACCESSIONS,
  geo_series: GEO_SERIES,
  geo_sample: GEO_SAMPLE,
  geo_platform: GEO_PLATFORM,
  geo_dataset: GEO_DATASET,
  geo_subset: GEO_SUBSET,
  biosample: BIOSAMPLE,
  bioproject: BIOPROJECT,
  pubmed_article: PUBMED_ARTICLE,
} as const satisfies {
  readonly [Key in EntityKey]: EntityDefinition<ServingColumnsByEntity[Key]> & { readonly key: Key };
};

/** The definitions in order, typed loosely for code that walks all of them. */
export const ENTITY_DEFINITIONS: readonly EntityDefinition[] = Object.values(ENTITIES);

/** Entity keys in order. */
export const ENTITY_KEYS = Object.keys(ENTITIES) as readonly EntityKey[];

export function isEntityKey(value: string): value is EntityKey {
  return Object.hasOwn(ENTITIES, value);
}
