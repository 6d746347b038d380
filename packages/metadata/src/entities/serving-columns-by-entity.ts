import type { BIOPROJECT_COLUMNS } from "./bioproject-entity.js";
import type { BIOSAMPLE_COLUMNS } from "./biosample-entity.js";
import type {
  GEO_DATASET_COLUMNS,
  GEO_PLATFORM_COLUMNS,
  GEO_SAMPLE_COLUMNS,
  GEO_SERIES_COLUMNS,
  GEO_SUBSET_COLUMNS,
} from "./geo-entities.js";
import type { PUBMED_ARTICLE_COLUMNS } from "./pubmed-article-entity.js";
import type {
  SRA_ACCESSIONS_COLUMNS,
  SRA_EXPERIMENT_COLUMNS,
  SRA_RUN_COLUMNS,
  SRA_SAMPLE_COLUMNS,
  SRA_STUDY_COLUMNS,
  SRA_SUBMISSION_COLUMNS,
} from "./sra-entities.js";

/**
 * Every entity's serving columns by entity key: what a link through another entity is checked against,
 * and the list of entity keys itself. Adding an entity starts here.
 */
export interface ServingColumnsByEntity {
  readonly sra_study: typeof SRA_STUDY_COLUMNS;
  readonly sra_sample: typeof SRA_SAMPLE_COLUMNS;
  readonly sra_experiment: typeof SRA_EXPERIMENT_COLUMNS;
  readonly sra_run: typeof SRA_RUN_COLUMNS;
  readonly sra_submission: typeof SRA_SUBMISSION_COLUMNS;
  readonly sra_accessions: typeof SRA_ACCESSIONS_COLUMNS;
  readonly geo_series: typeof GEO_SERIES_COLUMNS;
  readonly geo_sample: typeof GEO_SAMPLE_COLUMNS;
  readonly geo_platform: typeof GEO_PLATFORM_COLUMNS;
  readonly geo_dataset: typeof GEO_DATASET_COLUMNS;
  readonly geo_subset: typeof GEO_SUBSET_COLUMNS;
  readonly biosample: typeof BIOSAMPLE_COLUMNS;
  readonly bioproject: typeof BIOPROJECT_COLUMNS;
  readonly pubmed_article: typeof PUBMED_ARTICLE_COLUMNS;
}
