import { describe, expect, it } from "vitest";
import { ENTITY_CHILD_ROUTES, ENTITY_ROUTE_SPECS } from "./entity-api-routes.js";
import type { EntityDefinition } from "./entity-definition.js";
import { ENTITIES, ENTITY_KEYS } from "./entity-definitions.js";
import { filter as f } from "./filter-definition.js";
import type { GEO_PLATFORM_COLUMNS } from "./geo-entities.js";
import { GEO_PLATFORM } from "./geo-entities.js";
import { SERVING_ENTITIES } from "./serving-entities.js";
import { SNAPSHOT_VIEWS } from "./snapshot-views.js";
import { SRA_RUN, SRA_RUN_COLUMNS } from "./sra-entities.js";

// The definitions below must not compile; each `@ts-expect-error` fails the type check (tsconfig.test.json)
// if the error it expects goes away, so these are the tests of the typing. They run as plain objects too.

const { platform: _platform, ...withoutPlatform } = SRA_RUN_COLUMNS;
const RENAMED = { ...withoutPlatform, sequencing_platform: SRA_RUN_COLUMNS.platform };

const renamedColumn = {
  ...SRA_RUN,
  serving: { ...SRA_RUN.serving, columns: RENAMED },
  filters: [
    f("experiment", "experiment_accession", "exact", "Experiment accession", "SRX1"),
    // @ts-expect-error the column was renamed; the filter still names the old one
    f("platform", "platform", "lower", "Sequencing platform", "ILLUMINA"),
  ],
} as const satisfies EntityDefinition<typeof RENAMED>;

const unknownFilterColumn = {
  ...SRA_RUN,
  filters: [
    // @ts-expect-error sra_run serves no organism column
    f("organism", "organism", "lower", "Organism", "Homo sapiens"),
  ],
} as const satisfies EntityDefinition<typeof SRA_RUN_COLUMNS>;

const kindOfAnotherType = {
  ...SRA_RUN,
  filters: [
    // @ts-expect-error a date range does not apply to a text column
    f("platform_from", "platform", "date_from", "Platform", "2020-01-01"),
  ],
} as const satisfies EntityDefinition<typeof SRA_RUN_COLUMNS>;

const unknownLinkColumn = {
  ...SRA_RUN,
  parents: [
    // @ts-expect-error sra_run serves no study column (it is study_accession)
    { parent: "sra_study", segment: "runs", anyOf: [{ kind: "equals", column: "study" }] },
  ],
} as const satisfies EntityDefinition<typeof SRA_RUN_COLUMNS>;

const containsOnText = {
  ...SRA_RUN,
  parents: [
    // @ts-expect-error `contains` reads a text[] column; study_accession is text
    { parent: "sra_study", segment: "runs", anyOf: [{ kind: "contains", column: "study_accession" }] },
  ],
} as const satisfies EntityDefinition<typeof SRA_RUN_COLUMNS>;

const throughUnknownColumn = {
  ...GEO_PLATFORM,
  parents: [
    {
      parent: "geo_series",
      segment: "platforms",
      anyOf: [
        {
          kind: "through",
          column: "accession",
          // @ts-expect-error geo_series serves platform_ids, not platforms
          through: { entity: "geo_series", select: "platforms", match: "accession" },
        },
      ],
    },
  ],
} as const satisfies EntityDefinition<typeof GEO_PLATFORM_COLUMNS>;

const unknownParent = {
  ...SRA_RUN,
  parents: [
    // @ts-expect-error there is no sra_analysis entity
    { parent: "sra_analysis", segment: "runs", anyOf: [{ kind: "equals", column: "study_accession" }] },
  ],
} as const satisfies EntityDefinition<typeof SRA_RUN_COLUMNS>;

describe("entity definitions", () => {
  it("type-check filters and links against the entity's serving columns (see the @ts-expect-error lines)", () => {
    // At run time these are ordinary objects: each keeps the mistake the compiler refused.
    expect(renamedColumn.filters.map((filter) => filter.column)).toEqual([
      "experiment_accession",
      "platform",
    ]);
    expect(Object.keys(renamedColumn.serving.columns)).not.toContain("platform");
    expect(unknownFilterColumn.filters[0]?.column).toBe("organism");
    expect(kindOfAnotherType.filters[0]?.kind).toBe("date_from");
    expect(unknownLinkColumn.parents[0]?.anyOf[0]?.column).toBe("study");
    expect(containsOnText.parents[0]?.anyOf[0]?.kind).toBe("contains");
    expect(throughUnknownColumn.parents[0]?.anyOf[0]?.through.select).toBe("platforms");
    expect(unknownParent.parents[0]?.parent).toBe("sra_analysis");
  });

  it("key every entity by its own key, in the order the API lists them", () => {
    for (const key of ENTITY_KEYS) expect(ENTITIES[key].key).toBe(key);
    expect(ENTITY_ROUTE_SPECS.map((spec) => spec.entity)).toEqual(ENTITY_KEYS);
  });

  it("derive serving columns in the table order of the definition", () => {
    expect(SERVING_ENTITIES.sra_study.columns.map((c) => c.name)).toEqual([
      "title",
      "center_name",
      "bioproject",
      "geo_accession",
      "study_type",
      "pubmed_ids",
      "status",
      "visibility",
      "updated",
    ]);
    expect(SERVING_ENTITIES.sra_run.columns.find((c) => c.name === "total_spots")).toMatchObject({
      type: "bigint",
      index: false,
    });
  });

  it("derive routes whose filters and links name served columns, with unique parameters and paths", () => {
    for (const spec of ENTITY_ROUTE_SPECS) {
      const served = new Set(SERVING_ENTITIES[spec.entity].columns.map((c) => c.name));
      for (const filter of spec.filters)
        expect(served, `${spec.entity}.${filter.column}`).toContain(filter.column);
      const params = spec.filters.map((filter) => filter.param);
      expect(new Set(params).size, spec.entity).toBe(params.length);
    }
    expect(new Set(ENTITY_ROUTE_SPECS.map((spec) => spec.path)).size).toBe(ENTITY_ROUTE_SPECS.length);
    const childPaths = ENTITY_CHILD_ROUTES.map(
      (route) => `${route.parent.path}/{accession}/${route.segment}`,
    );
    expect(new Set(childPaths).size).toBe(childPaths.length);
    expect(childPaths).toContain("/v1/sra/studies/{accession}/runs");
    expect(childPaths).toContain("/v1/bioprojects/{accession}/sra-studies");
    expect(childPaths).toContain("/v1/sra/submissions/{accession}/runs");
    expect(childPaths).toContain("/v1/sra/submissions/{accession}/accessions");
  });

  it("derive snapshot views that read only entities the snapshot holds", () => {
    expect(SNAPSHOT_VIEWS.map((view) => view.name)).toEqual([
      "sra",
      "gse_gsm",
      "gse_gpl",
      "geo_supplementary_file",
      "gds_gse",
      "gds_gsm",
    ]);
    for (const view of SNAPSHOT_VIEWS) {
      for (const table of view.reads) expect(ENTITY_KEYS).toContain(table);
      expect(view.sql).toContain(`CREATE VIEW ${view.name} AS`);
    }
  });
});
