import type { CatalogObject } from "@omicslake/core";
import { describe, expect, it } from "vitest";
import { groupByPartition, rawPartitionKey } from "./raw-partition-key.js";

const at = new Date("2025-02-03T10:00:00Z");
const object = (name: string, createdAt = at): CatalogObject => ({
  id: 1,
  datasetId: 1,
  layer: "raw",
  key: `raw/x/${name}`,
  name,
  size: 1,
  sha256: name,
  mediaType: null,
  createdAt,
});

describe("rawPartitionKey", () => {
  it("puts GEO files by month of update, series fetched by accession together, re-fetches with their file", () => {
    expect(rawPartitionKey("geo", object("2024/05/GSE1.soft"))?.key).toBe("2024-05");
    expect(rawPartitionKey("geo", object("versions/20250110T080000Z/2024/05/GSE1.soft"))?.key).toBe(
      "2024-05",
    );
    expect(rawPartitionKey("geo", object("accessions/GSE2034.soft"))?.key).toBe("accessions");
  });

  it("puts PubMed per file, SRA per Mirroring batch and stage, BioSample per day fetched", () => {
    expect(rawPartitionKey("pubmed", object("updatefiles/pubmed25n1300.xml.gz"))?.key).toBe("pubmed25n1300");
    expect(
      rawPartitionKey("sra", object("Mirroring/NCBI_SRA_Mirroring_20250110_Full/meta_run_set.xml.gz"))?.key,
    ).toBe("2025-01-10-Full");
    expect(
      rawPartitionKey("sra", object("Mirroring/NCBI_SRA_Mirroring_20250111/meta_run_set.xml.gz"))?.key,
    ).toBe("2025-01-11-Incremental");
    expect(rawPartitionKey("sra", object("versions/20250112T000000Z/Metadata/SRA_Accessions.tab"))?.key).toBe(
      "accessions-2025-01-12",
    );
    expect(
      rawPartitionKey("sra", object("Mirroring/NCBI_SRA_Mirroring_20250110_Full/report.tsv")),
    ).toBeUndefined();
    expect(rawPartitionKey("biosample", object("biosample_set.xml.gz"))?.key).toBe("2025-02-03");
    expect(rawPartitionKey("biosample", object("versions/20250301T120000Z/biosample_set.xml.gz"))?.key).toBe(
      "2025-03-01",
    );
  });

  it("lists partitions oldest first: baseline before update files, a Full before its Incrementals", () => {
    const pubmed = groupByPartition("pubmed", [
      object("updatefiles/pubmed25n1300.xml.gz"),
      object("baseline/pubmed25n0002.xml.gz"),
      object("versions/20250110T000000Z/updatefiles/pubmed25n1300.xml.gz"),
    ]);
    expect([...pubmed.keys()]).toEqual(["pubmed25n0002", "pubmed25n1300"]);
    expect(pubmed.get("pubmed25n1300")).toHaveLength(2);
    const sra = groupByPartition("sra", [
      object("Mirroring/NCBI_SRA_Mirroring_20250111/meta_run_set.xml.gz"),
      object("Mirroring/NCBI_SRA_Mirroring_20250110/meta_run_set.xml.gz"),
      object("Mirroring/NCBI_SRA_Mirroring_20250110_Full/meta_run_set.xml.gz"),
    ]);
    expect([...sra.keys()]).toEqual(["2025-01-10-Full", "2025-01-10-Incremental", "2025-01-11-Incremental"]);
    const geo = groupByPartition("geo", [
      object("2024/06/GSE2.soft"),
      object("accessions/GSE9.soft"),
      object("2024/05/GSE1.soft"),
    ]);
    expect([...geo.keys()]).toEqual(["accessions", "2024-05", "2024-06"]);
  });
});
