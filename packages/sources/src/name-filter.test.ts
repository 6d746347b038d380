import { describe, expect, it } from "vitest";
import { nameFilter } from "./name-filter.js";

describe("nameFilter", () => {
  it("keeps every name without patterns", () => {
    expect(nameFilter()("a/b.gz")).toBe(true);
  });

  it("matches * within a segment and ** across segments", () => {
    const keep = nameFilter(["baseline/*.xml.gz", "Mirroring/**/meta_run_set.xml.gz"], ["**/*0002.xml.gz"]);
    expect(keep("baseline/pubmed25n0001.xml.gz")).toBe(true);
    expect(keep("baseline/pubmed25n0002.xml.gz")).toBe(false);
    expect(keep("baseline/deeper/pubmed25n0003.xml.gz")).toBe(false);
    expect(keep("Mirroring/NCBI_SRA_Mirroring_20250110_Full/meta_run_set.xml.gz")).toBe(true);
    expect(keep("Mirroring/NCBI_SRA_Mirroring_20250110_Full/meta_study_set.xml.gz")).toBe(false);
    expect(nameFilter(["a?c"])("a.c")).toBe(true);
    expect(nameFilter(["a.c"])("abc")).toBe(false);
  });
});
