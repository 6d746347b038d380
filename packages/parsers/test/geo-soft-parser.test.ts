import { createReadStream, readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { geoDateToIso } from "../src/geo/geo-field-bag.js";
import { parseGeoSoft } from "../src/geo/geo-soft-parser.js";
import { decodeWindows1252 } from "../src/geo/windows-1252-text.js";
import {
  geoRecordSchemas,
  type GeoPlatform,
  type GeoRecord,
  type GeoSample,
  type GeoSeries,
} from "../src/geo/geo-records.js";
import type { ParseWarning } from "../src/errors/parse-warning.js";
import { chunksOf, reusedBufferChunks, text } from "./helpers/byte-streams.js";
import { parseError } from "./helpers/expect-parse-error.js";
import { describeMutatedFixtures } from "./helpers/mutated-input-property.js";
import { fixture, fixtures, haveFixtures } from "./helpers/ncbi-fixtures.js";

async function collect(
  input: AsyncIterable<Uint8Array>,
  file?: string,
  warnings?: ParseWarning[],
): Promise<GeoRecord[]> {
  const out: GeoRecord[] = [];
  const onWarning = warnings === undefined ? undefined : (w: ParseWarning) => warnings.push(w);
  for await (const r of parseGeoSoft(input, { file, onWarning })) out.push(r);
  return out;
}

const parseFile = (name: string): Promise<GeoRecord[]> => collect(createReadStream(fixture(name)), name);

function byAccession<T extends GeoRecord>(records: GeoRecord[], accession: string): T {
  const r = records.find((x) => x.accession === accession);
  if (r === undefined) throw new Error(`no record ${accession}`);
  return r as T;
}

describe.skipIf(!haveFixtures)(
  "parseGeoSoft over the real GEO fixtures (skipped: ../shared/fixtures/ncbi absent)",
  () => {
    const geoFiles = haveFixtures
      ? readdirSync(fixtures).filter((f) => f.startsWith("geo_") && f.endsWith(".soft"))
      : [];

    it("parses every GEO SOFT fixture into records that satisfy their zod schema", async () => {
      expect(geoFiles.length).toBeGreaterThanOrEqual(7);
      for (const name of geoFiles) {
        const records = await parseFile(name);
        expect(records.length, name).toBeGreaterThan(0);
        for (const r of records)
          expect(() => geoRecordSchemas[r.kind].parse(r), `${name} ${r.accession}`).not.toThrow();
      }
    });

    it("gives the same records whatever the chunk boundaries", async () => {
      for (const name of geoFiles) {
        const bytes = readFileSync(fixture(name));
        const whole = await collect(chunksOf(bytes, bytes.length));
        for (const size of [1, 7, 100, 4093])
          expect(await collect(chunksOf(bytes, size)), `${name} / ${size}`).toEqual(whole);
      }
    });

    it("reads a SuperSeries: types, samples, sub-series and BioProject relations, contact", async () => {
      const [series, ...rest] = await parseFile("geo_GSE138657_series_brief.soft");
      expect(rest).toHaveLength(0);
      const s = series as GeoSeries;
      expect(s.kind).toBe("geo_series");
      expect(s.accession).toBe("GSE138657");
      expect(s.status).toBe("Public");
      expect(s.publicDate).toBe("2021-10-01");
      expect(s.submissionDate).toBe("2019-10-09");
      expect(s.lastUpdateDate).toBe("2021-10-02");
      expect(s.types).toEqual([
        "Expression profiling by high throughput sequencing",
        "Genome binding/occupancy profiling by high throughput sequencing",
        "Other",
      ]);
      expect(s.sampleIds).toHaveLength(16);
      expect(s.sampleIds[0]).toBe("GSM4114982");
      expect(s.sampleIds[15]).toBe("GSM4115629");
      expect(s.superSeriesOf).toEqual(["GSE138647", "GSE138652", "GSE138654", "GSE138656"]);
      expect(s.bioprojects).toEqual(["PRJNA576681"]);
      expect(s.relations).toContainEqual({
        type: "bioproject",
        label: "BioProject",
        target: "https://www.ncbi.nlm.nih.gov/bioproject/PRJNA576681",
        accession: "PRJNA576681",
      });
      expect(s.contact?.name).toEqual({ first: "lian", middle: "qing", last: "jiao" });
      expect(s.contact?.email).toBe("wangyunshan135@126.com");
      expect(s.contact?.city).toBe("Ji'nan");
      expect(s.contact?.zipPostalCode).toBe("250033");
      expect(s.platformIds).toEqual(["GPL11154"]);
      expect(s.platformTaxids).toEqual([9606]);
      expect(s.sampleOrganisms).toEqual(["Homo sapiens"]);
      expect(s.supplementaryFiles).toEqual([
        "ftp://ftp.ncbi.nlm.nih.gov/geo/series/GSE138nnn/GSE138657/suppl/GSE138657_RAW.tar",
      ]);
      expect(s.overallDesign).toBe("Refer to individual Series");
      expect(s.other).toEqual({});
    });

    it("reads an SRA-linked SubSeries: SRP study, super-series, pubmed id, contributors, department", async () => {
      const [s] = (await parseFile("geo_GSE146537_series_brief.soft")) as GeoSeries[];
      expect(s!.sraStudies).toEqual(["SRP251915"]);
      expect(s!.subSeriesOf).toEqual(["GSE146583"]);
      expect(s!.bioprojects).toEqual(["PRJNA610881"]);
      expect(s!.pubmedIds).toEqual([35115713]);
      expect(s!.contributors).toEqual([
        { first: "Yuchen", last: "Xie" },
        { first: "Merve", last: "Sahin" },
        { first: "Emily", middle: "H", last: "Cheng" },
      ]);
      expect(s!.contact?.department).toBe("Computational Biology Program");
      expect(s!.summary?.startsWith("SETD2, a H3K36 trimethyltransferase")).toBe(true);
    });

    it("reads sample channels, characteristics, relations and files", async () => {
      const records = await parseFile("geo_GSE138657_samples_brief.soft");
      expect(records.map((r) => r.kind)).toEqual(Array(16).fill("geo_sample"));
      const gsm = byAccession<GeoSample>(records, "GSM4115603");
      expect(gsm.title).toBe("H3K27ac_HCT116OxR");
      expect(gsm.type).toBe("SRA");
      expect(gsm.channelCount).toBe(1);
      expect(gsm.channels).toHaveLength(1);
      const ch = gsm.channels[0]!;
      expect(ch.channel).toBe(1);
      expect(ch.sourceName).toBe("HCT116 cells");
      expect(ch.organisms).toEqual(["Homo sapiens"]);
      expect(ch.taxids).toEqual([9606]);
      expect(ch.characteristics).toEqual([
        { tag: "tissue", value: "Colorectal cancer" },
        { tag: "chip antibody", value: "H3K27ac(abcam,ab4729)" },
        { tag: "genotype", value: "Oxaliplatin-resistant" },
      ]);
      expect(ch.molecule).toBe("genomic DNA");
      expect(ch.extractProtocol).toHaveLength(2);
      expect(gsm.description).toBe("H3K27ac_HCT116OxR");
      expect(gsm.dataProcessing[2]).toBe("Genome_build: hg19");
      expect(gsm.biosamples).toEqual(["SAMN13001572"]);
      expect(gsm.sraExperiments).toEqual(["SRX6970839"]);
      expect(gsm.seriesIds).toEqual(["GSE138654", "GSE138657"]);
      expect(gsm.libraryStrategy).toBe("ChIP-Seq");
      expect(gsm.librarySelection).toBe("ChIP");
      expect(gsm.instrumentModel).toBe("Illumina HiSeq 2000");
      expect(gsm.platformId).toBe("GPL11154");
      expect(gsm.dataRowCount).toBe(0);
      expect(gsm.table).toBeUndefined();
      expect(gsm.supplementaryFiles).toEqual([
        "ftp://ftp.ncbi.nlm.nih.gov/geo/samples/GSM4115nnn/GSM4115603/suppl/GSM4115603_H3K27ac_HCT116OxR_peaks.txt.gz",
      ]);
    });

    it("reads the GSE146537 samples including growth protocols with non-ASCII text", async () => {
      const records = (await parseFile("geo_GSE146537_samples_brief.soft")) as GeoSample[];
      expect(records.map((r) => r.accession)).toEqual([
        "GSM4391896",
        "GSM4391897",
        "GSM4391898",
        "GSM4391899",
        "GSM4391900",
        "GSM4391901",
      ]);
      const first = records[0]!;
      expect(first.channels[0]!.characteristics).toEqual([
        { tag: "cell line", value: "JHRCC12" },
        { tag: "genotype", value: "SETD2-deficient" },
      ]);
      expect(first.channels[0]!.growthProtocol[0]).toContain("1× L-glutamine");
      expect(first.libraryStrategy).toBe("ATAC-seq");
      expect(first.biosamples).toEqual(["SAMN14322350"]);
      expect(first.sraExperiments).toEqual(["SRX7866141"]);
      expect(records[5]!.sraExperiments).toEqual(["SRX7866146"]);
      expect(records[5]!.seriesIds).toEqual(["GSE146537", "GSE146583"]);
    });

    it("decodes a Latin-1 line as Latin-1 in a UTF-8 file, keeps the UTF-8 lines, and warns with file and line", async () => {
      const name = "geo_GSE146537_samples_brief.soft";
      const original = readFileSync(fixture(name));
      const firstNl = original.indexOf(0x0a);
      // Windows-1252 bytes: é (e9), en dash (96), right single quote (92), ü (fc).
      const latin1 = Buffer.from([
        ...Buffer.from("!Sample_description = Universit", "latin1"),
        0xe9,
        ...Buffer.from(" de Montr", "latin1"),
        0xe9,
        ...Buffer.from("al ", "latin1"),
        0x96,
        ...Buffer.from(" the lab", "latin1"),
        0x92,
        ...Buffer.from("s M", "latin1"),
        0xfc,
        ...Buffer.from("ller protocol\n", "latin1"),
      ]);
      const bytes = Buffer.concat([
        original.subarray(0, firstNl + 1),
        latin1,
        original.subarray(firstNl + 1),
      ]);
      const clean = (await parseFile(name)) as GeoSample[];
      for (const size of [1, 7, 4093, bytes.length]) {
        const warnings: ParseWarning[] = [];
        const records = (await collect(reusedBufferChunks(bytes, size), name, warnings)) as GeoSample[];
        expect(records[0]!.description, `chunk ${size}`).toBe(
          "Université de Montréal – the lab’s Müller protocol",
        );
        // Every UTF-8 line reads as before, the multiplication signs included.
        expect(records[0]!.channels[0]!.growthProtocol[0]).toContain("1× L-glutamine");
        expect(records.slice(1)).toEqual(clean.slice(1));
        expect(JSON.stringify(records)).not.toContain("\uFFFD");
        expect(warnings).toEqual([
          {
            code: "latin1_decoded",
            message: `GEO SOFT ${name} line 2 (GSM4391896): not valid UTF-8; decoded as Latin-1 (Windows-1252)`,
            location: { file: name, line: 2, byteOffset: firstNl + 1, record: "GSM4391896" },
          },
        ]);
      }
      // The same file without the inserted line: nothing to warn about.
      const none: ParseWarning[] = [];
      await collect(chunksOf(original, 4093), name, none);
      expect(none).toEqual([]);
    });

    it("skips a platform data table but keeps its columns and counted rows (family file)", async () => {
      const records = await parseFile("geo_GPL20814_family.soft");
      // ^DATABASE is not a record kind.
      expect(records.map((r) => `${r.kind}:${r.accession}`)).toEqual([
        "geo_platform:GPL20814",
        "geo_series:GSE72138",
      ]);
      const gpl = byAccession<GeoPlatform>(records, "GPL20814");
      expect(gpl.dataRowCount).toBe(2088); // declared by the file
      expect(gpl.table?.rowCount).toBe(3); // rows actually present in this excerpt
      expect(gpl.table?.columns).toEqual([
        { name: "ID" },
        { name: "Reporter Name" },
        { name: "miRNA_ID", description: 'LINK_PRE:"http://www.mirbase.org/cgi-bin/mature.pl?mature_acc="' },
        { name: "SPOT_ID" },
      ]);
      expect(gpl.description).toBe(
        "Part No.: MRA-1001B1C\nHuman miRNA Array\nVersion No. miRHuman_19_HUST_121206",
      );
      expect(gpl.manufacturer).toBe("LC Science");
      expect(gpl.technology).toBe("in situ oligonucleotide");
      expect(gpl.distribution).toBe("custom-commercial");
      expect(gpl.taxids).toEqual([9606]);
      expect(gpl.contact?.name).toEqual({ first: "Jiachun", last: "Sun" });
      expect(gpl.sampleIds).toEqual(["GSM1855902", "GSM1855903"]);
      const gse = byAccession<GeoSeries>(records, "GSE72138");
      expect(gse.pubmedIds).toEqual([28536623]);
      expect(gse.bioprojects).toEqual(["PRJNA293166"]);
      expect(gse.summary).toContain("miRNA “sponge”");
    });

    it("keeps empty summary paragraphs and a contact with only a last name (ENCODE family file)", async () => {
      const records = await parseFile("geo_GSE105845_family.soft");
      const gse = byAccession<GeoSeries>(records, "GSE105845");
      expect(gse.summary).toBe(
        "miRNA-seq on embryonic 12.5 day mouse forebrain\n\nFor data usage terms and conditions, please refer to http://www.genome.gov/27528022 and http://www.genome.gov/Pages/Research/ENCODE/ENCODE_Data_Use_Policy_for_External_Users_03-07-14.pdf",
      );
      expect(gse.contact?.name).toEqual({ first: "ENCODE", last: "DCC" });
      expect(gse.contact?.zipPostalCode).toBe("94305-5120");
      const gpl = byAccession<GeoPlatform>(records, "GPL13112");
      expect(gpl.contact?.name).toEqual({ last: "GEO" });
      expect(gpl.technology).toBe("high-throughput sequencing");
      expect(gpl.table).toBeUndefined();
    });

    it("skips a CRLF sample table and counts its rows", async () => {
      const [gsm] = (await parseFile("geo_GSM32878_with_table.soft")) as GeoSample[];
      expect(gsm!.accession).toBe("GSM32878");
      expect(gsm!.dataRowCount).toBe(9182);
      expect(gsm!.table?.rowCount).toBe(2);
      expect(gsm!.table?.columns.map((c) => c.name)).toEqual([
        "ID_REF",
        "FOLD_CHANGE",
        "PROBE1",
        "PROBE2",
        "VALUE",
      ]);
      expect(gsm!.table?.columns[4]).toEqual({ name: "VALUE", description: "log ratio (P1/P2)" });
      expect(gsm!.description?.split("\n")).toEqual([
        "total and poly(A)+ RNAs were tested by agarose gel electrophoresis.",
        "",
        "cDNA microarray probing",
        "cDNA microarray mRNA analysis was carried with UniGEM Human V 2.0 (Incyte Genomics, St. Louis, U.S.A.). 200ng",
      ]);
    });
  },
);

describe("parseGeoSoft on constructed input", () => {
  const gds = [
    "^DATABASE = Geo",
    "!Database_name = Gene Expression Omnibus (GEO)",
    "^DATASET = GDS507",
    "!dataset_title = Renal clear cell carcinoma (HG-U133B)",
    "!dataset_type = Expression profiling by array",
    "!dataset_pubmed_id = 14641932",
    "!dataset_platform = GPL97",
    "!dataset_feature_count = 22645",
    "!dataset_sample_count = 17",
    "!dataset_reference_series = GSE781",
    "!dataset_update_date = Mar 04 2004",
    "^SUBSET = GDS507_1",
    "!subset_dataset_id = GDS507",
    "!subset_description = normal",
    "!subset_sample_id = GSM11815,GSM11832",
    "!subset_type = disease state",
    "^SUBSET = GDS507_2",
    "!subset_dataset_id = GDS507",
    "!subset_description = RCC",
    "!subset_sample_id = GSM11810",
    "!subset_type = disease state",
    "^DATASET = GDS507",
    "#ID_REF = Platform reference identifier",
    "#GSM11815 = Value for GSM11815",
    "!dataset_table_begin",
    "ID_REF\tIDENTIFIER\tGSM11815",
    "200000_s_at\tPRPF8\t4254",
    "200001_at\tCAPNS1\t17996.2",
    "",
    "200002_at\tRPL35\t41678.8",
    "!dataset_table_end",
    "",
  ].join("\n");

  it("reads a GDS file: subsets, then the dataset merged with its repeated table block", async () => {
    const records = await collect(text(gds));
    expect(records.map((r) => `${r.kind}:${r.accession}`)).toEqual([
      "geo_subset:GDS507_1",
      "geo_subset:GDS507_2",
      "geo_dataset:GDS507",
    ]);
    const [s1, , ds] = records;
    expect(s1).toMatchObject({
      datasetId: "GDS507",
      description: "normal",
      type: "disease state",
      sampleIds: ["GSM11815", "GSM11832"],
    });
    expect(ds).toMatchObject({
      title: "Renal clear cell carcinoma (HG-U133B)",
      pubmedIds: [14641932],
      platform: "GPL97",
      featureCount: 22645,
      sampleCount: 17,
      referenceSeries: ["GSE781"],
      updateDate: "2004-03-04",
      table: {
        rowCount: 3,
        columns: [
          { name: "ID_REF", description: "Platform reference identifier" },
          { name: "IDENTIFIER" },
          { name: "GSM11815", description: "Value for GSM11815" },
        ],
      },
    });
    for (const r of records) geoRecordSchemas[r.kind].parse(r);
  });

  it("reads two channels, untagged characteristics, unknown keys and a date it cannot parse", async () => {
    const soft = [
      "^SAMPLE = GSM1",
      "!Sample_status = Public on Jan 05 2016",
      "!Sample_submission_date = sometime",
      "!Sample_channel_count = 2",
      "!Sample_characteristics_ch1 = strain: BY4741",
      "!Sample_characteristics_ch1 = untagged value",
      "!Sample_characteristics_ch2 = time: 10: 20 min",
      "!Sample_label_ch2 = Cy5",
      "!Sample_custom_key = a",
      "!Sample_custom_key = b",
      "!Sample_empty =",
      "!Sample_relation = Reanalyzed by: GSE2",
      "!Sample_supplementary_file = NONE",
    ].join("\n");
    const [gsm] = (await collect(text(soft))) as GeoSample[];
    expect(gsm!.publicDate).toBe("2016-01-05");
    expect(gsm!.submissionDate).toBeUndefined();
    expect(gsm!.other["submission_date"]).toEqual(["sometime"]);
    expect(gsm!.other["custom_key"]).toEqual(["a", "b"]);
    expect(gsm!.other["empty"]).toEqual([""]);
    expect(gsm!.channels.map((c) => c.channel)).toEqual([1, 2]);
    expect(gsm!.channels[0]!.characteristics).toEqual([
      { tag: "strain", value: "BY4741" },
      { value: "untagged value" },
    ]);
    expect(gsm!.channels[1]!.characteristics).toEqual([{ tag: "time", value: "10: 20 min" }]);
    expect(gsm!.channels[1]!.label).toBe("Cy5");
    expect(gsm!.relations).toEqual([
      { type: "reanalyzed_by", label: "Reanalyzed by", target: "GSE2", accession: "GSE2" },
    ]);
    expect(gsm!.supplementaryFiles).toEqual([]);
  });

  it("stops at a line without ' = ', naming file, line and record, after yielding earlier records", async () => {
    const soft = "^SERIES = GSE1\n!Series_title = one\n^SERIES = GSE2\n!Series_title\n!Series_type = x\n";
    const seen: string[] = [];
    const error = await parseError(async () => {
      for await (const r of parseGeoSoft(text(soft), { file: "bad.soft" })) seen.push(r.accession);
    });
    expect(seen).toEqual(["GSE1"]);
    expect(error.code).toBe("malformed_soft_line");
    expect(error.location).toMatchObject({
      file: "bad.soft",
      line: 4,
      record: "GSE2",
      byteOffset: soft.indexOf("!Series_title\n"),
    });
    expect(error.message).toBe(
      `bad.soft, line 4, byte ${soft.indexOf("!Series_title\n")}, record GSE2: GEO SOFT: expected "key = value", got "!Series_title". Check that the file is GEO SOFT text and not truncated or edited by hand`,
    );
  });

  it("rejects text that is not SOFT and lines before any entity", async () => {
    expect((await parseError(() => collect(text("^SERIES = GSE1\nplain words\n")))).code).toBe(
      "malformed_soft_line",
    );
    const before = await parseError(() => collect(text("!Series_title = x\n^SERIES = GSE1\n")));
    expect(before.code).toBe("malformed_soft_line");
    expect(before.location.line).toBe(1);
    expect((await parseError(() => collect(text("^SERIES\n")))).code).toBe("malformed_soft_line");
  });

  it("reports an empty file as empty_input", async () => {
    // eslint-disable-next-line require-yield
    async function* nothing(): AsyncGenerator<Uint8Array> {
      return;
    }
    expect((await parseError(() => collect(nothing(), "empty.soft"))).code).toBe("empty_input");
    expect((await parseError(() => collect(text("\n\r\n\n")))).code).toBe("empty_input");
  });

  it("reports a table cut off by the end of input", async () => {
    const error = await parseError(() =>
      collect(text("^SAMPLE = GSM1\n!sample_table_begin\nID\tVALUE\n1\t2\n")),
    );
    expect(error.code).toBe("truncated_soft_table");
    expect(error.location.record).toBe("GSM1");
  });

  it("bounds the memory a single metadata line may take", async () => {
    async function* longLine(): AsyncGenerator<Uint8Array> {
      yield Buffer.from("^SERIES = GSE1\n!Series_title = ");
      for (let i = 0; i < 20; i++) yield Buffer.alloc(1024, 0x61);
    }
    const error = await parseError(async () => {
      for await (const _ of parseGeoSoft(longLine(), { maxLineBytes: 8 * 1024 })) void _;
    });
    expect(error.code).toBe("soft_line_too_long");
  });

  it("does not keep data-table lines, however long", async () => {
    async function* longRows(): AsyncGenerator<Uint8Array> {
      yield Buffer.from("^SAMPLE = GSM1\n!sample_table_begin\nID\tVALUE\n");
      for (let row = 0; row < 3; row++) {
        for (let i = 0; i < 20; i++) yield Buffer.alloc(1024, 0x31);
        yield Buffer.from("\n");
      }
      yield Buffer.from("!sample_table_end\n");
    }
    let table: GeoSample["table"];
    for await (const r of parseGeoSoft(longRows(), { maxLineBytes: 4 * 1024 }))
      if (r.kind === "geo_sample") table = r.table;
    expect(table?.rowCount).toBe(3);
  });
});

describeMutatedFixtures(
  "parseGeoSoft",
  ["geo_GPL20814_family.soft", "geo_GSM32878_with_table.soft", "geo_GSE146537_series_brief.soft"],
  {
    // SOFT's line markers and separators, a NUL and a byte never valid in UTF-8.
    values: [...[..."^!#= \n\r\t:_"].map((c) => c.charCodeAt(0)), 0, 0xff],
    numRuns: 200,
    consume: async (input) => {
      for await (const r of parseGeoSoft(input)) geoRecordSchemas[r.kind].parse(r);
    },
  },
);

describe("geoDateToIso", () => {
  it("converts GEO dates and refuses impossible ones", () => {
    expect(geoDateToIso("Jan 05 2016")).toBe("2016-01-05");
    expect(geoDateToIso("Feb 29 2016")).toBe("2016-02-29");
    expect(geoDateToIso("Feb 29 2015")).toBeUndefined();
    expect(geoDateToIso("Apr 31 2020")).toBeUndefined();
    expect(geoDateToIso("Foo 01 2020")).toBeUndefined();
    expect(geoDateToIso("2020-13-01")).toBeUndefined();
  });
});

describe("GEO person names", () => {
  it("split on the first two commas only, so an organisation keeps its commas", async () => {
    const soft = [
      "^PLATFORM = GPL1",
      "!Platform_contact_name = ,,Affymetrix, Inc.",
      "!Platform_contributor = John,Q,Smith, Jr.",
      "!Platform_contributor = Jiachun,,Sun",
      "!Platform_contributor = Ann,Lee",
      "!Platform_contributor = GEO",
      "!Platform_contributor = ,,",
      "",
    ].join("\n");
    const [gpl] = (await collect(text(soft))) as [GeoPlatform];
    expect(gpl.contact?.name).toEqual({ last: "Affymetrix, Inc." });
    expect(gpl.contributors).toEqual([
      { first: "John", middle: "Q", last: "Smith, Jr." },
      { first: "Jiachun", last: "Sun" },
      { first: "Ann", last: "Lee" },
      { last: "GEO" },
      {},
    ]);
  });
});

describe("GEO SOFT text that is not UTF-8", () => {
  it("warns about the first ten Latin-1 lines one by one, then counts the rest in one warning", async () => {
    const lines = ["^SERIES = GSE1"];
    for (let i = 0; i < 13; i++) lines.push(`!Series_summary = caf\u00e9 ${i}`);
    lines.push("!Series_title = r\u00e9sum\u00e9 \ufffd kept", "");
    // Latin-1 for every summary line; the title stays UTF-8 and holds a real U+FFFD, which is kept.
    const bytes = Buffer.concat(
      lines.map((l) => Buffer.from(`${l}\n`, l.startsWith("!Series_summary") ? "latin1" : "utf8")),
    );
    const warnings: ParseWarning[] = [];
    const [series] = (await collect(chunksOf(bytes, 5), "gse1.soft", warnings)) as [GeoSeries];
    expect(series.summary?.split("\n")).toEqual(Array.from({ length: 13 }, (_, i) => `café ${i}`));
    expect(series.title).toBe("résumé \ufffd kept");
    expect(warnings.map((w) => [w.code, w.location.line])).toEqual([
      ...Array.from({ length: 10 }, (_, i) => ["latin1_decoded", i + 2]),
      ["latin1_decoded_more", 14],
    ]);
    expect(warnings[10]!.message).toBe(
      "GEO SOFT gse1.soft: 3 more line(s) after the first 10 were not UTF-8 and were decoded as Latin-1 (Windows-1252), 13 in all, the last at line 14",
    );
  });

  it("reads a Latin-1 table header without warning about the rows it skips", async () => {
    const soft = Buffer.concat([
      Buffer.from("^PLATFORM = GPL1\n!platform_table_begin\n"),
      Buffer.from("ID\tG\u00e8ne\n1\t\u00e9\n2\t\u00e9\n", "latin1"),
      Buffer.from("!platform_table_end\n"),
    ]);
    const warnings: ParseWarning[] = [];
    const [gpl] = (await collect(chunksOf(soft, 3), "gpl1.soft", warnings)) as [GeoPlatform];
    expect(gpl.table).toEqual({ columns: [{ name: "ID" }, { name: "Gène" }], rowCount: 2 });
    expect(warnings.map((w) => w.location.line)).toEqual([3]);
  });
});

describe("decodeWindows1252", () => {
  it("maps every byte to a character: Latin-1 letters, 1252's quotes and dashes, unassigned bytes as C1 codes", () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const text = decodeWindows1252(all);
    expect(text).toHaveLength(256);
    expect(text).not.toContain("\uFFFD");
    expect(text.slice(0x80, 0x98)).toBe("€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—");
    expect(text.slice(0x98, 0xa0)).toBe("˜™š›œ\u009džŸ");
    expect(text.slice(0xa0)).toBe(all.subarray(0xa0).toString("latin1"));
    expect(decodeWindows1252(Buffer.from("plain ascii"))).toBe("plain ascii");
  });
});
