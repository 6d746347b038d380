import { ParseError } from "../errors/parse-error.js";
import { readXmlRecords, type XmlParseOptions } from "../xml/xml-record-reader.js";
import { textsOf, type XmlNode } from "../xml/xml-node.js";
import { allAt, child, childrenNamed, compact, flatText, textAt } from "./pubmed-node-access.js";
import type {
  PubmedArticle,
  PubmedArticleId,
  PubmedAuthor,
  PubmedDate,
  PubmedDeletion,
  PubmedIdentifier,
  PubmedRecord,
} from "./pubmed-records.js";

export type PubmedParseOptions = XmlParseOptions;

const RECORDS = ["PubmedArticle", "PubmedBookArticle", "DeleteCitation"];
// efetch for a single id sometimes returns a bare PubmedArticle root.
const ROOTS = ["PubmedArticleSet", "PubmedArticle", "PubmedBookArticle"];
/**
 * The DTD's inline markup (`%text;`: b, i, sup, sub, u) and the formulas allowed beside it in titles and
 * abstracts (MathML, with or without its `mml:` prefix, and DispFormula): folded into the text where they stand.
 */
const INLINE = ["b", "i", "sup", "sub", "u", "mml:math", "math", "DispFormula"];

const MONTHS: Readonly<Record<string, number>> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};

function attr(node: XmlNode | undefined, name: string): string | undefined {
  const v = node?.attrs[name]?.trim();
  return v === undefined || v === "" ? undefined : v;
}

function int(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text.trim())) return undefined;
  return Number(text.trim());
}

function yes(node: XmlNode | undefined, name: string): boolean {
  return attr(node, name) === "Y";
}

function month(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = int(text);
  if (n !== undefined) return n >= 1 && n <= 12 ? n : undefined;
  return MONTHS[text.trim().slice(0, 3).toLowerCase()];
}

const pad = (n: number): string => String(n).padStart(2, "0");

const SEASONS: ReadonlySet<string> = new Set(["spring", "summer", "autumn", "fall", "winter"]);
/** The first year of a MedlineDate, then what directly follows it: a month (with a day) or a season. */
const MEDLINE_DATE = /(?:^|[^\d])([12]\d{3})(?![\d])(?:\s+([A-Za-z]+)\.?(?:\s+(\d{1,2})(?![\d:]))?)?/;

/** A month name ("Dec", "December") or undefined; unlike `month`, "Spring" or "Decade" are not months. */
function monthName(word: string): number | undefined {
  const m = MONTHS[word.slice(0, 3).toLowerCase()];
  if (m === undefined) return undefined;
  return word.length === 3 || FULL_MONTHS[m - 1] === word.toLowerCase() ? m : undefined;
}
const FULL_MONTHS = [
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
];

/**
 * The start of a free-text MedlineDate, which journals give for ranges and seasons: "1998 Dec-1999 Jan" is
 * 1998-12, "2000 Dec 23-30" 2000-12-23, "2000 Spring" 2000 (season Spring), "1999-2000" 1999.
 */
export function medlineDateStart(
  text: string,
): { year: number; month?: number; day?: number; season?: string } | undefined {
  const m = MEDLINE_DATE.exec(text);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const word = m[2];
  if (word === undefined) return { year };
  const mon = monthName(word);
  if (mon !== undefined) {
    const day = m[3] === undefined ? undefined : Number(m[3]);
    return day !== undefined && day >= 1 && day <= 31 ? { year, month: mon, day } : { year, month: mon };
  }
  if (SEASONS.has(word.toLowerCase())) return { year, season: word };
  return { year };
}

export function pubmedDate(node: XmlNode | undefined): PubmedDate | undefined {
  if (node === undefined) return undefined;
  const medlineDate = textAt(node, "MedlineDate");
  // Structured elements when present; otherwise the start of the MedlineDate (its text is kept as well).
  const start =
    medlineDate !== undefined && child(node, "Year") === undefined
      ? medlineDateStart(medlineDate)
      : undefined;
  const year = start?.year ?? int(textAt(node, "Year"));
  const m = start?.month ?? month(textAt(node, "Month"));
  const day = start?.day ?? int(textAt(node, "Day"));
  let iso: string | undefined;
  if (year !== undefined) {
    iso = String(year);
    if (m !== undefined) {
      iso += `-${pad(m)}`;
      if (day !== undefined) iso += `-${pad(day)}`;
    }
  }
  const date = compact<PubmedDate>({
    year,
    month: m,
    day,
    hour: int(textAt(node, "Hour")),
    minute: int(textAt(node, "Minute")),
    season: start?.season ?? textAt(node, "Season"),
    medlineDate,
    iso,
  });
  return Object.keys(date).length === 0 ? undefined : date;
}

/** ORCID ids come as bare ids, URLs (http/https, with or without www) or 16 digits; all become `0000-0000-0000-000X`. */
export function normaliseOrcid(text: string): string | undefined {
  const m = /(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dXx])\s*$/.exec(text.trim());
  return m === null ? undefined : `${m[1]}-${m[2]}-${m[3]}-${m[4]!.toUpperCase()}`;
}

function identifiers(node: XmlNode): PubmedIdentifier[] {
  const out: PubmedIdentifier[] = [];
  for (const id of childrenNamed(node, "Identifier")) {
    const raw = textAt(id);
    if (raw === undefined) continue;
    const source = attr(id, "Source") ?? "";
    const value = source.toUpperCase() === "ORCID" ? (normaliseOrcid(raw) ?? raw) : raw;
    out.push({ source, value });
  }
  return out;
}

function author(node: XmlNode): PubmedAuthor {
  const ids = identifiers(node);
  return compact<PubmedAuthor>({
    lastName: textAt(node, "LastName"),
    foreName: textAt(node, "ForeName"),
    initials: textAt(node, "Initials"),
    suffix: textAt(node, "Suffix"),
    collectiveName: flatText(child(node, "CollectiveName")),
    valid: attr(node, "ValidYN") !== "N",
    equalContrib: yes(node, "EqualContrib"),
    orcid: ids.find((i) => i.source.toUpperCase() === "ORCID")?.value,
    identifiers: ids,
    affiliations: childrenNamed(node, "AffiliationInfo").flatMap((a) => {
      const name = flatText(child(a, "Affiliation"));
      return name === undefined ? [] : [{ name, identifiers: identifiers(a) }];
    }),
  });
}

function articleIds(list: XmlNode | undefined): PubmedArticleId[] {
  if (list === undefined) return [];
  return childrenNamed(list, "ArticleId").flatMap((id) => {
    const value = textAt(id);
    return value === undefined ? [] : [{ type: attr(id, "IdType") ?? "unknown", value }];
  });
}

function abstract(node: XmlNode | undefined): PubmedArticle["abstract"] {
  if (node === undefined) return undefined;
  const sections = childrenNamed(node, "AbstractText").flatMap((s) => {
    const text = flatText(s);
    return text === undefined
      ? []
      : [compact({ label: attr(s, "Label"), nlmCategory: attr(s, "NlmCategory"), text })];
  });
  const copyright = flatText(child(node, "CopyrightInformation"));
  if (sections.length === 0 && copyright === undefined) return undefined;
  return compact({
    text: sections.map((s) => (s.label !== undefined ? `${s.label}: ${s.text}` : s.text)).join("\n"),
    sections,
    copyright,
  });
}

/** The non-empty flattened texts of `nodes` (inline markup folded in). */
const names = (nodes: readonly XmlNode[]): string[] => textsOf(nodes, flatText);

function pmidOf(node: XmlNode | undefined): { pmid: number; version: number } | undefined {
  const pmid = int(node && textAt(node));
  if (pmid === undefined) return undefined;
  return { pmid, version: int(attr(node, "Version")) ?? 1 };
}

function missing(what: string, location: { file?: string; byteOffset?: number }, record: string): ParseError {
  return new ParseError(
    "missing_element",
    `PubMed ${record} has no ${what}`,
    { ...location, record },
    {
      hint: "Check that the file is PubMed XML (baseline/update files or efetch db=pubmed retmode=xml)",
    },
  );
}

function articleFromXml(node: XmlNode, location: { file?: string; byteOffset?: number }): PubmedArticle {
  const isBook = node.name === "PubmedBookArticle";
  const citation = child(node, isBook ? "BookDocument" : "MedlineCitation");
  const data = child(node, isBook ? "PubmedBookData" : "PubmedData");
  const id = pmidOf(citation && child(citation, "PMID"));
  if (citation === undefined || id === undefined)
    throw missing(isBook ? "BookDocument/PMID" : "MedlineCitation/PMID", location, node.name);
  // Books keep article-level elements directly under BookDocument.
  const article = isBook ? citation : child(citation, "Article");
  const journal = article && child(article, "Journal");
  const issue = journal && child(journal, "JournalIssue");
  const issn = journal && child(journal, "ISSN");
  const info = child(citation, "MedlineJournalInfo");
  const book = isBook ? child(citation, "Book") : undefined;
  const ids = [
    ...articleIds(data && child(data, "ArticleIdList")),
    ...(isBook ? articleIds(child(citation, "ArticleIdList")) : []),
  ];
  const pagination = article && child(article, "Pagination");
  const pubTypes = article
    ? [
        ...allAt(article, "PublicationTypeList/PublicationType"),
        ...(isBook ? childrenNamed(article, "PublicationType") : []),
      ]
    : [];
  return compact<PubmedArticle>({
    kind: "pubmed_article",
    accession: String(id.pmid),
    pmid: id.pmid,
    version: id.version,
    status: attr(citation, "Status"),
    owner: attr(citation, "Owner"),
    indexingMethod: attr(citation, "IndexingMethod"),
    dateCompleted: pubmedDate(child(citation, "DateCompleted"))?.iso,
    dateRevised: pubmedDate(child(citation, "DateRevised"))?.iso,
    title: flatText(article && child(article, "ArticleTitle")) ?? flatText(book && child(book, "BookTitle")),
    vernacularTitle: flatText(article && child(article, "VernacularTitle")),
    abstract: abstract(article && child(article, "Abstract")),
    otherAbstracts: childrenNamed(citation, "OtherAbstract").flatMap((a) => {
      const text = names(childrenNamed(a, "AbstractText")).join("\n");
      return text === "" ? [] : [compact({ type: attr(a, "Type"), language: attr(a, "Language"), text })];
    }),
    journal:
      journal === undefined
        ? undefined
        : compact({
            title: textAt(journal, "Title"),
            isoAbbreviation: textAt(journal, "ISOAbbreviation"),
            issn: issn && textAt(issn),
            issnType: attr(issn, "IssnType"),
            issnLinking: info && textAt(info, "ISSNLinking"),
            nlmUniqueId: info && textAt(info, "NlmUniqueID"),
            medlineTa: info && textAt(info, "MedlineTA"),
            country: info && textAt(info, "Country"),
            volume: issue && textAt(issue, "Volume"),
            issue: issue && textAt(issue, "Issue"),
            citedMedium: attr(issue, "CitedMedium"),
            pubDate: pubmedDate(issue && child(issue, "PubDate")),
          }),
    pubModel: attr(article, "PubModel"),
    articleDates: article
      ? childrenNamed(article, "ArticleDate").flatMap((d) => {
          const date = pubmedDate(d);
          return date === undefined ? [] : [compact({ type: attr(d, "DateType"), date })];
        })
      : [],
    history: data
      ? allAt(data, "History/PubMedPubDate").flatMap((d) => {
          const date = pubmedDate(d);
          return date === undefined ? [] : [{ status: attr(d, "PubStatus") ?? "unknown", date }];
        })
      : [],
    publicationStatus: data && textAt(data, "PublicationStatus"),
    pagination:
      pagination === undefined
        ? undefined
        : compact({
            start: textAt(pagination, "StartPage"),
            end: textAt(pagination, "EndPage"),
            medline: textAt(pagination, "MedlinePgn"),
          }),
    elocationIds: article
      ? childrenNamed(article, "ELocationID").flatMap((e) => {
          const value = textAt(e);
          return value === undefined
            ? []
            : [compact({ type: attr(e, "EIdType"), valid: attr(e, "ValidYN") !== "N", value })];
        })
      : [],
    languages: article ? names(childrenNamed(article, "Language")) : [],
    authors: article
      ? childrenNamed(article, "AuthorList")
          .filter((l) => attr(l, "Type") !== "editors")
          .flatMap((l) => childrenNamed(l, "Author").map(author))
      : [],
    authorListComplete:
      article && child(article, "AuthorList")
        ? attr(child(article, "AuthorList"), "CompleteYN") !== "N"
        : undefined,
    meshHeadings: allAt(citation, "MeshHeadingList/MeshHeading").flatMap((h) => {
      const d = child(h, "DescriptorName");
      const descriptor = flatText(d);
      if (descriptor === undefined) return [];
      return [
        compact({
          descriptor,
          descriptorUi: attr(d, "UI"),
          majorTopic: yes(d, "MajorTopicYN"),
          type: attr(d, "Type"),
          qualifiers: childrenNamed(h, "QualifierName").flatMap((q) => {
            const name = flatText(q);
            return name === undefined
              ? []
              : [compact({ name, ui: attr(q, "UI"), majorTopic: yes(q, "MajorTopicYN") })];
          }),
        }),
      ];
    }),
    publicationTypes: pubTypes.flatMap((p) => {
      const name = flatText(p);
      return name === undefined ? [] : [compact({ name, ui: attr(p, "UI") })];
    }),
    chemicals: allAt(citation, "ChemicalList/Chemical").flatMap((c) => {
      const substance = child(c, "NameOfSubstance");
      const name = flatText(substance);
      return name === undefined
        ? []
        : [compact({ registryNumber: textAt(c, "RegistryNumber"), name, ui: attr(substance, "UI") })];
    }),
    keywords: childrenNamed(citation, "KeywordList").flatMap((list) =>
      childrenNamed(list, "Keyword").flatMap((k) => {
        const keyword = flatText(k);
        return keyword === undefined
          ? []
          : [compact({ owner: attr(list, "Owner"), keyword, majorTopic: yes(k, "MajorTopicYN") })];
      }),
    ),
    grants: article
      ? allAt(article, "GrantList/Grant").map((g) =>
          compact({
            grantId: textAt(g, "GrantID"),
            acronym: textAt(g, "Acronym"),
            agency: textAt(g, "Agency"),
            country: textAt(g, "Country"),
          }),
        )
      : [],
    dataBanks: article
      ? allAt(article, "DataBankList/DataBank").flatMap((b) => {
          const name = textAt(b, "DataBankName");
          return name === undefined
            ? []
            : [{ name, accessions: names(allAt(b, "AccessionNumberList/AccessionNumber")) }];
        })
      : [],
    articleIds: ids,
    doi: ids.find((i) => i.type === "doi")?.value,
    pmc: ids.find((i) => i.type === "pmc")?.value,
    references: data
      ? [
          ...allAt(data, "ReferenceList/Reference"),
          ...allAt(data, "ReferenceList/ReferenceList/Reference"),
        ].map((r) =>
          compact({
            citation: flatText(child(r, "Citation")),
            articleIds: articleIds(child(r, "ArticleIdList")),
          }),
        )
      : [],
    commentsCorrections: allAt(citation, "CommentsCorrectionsList/CommentsCorrections").map((c) =>
      compact({
        refType: attr(c, "RefType") ?? "unknown",
        refSource: flatText(child(c, "RefSource")),
        pmid: int(textAt(c, "PMID")),
        note: flatText(child(c, "Note")),
      }),
    ),
    citationSubsets: names(childrenNamed(citation, "CitationSubset")),
    otherIds: childrenNamed(citation, "OtherID").flatMap((o) => {
      const value = textAt(o);
      return value === undefined ? [] : [compact({ source: attr(o, "Source"), value })];
    }),
    numberOfReferences: int(textAt(citation, "NumberOfReferences")),
    book:
      book === undefined
        ? undefined
        : compact({
            title: flatText(child(book, "BookTitle")),
            publisher: textAt(book, "Publisher/PublisherName"),
            publisherLocation: textAt(book, "Publisher/PublisherLocation"),
            collectionTitle: flatText(child(book, "CollectionTitle")),
          }),
  });
}

function deletionsFromXml(node: XmlNode): PubmedDeletion[] {
  return childrenNamed(node, "PMID").flatMap((p) => {
    const id = pmidOf(p);
    return id === undefined
      ? []
      : [{ kind: "pubmed_deletion" as const, accession: String(id.pmid), pmid: id.pmid }];
  });
}

/** Turns one `PubmedArticle`, `PubmedBookArticle` or `DeleteCitation` element into records. */
export function pubmedRecordsFromXml(
  node: XmlNode,
  location: { file?: string; byteOffset?: number } = {},
): PubmedRecord[] {
  if (node.name === "DeleteCitation") return deletionsFromXml(node);
  return [articleFromXml(node, location)];
}

/**
 * Streams PubMed XML (`pubmed25nNNNN.xml` baseline/update files, efetch output) into `pubmed_article`
 * records and, for `DeleteCitation`, one `pubmed_deletion` per PMID. Inline formatting and MathML in titles
 * and abstracts become text where they stand.
 *
 * @example
 * for await (const r of parsePubmed(fs.createReadStream("pubmed25n0001.xml"))) if (r.kind === "pubmed_article") console.log(r.pmid, r.title);
 */
export async function* parsePubmed(
  input: AsyncIterable<Uint8Array>,
  options: PubmedParseOptions = {},
): AsyncGenerator<PubmedRecord> {
  const records = readXmlRecords(input, { ...options, records: RECORDS, roots: ROOTS, inline: INLINE });
  for await (const { node, byteOffset } of records) {
    yield* pubmedRecordsFromXml(node, { file: options.file, byteOffset });
  }
}
