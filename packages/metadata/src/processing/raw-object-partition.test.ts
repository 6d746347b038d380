import { describe, expect, it } from "vitest";
import { partitionOfRawObject } from "./raw-object-partition.js";

describe("partitionOfRawObject", () => {
  it("files SRA objects by batch date and stage, an Incremental ranking after the Full of its date", () => {
    const full = partitionOfRawObject(
      "sra",
      "Mirroring/NCBI_SRA_Mirroring_20250110_Full/meta_run_set.xml.gz",
    );
    const sameDay = partitionOfRawObject("sra", "Mirroring/NCBI_SRA_Mirroring_20250110/meta_run_set.xml.gz");
    const later = partitionOfRawObject("sra", "Mirroring/NCBI_SRA_Mirroring_20250112/meta_run_set.xml.gz");
    expect(full.path).toBe("batch=2025-01-10/stage=Full");
    expect(sameDay.path).toBe("batch=2025-01-10/stage=Incremental");
    expect([later.order, full.order, sameDay.order].sort()).toEqual([full.order, sameDay.order, later.order]);
    expect(partitionOfRawObject("sra", "Metadata/other_report.tab").skip).toBe(true);
  });

  it("reads SRA_Accessions.tab with its own parser, each fetch a version ranked after the one before", () => {
    const first = partitionOfRawObject("sra", "Metadata/SRA_Accessions.tab");
    const refetch = partitionOfRawObject("sra", "versions/20250116T093000Z/Metadata/SRA_Accessions.tab");
    expect(first).toMatchObject({ path: "accessions=initial", parser: "sra-accessions" });
    expect(first.skip).toBeUndefined();
    expect(refetch).toMatchObject({ path: "accessions=20250116T093000Z", parser: "sra-accessions" });
    expect(first.order < refetch.order).toBe(true);
    expect(partitionOfRawObject("sra-accessions", "SRA_Accessions.tab.gz").parser).toBe("sra-accessions");
  });

  it("files PubMed per file, update files ranking after the baseline and by number", () => {
    const base = partitionOfRawObject("pubmed", "baseline/pubmed25n1274.xml.gz");
    const update = partitionOfRawObject("pubmed", "updatefiles/pubmed25n1275.xml.gz");
    const next = partitionOfRawObject("pubmed", "updatefiles/pubmed25n1300.xml.gz");
    expect(base.path).toBe("file=pubmed25n1274");
    expect(base.order < update.order && update.order < next.order).toBe(true);
  });

  it("ranks re-fetched versions of a dump after the first and after each other", () => {
    const first = partitionOfRawObject("biosample", "biosample_set.xml.gz");
    const v1 = partitionOfRawObject("biosample", "versions/20250101T000000Z/biosample_set.xml.gz");
    const v2 = partitionOfRawObject("biosample", "versions/20250201T000000Z/biosample_set.xml.gz");
    expect(first.path).toBe("version=initial");
    expect(v2.path).toBe("version=20250201T000000Z");
    expect(first.order < v1.order && v1.order < v2.order).toBe(true);
  });

  it("leaves GEO to be partitioned by each record's update date", () => {
    expect(partitionOfRawObject("geo", "2024/05/GSE1.soft").path).toBe("");
    expect(partitionOfRawObject("geo", "accessions/GSE1.soft").path).toBe("");
  });
});
