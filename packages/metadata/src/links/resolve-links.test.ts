import { describe, expect, it } from "vitest";
import { accessionType, type AccessionType } from "./accession-types.js";
import type { LinkEdge, LinkReader } from "./link-reader.js";
import { resolveLinks } from "./resolve-links.js";

/** Links held in memory both ways, read as the table is: ordered by from, to, relation. */
class MemoryReader implements LinkReader {
  readonly calls: string[][] = [];
  private readonly edges: LinkEdge[] = [];
  constructor(pairs: readonly [string, string, string][]) {
    for (const [a, b, relation] of pairs) {
      this.edges.push(edge(a, b, relation), edge(b, a, relation));
    }
    this.edges.sort((x, y) =>
      x.from !== y.from ? (x.from < y.from ? -1 : 1) : x.to !== y.to ? (x.to < y.to ? -1 : 1) : 0,
    );
  }
  async edgesFrom(accessions: readonly string[], limit: number): Promise<LinkEdge[]> {
    this.calls.push([...accessions]);
    const wanted = new Set(accessions);
    return this.edges.filter((e) => wanted.has(e.from)).slice(0, limit);
  }
}

function edge(from: string, to: string, relation: string): LinkEdge {
  return { from, to, toType: accessionType(to) as AccessionType, relation, source: `${relation}.field` };
}

// GSE1 has two samples, each with an experiment and a run; the series is linked to its study too, which
// closes cycles (GSE1 → SRP1 → SRX1 → GSM1 → GSE1). GPL1 is shared with an unrelated series GSE2.
const GRAPH: [string, string, string][] = [
  ["GSE1", "GSM1", "gse_gsm"],
  ["GSE1", "GSM2", "gse_gsm"],
  ["GSE1", "GPL1", "gse_gpl"],
  ["GSE2", "GPL1", "gse_gpl"],
  ["GSE2", "GSM9", "gse_gsm"],
  ["GSE1", "SRP1", "gse_srp"],
  ["GSM1", "SRX1", "gsm_srx"],
  ["GSM2", "SRX2", "gsm_srx"],
  ["SRP1", "SRX1", "srp_srx"],
  ["SRP1", "SRX2", "srp_srx"],
  ["SRX1", "SRR1", "srx_srr"],
  ["SRX2", "SRR2", "srx_srr"],
  ["SRP1", "SRR1", "srp_srr"],
  ["SRP1", "SRR2", "srp_srr"],
  ["SRP1", "12345", "pmid_srp"],
];

describe("resolveLinks", () => {
  it("walks breadth first within the depth, once per accession despite cycles, with the shortest path", async () => {
    const reader = new MemoryReader(GRAPH);
    const { found, missing } = await resolveLinks(reader, ["gse1"], { depth: 2 });
    expect(missing).toEqual([]);
    expect(found).toHaveLength(1);
    const [links] = found;
    expect(links!.accession).toBe("GSE1");
    expect(links!.type).toBe("gse");
    const summary = links!.links.map((l) => `${l.depth} ${l.accession} ${l.path.join(">")}`);
    expect(summary).toEqual([
      "1 GPL1 GSE1>GPL1",
      "1 GSM1 GSE1>GSM1",
      "1 GSM2 GSE1>GSM2",
      "1 SRP1 GSE1>SRP1",
      "2 12345 GSE1>SRP1>12345",
      // SRR1 is two links away only through the study; SRX1 through the sample (GSM1 sorts before SRP1).
      "2 SRR1 GSE1>SRP1>SRR1",
      "2 SRR2 GSE1>SRP1>SRR2",
      "2 SRX1 GSE1>GSM1>SRX1",
      "2 SRX2 GSE1>GSM2>SRX2",
    ]);
    // The platform is listed but not walked through: GSE2 and its sample stay out.
    expect(summary.some((s) => s.includes("GSE2") || s.includes("GSM9"))).toBe(false);
    // One read per level, for the whole frontier.
    expect(reader.calls).toHaveLength(2);
    expect(links!.links.find((l) => l.accession === "SRX1")).toMatchObject({
      relation: "gsm_srx",
      source: "gsm_srx.field",
      type: "srx",
    });
  });

  it("walks through a platform only when it was asked for", async () => {
    const { found } = await resolveLinks(new MemoryReader(GRAPH), ["GPL1"], { depth: 2, types: ["gsm"] });
    expect(found[0]!.links.map((l) => l.accession)).toEqual(["GSM1", "GSM2", "GSM9"]);
  });

  it("converts to the nearest accessions of one type and filters by types", async () => {
    const reader = new MemoryReader(GRAPH);
    const { found } = await resolveLinks(reader, ["GSE1", "SRR1"], { to: "srr", depth: 6 });
    expect(found.map((f) => [f.accession, f.links.map((l) => `${l.accession}@${l.depth}`)])).toEqual([
      ["GSE1", ["SRR1@2", "SRR2@2"]],
      // From a run, the nearest runs are its siblings through the study.
      ["SRR1", ["SRR2@2"]],
    ]);
    const gsm = await resolveLinks(reader, ["SRR2"], { to: "gsm" });
    expect(gsm.found[0]!.links.map((l) => l.path.join(">"))).toEqual(["SRR2>SRX2>GSM2"]);
    const typed = await resolveLinks(reader, ["SRR2"], { depth: 3, types: ["GSE", "pmid"] });
    expect(typed.found[0]!.links.map((l) => l.accession)).toEqual(["GSE1", "12345"]);
  });

  it("reports accessions no link mentions, once each, in the order asked", async () => {
    const { found, missing } = await resolveLinks(new MemoryReader(GRAPH), [
      "SRR404",
      "GSM1",
      "gsm1",
      "SRR404",
    ]);
    expect(found.map((f) => f.accession)).toEqual(["GSM1"]);
    expect(missing).toEqual(["SRR404"]);
  });

  it("refuses bad depths, types, accessions and results beyond the limit", async () => {
    const reader = new MemoryReader(GRAPH);
    for (const depth of [0, 7, 1.5, Number.NaN, 1e9])
      await expect(resolveLinks(reader, ["GSE1"], { depth })).rejects.toMatchObject({
        code: "invalid_input",
      });
    await expect(resolveLinks(reader, ["GSE1"], { types: ["srr", "nope"] })).rejects.toMatchObject({
      code: "invalid_input",
      details: { type: "nope" },
    });
    await expect(resolveLinks(reader, ["GSE1"], { to: "srr", types: ["gsm"] })).rejects.toMatchObject({
      code: "invalid_input",
    });
    for (const bad of ["'; DROP TABLE accession_links; --", "GSE1 OR 1=1", "ＧＳＥ１", "GSE", "SRR١٢٣", ""])
      await expect(resolveLinks(reader, [bad])).rejects.toMatchObject({ code: "invalid_accession" });
    await expect(resolveLinks(reader, [])).rejects.toMatchObject({ code: "invalid_input" });
    await expect(
      resolveLinks(
        reader,
        Array.from({ length: 1001 }, (_, i) => `SRR${i}`),
      ),
    ).rejects.toMatchObject({ code: "invalid_input", details: { count: 1001 } });
    // Nothing was read for refused input.
    expect(reader.calls).toHaveLength(0);
    await expect(resolveLinks(reader, ["GSE1"], { depth: 2, maxLinked: 5 })).rejects.toMatchObject({
      code: "result_too_large",
      details: { max: 5 },
    });
    await expect(resolveLinks(reader, ["GSE1"], { depth: 1, maxLinked: 5 })).resolves.toMatchObject({
      found: [{ accession: "GSE1" }],
    });
  });

  it("lists a shared sample but walks on from it only when the lookup started at a sample", async () => {
    // SRS1 (BioSample SAMN1) was sequenced twice: SRX1 for GSM1 and SRX3 for GSM3 of another series.
    const reader = new MemoryReader([
      ["GSM1", "SRX1", "gsm_srx"],
      ["GSM3", "SRX3", "gsm_srx"],
      ["GSM1", "SRS1", "gsm_srs"],
      ["GSM3", "SRS1", "gsm_srs"],
      ["SRS1", "SRX1", "srs_srx"],
      ["SRS1", "SRX3", "srs_srx"],
      ["SRX1", "SRR1", "srx_srr"],
      ["SRX3", "SRR3", "srx_srr"],
      ["SRS1", "SRR1", "srs_srr"],
      ["SRS1", "SRR3", "srs_srr"],
      ["SAMN1", "SRS1", "biosample_srs"],
    ]);
    const runsOf = async (accession: string): Promise<string[]> =>
      (await resolveLinks(reader, [accession], { to: "srr", depth: 6 })).found[0]!.links.map(
        (l) => l.accession,
      );
    // GSM → SRR is the GSM's own runs, not those of the other experiment on its sample.
    expect(await runsOf("GSM1")).toEqual(["SRR1"]);
    expect(await runsOf("GSM3")).toEqual(["SRR3"]);
    // SRR → GSM likewise.
    const gsms = await resolveLinks(reader, ["SRR3"], { to: "gsm", depth: 6 });
    expect(gsms.found[0]!.links.map((l) => l.accession)).toEqual(["GSM3"]);
    // A sample's runs are every run on it, through its BioSample too.
    expect(await runsOf("SRS1")).toEqual(["SRR1", "SRR3"]);
    expect(await runsOf("SAMN1")).toEqual(["SRR1", "SRR3"]);
    // The sample itself is still listed as related.
    const related = await resolveLinks(reader, ["GSM1"], { depth: 2 });
    expect(related.found[0]!.links.map((l) => l.accession)).toContain("SRS1");
    expect(related.found[0]!.links.map((l) => l.accession)).not.toContain("SRR3");
  });
});
