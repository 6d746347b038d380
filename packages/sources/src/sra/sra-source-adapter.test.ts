import { describe, expect, it } from "vitest";
import { selectMirroringBatches } from "./sra-source-adapter.js";

describe("selectMirroringBatches", () => {
  it("keeps the newest Full and the Incrementals on or after its date, oldest first", () => {
    const folders = [
      "NCBI_SRA_Mirroring_20250112/",
      "NCBI_SRA_Mirroring_20250101_Full/",
      "NCBI_SRA_Mirroring_20250110/",
      "NCBI_SRA_Mirroring_20250105/",
      "NCBI_SRA_Mirroring_20250110_Full/",
      "README.txt",
      "NCBI_SRA_Mirroring_2025011_Full/",
      "../",
    ];
    expect(selectMirroringBatches(folders)).toEqual([
      { folder: "NCBI_SRA_Mirroring_20250110_Full/", date: "2025-01-10", stage: "Full" },
      { folder: "NCBI_SRA_Mirroring_20250110/", date: "2025-01-10", stage: "Incremental" },
      { folder: "NCBI_SRA_Mirroring_20250112/", date: "2025-01-12", stage: "Incremental" },
    ]);
  });

  it("returns nothing without a Full batch", () => {
    expect(selectMirroringBatches(["NCBI_SRA_Mirroring_20250110/"])).toEqual([]);
  });
});
