import { createReadStream, readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ParseError } from "../src/errors/parse-error.js";
import { medlineDateStart, normaliseOrcid, parsePubmed } from "../src/pubmed/pubmed-parser.js";
import { pubmedRecordSchemas, type PubmedArticle, type PubmedRecord } from "../src/pubmed/pubmed-records.js";
import { chunksOf, text } from "./helpers/byte-streams.js";
import { parseError } from "./helpers/expect-parse-error.js";
import { describeMutatedFixtures, XML_MUTATION_BYTES } from "./helpers/mutated-input-property.js";
import { fixture, fixtures, haveFixtures } from "./helpers/ncbi-fixtures.js";

async function collect(input: AsyncIterable<Uint8Array>, file?: string): Promise<PubmedRecord[]> {
  const out: PubmedRecord[] = [];
  for await (const r of parsePubmed(input, { file })) out.push(r);
  return out;
}

const parseFile = (name: string): Promise<PubmedRecord[]> => collect(createReadStream(fixture(name)), name);

function article(records: PubmedRecord[], pmid: number): PubmedArticle {
  const r = records.find((x) => x.pmid === pmid);
  if (r === undefined || r.kind !== "pubmed_article") throw new Error(`no article ${pmid}`);
  return r;
}

describe.skipIf(!haveFixtures)(
  "parsePubmed over the real PubMed fixtures (skipped: ../shared/fixtures/ncbi absent)",
  () => {
    const files = haveFixtures
      ? readdirSync(fixtures).filter((f) => f.startsWith("pubmed_") && f.endsWith(".xml"))
      : [];

    it("parses every PubMed fixture into records that satisfy their zod schema", async () => {
      expect(files.length).toBeGreaterThanOrEqual(5);
      const pmids: number[] = [];
      for (const name of files) {
        const records = await parseFile(name);
        for (const r of records) {
          expect(() => pubmedRecordSchemas[r.kind].parse(r), `${name} ${r.accession}`).not.toThrow();
          expect(r.accession).toBe(String(r.pmid));
          pmids.push(r.pmid);
        }
      }
      expect(pmids.sort((a, b) => a - b)).toEqual([
        9997, 11700088, 11748933, 12091962, 26732976, 27797938, 29768149,
      ]);
    });

    it("gives the same records whatever the chunk boundaries (inline tags split across chunks)", async () => {
      for (const name of files) {
        const bytes = readFileSync(fixture(name));
        const whole = await collect(chunksOf(bytes, bytes.length));
        for (const size of [1, 5, 333])
          expect(await collect(chunksOf(bytes, size)), `${name} / ${size}`).toEqual(whole);
      }
    });

    it("reads a bare PubmedArticle root: journal, dates, MeSH qualifier flags, grants, ids, comments", async () => {
      const records = await parseFile("pubmed_26732976.xml");
      expect(records).toHaveLength(1);
      const a = article(records, 26732976);
      expect(a.version).toBe(1);
      expect(a.status).toBe("MEDLINE");
      expect(a.dateCompleted).toBe("2016-09-28");
      expect(a.dateRevised).toBe("2016-10-19");
      expect(a.title).toBe(
        "Comparison of normalization and differential expression analyses using RNA-Seq data from 726 individual Drosophila melanogaster.",
      );
      expect(a.journal).toMatchObject({
        title: "BMC genomics",
        isoAbbreviation: "BMC Genomics",
        issn: "1471-2164",
        issnType: "Electronic",
        volume: "17",
        pubDate: { year: 2016, month: 1, day: 5, iso: "2016-01-05" },
      });
      expect(a.abstract?.sections.map((s) => [s.label, s.nlmCategory])).toEqual([
        ["BACKGROUND", "BACKGROUND"],
        ["RESULTS", "RESULTS"],
        ["CONCLUSIONS", "CONCLUSIONS"],
      ]);
      expect(a.abstract?.text.startsWith("BACKGROUND: A generally accepted approach")).toBe(true);
      const fly = a.meshHeadings.find((m) => m.descriptor === "Drosophila melanogaster");
      expect(fly).toEqual({
        descriptor: "Drosophila melanogaster",
        descriptorUi: "D004331",
        majorTopic: false,
        qualifiers: [{ name: "genetics", ui: "Q000235", majorTopic: true }],
      });
      expect(a.grants).toEqual([{ agency: "Intramural NIH HHS", country: "United States" }]);
      expect(a.pmc).toBe("PMC4702322");
      expect(a.doi).toBe("10.1186/s12864-015-2353-z");
      expect(a.pagination).toEqual({ medline: "28" });
      expect(a.history.find((h) => h.status === "received")?.date.iso).toBe("2015-04-28");
      expect(a.history.find((h) => h.status === "accepted")?.date.iso).toBe("2015-12-21");
      expect(a.articleDates).toEqual([
        { type: "Electronic", date: { year: 2016, month: 1, day: 5, iso: "2016-01-05" } },
      ]);
      expect(a.publicationStatus).toBe("epublish");
      expect(a.commentsCorrections).toHaveLength(45);
      expect(a.commentsCorrections[0]).toEqual({
        refType: "Cites",
        refSource: "Nat Methods. 2005 May;2(5):345-50",
        pmid: 15846361,
      });
      expect(a.authors).toHaveLength(8);
      expect(a.authors[0]).toMatchObject({
        lastName: "Lin",
        foreName: "Yanzhu",
        initials: "Y",
        valid: true,
        equalContrib: false,
      });
      expect(a.authors[0]!.affiliations[0]!.name).toContain("National Heart Lung and Blood Institute");
      expect(a.chemicals).toEqual([{ registryNumber: "0", name: "RNA, Messenger", ui: "D012333" }]);
      expect(a.otherIds).toContainEqual({ source: "NLM", value: "PMC4702322" });
    });

    it("reads a Season pub date, KIE keywords, chemicals and a qualifier flagged major (2025 DTD)", async () => {
      const records = await parseFile("pubmed_set_2articles_2025dtd.xml");
      const kie = article(records, 12091962);
      expect(kie.owner).toBe("KIE");
      expect(kie.journal?.pubDate).toEqual({ year: 1990, season: "Spring", iso: "1990" });
      expect(kie.keywords).toEqual([
        { owner: "KIE", keyword: "Health Care and Public Health", majorTopic: false },
        { owner: "KIE", keyword: "Legal Approach", majorTopic: false },
      ]);
      expect(kie.otherIds).toEqual([{ source: "KIE", value: "31840" }]);
      expect(kie.numberOfReferences).toBe(63);
      expect(kie.meshHeadings.find((m) => m.descriptor === "United States")).toMatchObject({
        descriptorUi: "D014481",
        type: "Geographic",
      });
      expect(kie.publicationTypes).toEqual([
        { name: "Journal Article", ui: "D016428" },
        { name: "Review", ui: "D016454" },
      ]);
      expect(kie.abstract).toBeUndefined();
      const chromatium = article(records, 9997);
      expect(chromatium.journal?.pubDate).toEqual({ year: 1976, month: 9, day: 28, iso: "1976-09-28" });
      expect(chromatium.meshHeadings.find((m) => m.descriptor === "Chromatium")?.qualifiers).toEqual([
        { name: "enzymology", ui: "Q000201", majorTopic: true },
      ]);
      expect(chromatium.chemicals).toContainEqual({
        registryNumber: "42VZT0U6YR",
        name: "Heme",
        ui: "D006418",
      });
      expect(chromatium.doi).toBe("10.1016/0005-2795(76)90109-4");
      expect(chromatium.history.map((h) => h.status)).toEqual(["pubmed", "medline", "entrez"]);
      expect(chromatium.history[1]!.date).toMatchObject({ hour: 0, minute: 1 });
    });

    it("reads copyright, decoded entities in affiliations and pagination", async () => {
      const records = await parseFile("pubmed_set_2articles_b.xml");
      const a = article(records, 11748933);
      expect(a.abstract?.copyright).toBe("Copyright 2001 Elsevier Science.");
      expect(a.authors[0]!.affiliations[0]!.name).toBe(
        "Dipartimento di Scienze Ambientali, Università degli Studi della Tuscia, 01100 Viterbo, Italy.",
      );
      expect(a.authors.map((x) => x.lastName)).toEqual([
        "Taddei",
        "Barbato",
        "Abelli",
        "Canese",
        "Moretti",
        "Rana",
        "Fausto",
        "Mazzini",
      ]);
      expect(a.pagination).toEqual({ start: "244", end: "255", medline: "244-55" });
      expect(a.journal?.pubDate).toEqual({ year: 2001, month: 6, iso: "2001-06" });
      expect(article(records, 11700088).title).toBe(
        "Proton MRI of (13)C distribution by J and chemical shift editing.",
      );
    });

    it("keeps inline-formatted words in place in titles and abstracts (pretty-printed 2018 DTD)", async () => {
      const a = article(await parseFile("pubmed_set_pretty_2018dtd.xml"), 27797938);
      expect(a.title).toBe(
        "Leucocyte telomere length, genetic variants at the TERT gene region and risk of pancreatic cancer.",
      );
      expect(a.abstract?.sections.at(-1)).toEqual({
        label: "CONCLUSIONS",
        text: "Prediagnostic leucocyte telomere length and genetic variants at the TERT gene region were associated with risk of pancreatic cancer.",
      });
      expect(a.abstract?.sections.find((x) => x.label === "RESULTS")?.text).toContain(
        "95% CI 1.07 to 2.78; ptrend=0.048). Results remained",
      );
      expect(a.abstract?.copyright?.startsWith("Published by the BMJ Publishing Group Limited.")).toBe(true);
      expect(a.grants).toHaveLength(35);
      expect(a.grants[0]).toEqual({
        grantId: "KL2 TR001100",
        acronym: "TR",
        agency: "NCATS NIH HHS",
        country: "United States",
      });
      expect(a.elocationIds).toEqual([{ type: "doi", valid: true, value: "10.1136/gutjnl-2016-312510" }]);
      expect(a.pmc).toBe("PMC5442267");
      expect(a.authors.find((x) => x.lastName === "Yuan")?.affiliations).toHaveLength(2);
      expect(a.pubModel).toBe("Print-Electronic");
    });

    it("reads the pubmed_parser test article: comments, structured abstract with a subscript", async () => {
      const a = article(await parseFile("pubmed_29768149.xml"), 29768149);
      expect(a.title).toBe("Inhaled Combined Budesonide-Formoterol as Needed in Mild Asthma.");
      expect(a.abstract?.sections.map((s) => s.label)).toEqual([
        "BACKGROUND",
        "METHODS",
        "RESULTS",
        "CONCLUSIONS",
      ]);
      expect(a.abstract?.sections[0]!.text).toContain("fast-acting β 2-agonist");
      expect(a.commentsCorrections).toEqual([
        { refType: "CommentIn", refSource: "N Engl J Med. 2018 May 17;378(20):1940-1942", pmid: 29768146 },
        { refType: "CommentIn", refSource: "Ann Intern Med. 2018 Sep 18;169(6):JC31", pmid: 30242404 },
      ]);
    });
  },
);

describe("parsePubmed on constructed input", () => {
  const constructed = `<?xml version="1.0"?>
<PubmedArticleSet>
<PubmedArticle><MedlineCitation Status="PubMed-not-MEDLINE" Owner="NLM"><PMID Version="2">100</PMID>
<Article PubModel="Electronic"><Journal><JournalIssue><PubDate><MedlineDate>1998 Dec-1999 Jan</MedlineDate></PubDate></JournalIssue><Title>J</Title></Journal>
<ArticleTitle>Sub<sup>2</sup> and <b>bold</b></ArticleTitle>
<AuthorList><Author ValidYN="Y" EqualContrib="Y"><LastName>Doe</LastName><ForeName>Jane</ForeName><Suffix>Jr</Suffix>
<Identifier Source="ORCID">https://orcid.org/0000-0002-1825-009x</Identifier>
<AffiliationInfo><Affiliation>Lab A</Affiliation><Identifier Source="ROR">https://ror.org/05dq2gs74</Identifier></AffiliationInfo></Author>
<Author ValidYN="Y"><CollectiveName>The <i>Big</i> Consortium</CollectiveName></Author></AuthorList>
<Language>eng</Language><Language>fre</Language>
<DataBankList><DataBank><DataBankName>GEO</DataBankName><AccessionNumberList><AccessionNumber>GSE1</AccessionNumber><AccessionNumber>GSE2</AccessionNumber></AccessionNumberList></DataBank></DataBankList>
</Article></MedlineCitation>
<PubmedData><PublicationStatus>epublish</PublicationStatus><ArticleIdList><ArticleId IdType="pubmed">100</ArticleId></ArticleIdList>
<ReferenceList><Reference><Citation>Ref one.</Citation><ArticleIdList><ArticleId IdType="pubmed">5</ArticleId><ArticleId IdType="doi">10.1/x</ArticleId></ArticleIdList></Reference></ReferenceList>
</PubmedData></PubmedArticle>
<PubmedBookArticle><BookDocument><PMID Version="1">200</PMID><ArticleIdList><ArticleId IdType="bookaccession">NBK1</ArticleId></ArticleIdList>
<Book><Publisher><PublisherName>UW</PublisherName><PublisherLocation>Seattle (WA)</PublisherLocation></Publisher><BookTitle>GeneReviews<sup>®</sup></BookTitle></Book>
<ArticleTitle>Chapter title</ArticleTitle><Language>eng</Language><PublicationType UI="D016454">Review</PublicationType>
<Abstract><AbstractText>Book abstract.</AbstractText></Abstract></BookDocument>
<PubmedBookData><PublicationStatus>ppublish</PublicationStatus><ArticleIdList><ArticleId IdType="pubmed">200</ArticleId></ArticleIdList></PubmedBookData></PubmedBookArticle>
<DeleteCitation><PMID Version="1">300</PMID><PMID Version="1">301</PMID></DeleteCitation>
</PubmedArticleSet>`;

  it("reads ORCIDs, equal contribution, collective names, data banks, references, books and deletions", async () => {
    const records = await collect(text(constructed));
    expect(records.map((r) => `${r.kind}:${r.accession}`)).toEqual([
      "pubmed_article:100",
      "pubmed_article:200",
      "pubmed_deletion:300",
      "pubmed_deletion:301",
    ]);
    for (const r of records) pubmedRecordSchemas[r.kind].parse(r);
    const a = article(records, 100);
    expect(a.version).toBe(2);
    expect(a.title).toBe("Sub2 and bold");
    expect(a.journal?.pubDate).toEqual({
      year: 1998,
      month: 12,
      iso: "1998-12",
      medlineDate: "1998 Dec-1999 Jan",
    });
    expect(a.authors[0]).toMatchObject({
      lastName: "Doe",
      suffix: "Jr",
      equalContrib: true,
      orcid: "0000-0002-1825-009X",
      identifiers: [{ source: "ORCID", value: "0000-0002-1825-009X" }],
      affiliations: [{ name: "Lab A", identifiers: [{ source: "ROR", value: "https://ror.org/05dq2gs74" }] }],
    });
    expect(a.authors[1]).toMatchObject({ collectiveName: "The Big Consortium", equalContrib: false });
    expect(a.languages).toEqual(["eng", "fre"]);
    expect(a.dataBanks).toEqual([{ name: "GEO", accessions: ["GSE1", "GSE2"] }]);
    expect(a.references).toEqual([
      {
        citation: "Ref one.",
        articleIds: [
          { type: "pubmed", value: "5" },
          { type: "doi", value: "10.1/x" },
        ],
      },
    ]);
    const book = article(records, 200);
    expect(book.title).toBe("Chapter title");
    expect(book.book).toEqual({ title: "GeneReviews®", publisher: "UW", publisherLocation: "Seattle (WA)" });
    expect(book.publicationTypes).toEqual([{ name: "Review", ui: "D016454" }]);
    expect(book.abstract?.text).toBe("Book abstract.");
    expect(book.articleIds).toContainEqual({ type: "bookaccession", value: "NBK1" });
  });

  it("takes a MedlineDate's year, month, day or season from its start", () => {
    expect(medlineDateStart("1998 Dec-1999 Jan")).toEqual({ year: 1998, month: 12 });
    expect(medlineDateStart("2000 Spring")).toEqual({ year: 2000, season: "Spring" });
    expect(medlineDateStart("1999-2000")).toEqual({ year: 1999 });
    expect(medlineDateStart("2001 Jan-Feb")).toEqual({ year: 2001, month: 1 });
    expect(medlineDateStart("2000 Dec 23-30")).toEqual({ year: 2000, month: 12, day: 23 });
    expect(medlineDateStart("1977-1978 Winter")).toEqual({ year: 1977 });
    expect(medlineDateStart("2002 September-October")).toEqual({ year: 2002, month: 9 });
    expect(medlineDateStart("1989 Decade")).toEqual({ year: 1989 });
    expect(medlineDateStart("Summer")).toBeUndefined();
  });

  it("fills the date fields of a MedlineDate-only PubDate, keeping its text", async () => {
    const doc = (date: string): string =>
      `<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>7</PMID><Article><Journal><JournalIssue>` +
      `<PubDate><MedlineDate>${date}</MedlineDate></PubDate></JournalIssue></Journal></Article>` +
      `</MedlineCitation></PubmedArticle></PubmedArticleSet>`;
    const pubDate = async (date: string): Promise<unknown> =>
      article(await collect(text(doc(date))), 7).journal?.pubDate;
    expect(await pubDate("2000 Spring")).toEqual({
      year: 2000,
      season: "Spring",
      iso: "2000",
      medlineDate: "2000 Spring",
    });
    expect(await pubDate("1999-2000")).toEqual({ year: 1999, iso: "1999", medlineDate: "1999-2000" });
    expect(await pubDate("2000 Dec 23-30")).toEqual({
      year: 2000,
      month: 12,
      day: 23,
      iso: "2000-12-23",
      medlineDate: "2000 Dec 23-30",
    });
  });

  it("normalises ORCID forms to the bare id", () => {
    expect(normaliseOrcid("0000-0002-1825-0097")).toBe("0000-0002-1825-0097");
    expect(normaliseOrcid("http://orcid.org/0000-0002-1825-0097")).toBe("0000-0002-1825-0097");
    expect(normaliseOrcid("https://www.orcid.org/0000000218250097")).toBe("0000-0002-1825-0097");
    expect(normaliseOrcid("not an orcid")).toBeUndefined();
  });

  it("stops on truncated XML after yielding the complete articles", async () => {
    const cut = constructed.slice(0, constructed.indexOf("<PubmedBookArticle>") + 60);
    const seen: string[] = [];
    const error = await parseError(async () => {
      for await (const r of parsePubmed(text(cut), { file: "cut.xml" })) seen.push(r.accession);
    });
    expect(seen).toEqual(["100"]);
    expect(error.location.file).toBe("cut.xml");
    expect(error.message).toContain("cut.xml");
  });

  it("rejects a wrong root and empty input", async () => {
    const wrong = await parseError(() => collect(text("<BioSampleSet><BioSample/></BioSampleSet>")));
    expect(wrong.code).toBe("unexpected_root");
    expect(wrong.message).toContain("BioSampleSet");
    expect(await parseError(() => collect(text("")))).toBeInstanceOf(ParseError);
    expect((await parseError(() => collect(text("")))).code).toBe("empty_input");
  });

  it("rejects an article without a PMID", async () => {
    const error = await parseError(() =>
      collect(text("<PubmedArticleSet><PubmedArticle><MedlineCitation/></PubmedArticle></PubmedArticleSet>")),
    );
    expect(error.code).toBe("missing_element");
  });
});

describe("parsePubmed mixed content (inline markup and MathML in place)", () => {
  const doc = `<?xml version="1.0"?>
<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>6</PMID><Article>
<ArticleTitle><i>In vivo</i> uptake of CO<sub>2</sub> and <mml:math xmlns:mml="http://www.w3.org/1998/Math/MathML"><mml:msup><mml:mi>e</mml:mi><mml:mn>x</mml:mn></mml:msup></mml:math></ArticleTitle>
<Abstract>
<AbstractText Label="RESULTS">maximal oxygen uptake (<mml:math xmlns:mml="http://www.w3.org/1998/Math/MathML" id="M1"><mml:mrow><mml:msub><mml:mover accent="true"><mml:mi>V</mml:mi><mml:mo>˙</mml:mo></mml:mover><mml:mrow><mml:msub><mml:mi>O</mml:mi><mml:mn>2</mml:mn></mml:msub><mml:mi>max</mml:mi></mml:mrow></mml:msub></mml:mrow></mml:math>) 67.6 ml/kg, p<sub>trend</sub> &lt; 0.05
  and <b>bold <i>nested &amp; italic</i></b><sup>&#8224;</sup></AbstractText>
<AbstractText Label="CDATA"><u><![CDATA[a < b]]></u> ends <i>here</i></AbstractText>
</Abstract></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>`;

  it("folds inline elements into their parent's text where they stand, at every chunk size", async () => {
    for (const size of [1, 2, 7, 4096]) {
      const a = article(await collect(chunksOf(Buffer.from(doc), size)), 6);
      expect(a.title, `chunk ${size}`).toBe("In vivo uptake of CO2 and ex");
      expect(a.abstract?.sections, `chunk ${size}`).toEqual([
        {
          label: "RESULTS",
          text: "maximal oxygen uptake (V˙O2max) 67.6 ml/kg, ptrend < 0.05 and bold nested & italic†",
        },
        { label: "CDATA", text: "a < b ends here" },
      ]);
    }
  });

  it("reports a misnested inline tag at its byte offset", async () => {
    const bad = doc.replace("</i></b>", "</b></i>");
    const error = await parseError(() => collect(chunksOf(Buffer.from(bad), 3), "bad.xml"));
    expect(error.code).toBe("malformed_xml");
    expect(error.location.byteOffset).toBe(Buffer.from(bad).indexOf("</b></i>"));
    expect(error.message).toContain("bad.xml");
  });
});

describeMutatedFixtures("parsePubmed", ["pubmed_set_2articles_2025dtd.xml", "pubmed_29768149.xml"], {
  values: XML_MUTATION_BYTES,
  numRuns: 150,
  consume: async (input) => {
    for await (const r of parsePubmed(input)) pubmedRecordSchemas[r.kind].parse(r);
  },
});
