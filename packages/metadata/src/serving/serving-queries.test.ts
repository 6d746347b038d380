import { describe, expect, it } from "vitest";
import { ENTITY_CHILD_ROUTES } from "../entities/index.js";
import { EntityCursorError } from "./entity-cursor-error.js";
import { decodeEntityCursor, encodeEntityCursor, linkConditionSql } from "./serving-queries.js";

describe("serving queries", () => {
  it("turn each parent link into the condition on the child's view, binding the parent accession once", () => {
    const sql = Object.fromEntries(
      ENTITY_CHILD_ROUTES.map((route) => [
        `${route.parent.entity}/${route.segment}`,
        linkConditionSql(route.anyOf, "$1"),
      ]),
    );
    expect(sql).toEqual({
      "sra_study/samples":
        "accession IN (SELECT sample_accession FROM sra_experiment WHERE study_accession = $1)",
      "sra_study/experiments": "study_accession = $1",
      "sra_study/runs":
        "study_accession = $1 OR experiment_accession IN (SELECT accession FROM sra_experiment WHERE study_accession = $1)",
      "sra_experiment/runs": "experiment_accession = $1",
      "sra_sample/runs":
        "sample_accession = $1 OR experiment_accession IN (SELECT accession FROM sra_experiment WHERE sample_accession = $1)",
      // A submission's objects: those SRA_Accessions.tab files under it, and those whose package names it.
      "sra_submission/studies": "accession IN (SELECT accession FROM sra_accessions WHERE submission = $1)",
      "sra_submission/samples": "accession IN (SELECT accession FROM sra_accessions WHERE submission = $1)",
      "sra_submission/experiments":
        "submission_accession = $1 OR accession IN (SELECT accession FROM sra_accessions WHERE submission = $1)",
      "sra_submission/runs":
        "submission_accession = $1 OR accession IN (SELECT accession FROM sra_accessions WHERE submission = $1)",
      "sra_submission/accessions": "submission = $1",
      "geo_series/samples": "series_ids @> ARRAY[$1]::text[]",
      // A series' platform list is an array column: its elements are the candidates.
      "geo_series/platforms":
        "accession IN (SELECT unnest(platform_ids) FROM geo_series WHERE accession = $1) OR series_ids @> ARRAY[$1]::text[]",
      "geo_series/datasets": "series_ids @> ARRAY[$1]::text[]",
      "geo_sample/subsets": "sample_ids @> ARRAY[$1]::text[]",
      "geo_platform/datasets": "platform_id = $1",
      "geo_dataset/subsets": "dataset_id = $1",
      "bioproject/sra-studies": "bioproject = $1",
      "bioproject/biosamples": "bioprojects @> ARRAY[$1]::text[]",
    });
  });

  it("accept only cursors of the same entity, unchanged", () => {
    const cursor = encodeEntityCursor("sra_run", "SRR1");
    expect(decodeEntityCursor("sra_run", cursor)).toBe("SRR1");
    expect(() => decodeEntityCursor("sra_study", cursor)).toThrow(EntityCursorError);
    expect(() => decodeEntityCursor("sra_run", `${cursor}!`)).toThrow(/invalid page cursor/);
  });
});
