import { filter as f } from "./entity-query.js";
import type { EntityChildRoute, EntityRouteSpec } from "./entity-route-kit.js";
import { biosamples } from "./biosample-routes.js";
import { sraStudies } from "./sra-routes.js";

export const bioprojects: EntityRouteSpec = {
  entity: "bioproject",
  path: "/v1/bioprojects",
  tag: "bioproject",
  noun: "BioProject",
  plural: "BioProjects",
  exampleAccessions: ["PRJNA12384", "PRJNA350852"],
  example: { accession: "PRJNA12384", title: "Canis lupus familiaris genome sequencing", organism: { name: "Canis lupus familiaris", taxid: 9615 } },
  filters: [
    f("organism", "organism", "lower", "Target organism (case-insensitive)", "Canis lupus familiaris"),
    f("taxon_id", "taxon_id", "int", "Target organism NCBI Taxonomy id", 9615),
    f("archive", "archive", "lower", "NCBI, EBI or DDBJ", "NCBI"),
    f("project_type", "project_type", "lower", "Project type element (case-insensitive)", "ProjectTypeSubmission"),
    f("data_type", "data_types", "lower_in_array", "Project data type (case-insensitive)", "RefSeq Genome sequencing and assembly"),
    f("released_from", "release_date", "date_from", "Released on or after (YYYY-MM-DD)", "2004-01-01"),
    f("released_to", "release_date", "date_to", "Released on or before (YYYY-MM-DD)", "2020-12-31"),
    f("submitted_from", "submitted", "date_from", "Submitted on or after (YYYY-MM-DD)", "2004-01-01"),
    f("submitted_to", "submitted", "date_to", "Submitted on or before (YYYY-MM-DD)", "2020-12-31"),
    f("updated_from", "last_update", "date_from", "Last updated on or after (YYYY-MM-DD)", "2010-01-01"),
    f("updated_to", "last_update", "date_to", "Last updated on or before (YYYY-MM-DD)", "2021-12-31"),
  ],
};

export const bioprojectChildRoutes: readonly EntityChildRoute[] = [
  { parent: bioprojects, child: biosamples, segment: "biosamples", where: "bioprojects @> ARRAY[$parent]::text[]" },
  { parent: bioprojects, child: sraStudies, segment: "sra-studies", where: "bioproject = $parent" },
];
