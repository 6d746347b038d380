import { z } from "zod";
import { dateText } from "../parse/typed-text-schemas.js";

const yn = z.boolean();

export const pubmedDateSchema = z
  .object({
    year: z
      .number()
      .int()
      .optional()
      .describe(
        "Year; for a MedlineDate, the year it starts in (year, month, day, season and iso describe its start)",
      ),
    month: z.number().int().optional().describe("1–12 (month names and numbers both normalised)"),
    day: z.number().int().optional(),
    hour: z.number().int().optional(),
    minute: z.number().int().optional(),
    season: z.string().optional(),
    medlineDate: z
      .string()
      .optional()
      .describe(
        'Free-text date when the journal gives no structured one ("1998 Dec-1999 Jan", kept as given; its start, 1998-12, fills year, month and iso)',
      ),
    iso: z.string().optional().describe("YYYY, YYYY-MM or YYYY-MM-DD, as precise as the source"),
  })
  .describe("A PubMed date");

export const pubmedIdentifierSchema = z.object({
  source: z.string().describe('"ORCID", "GRID", "ISNI", "RINGGOLD", …'),
  value: z.string().describe("ORCID ids are normalised to the bare 0000-0000-0000-000X form"),
});

export const pubmedAuthorSchema = z.object({
  lastName: z.string().optional(),
  foreName: z.string().optional(),
  initials: z.string().optional(),
  suffix: z.string().optional(),
  collectiveName: z.string().optional(),
  valid: yn.describe("ValidYN"),
  equalContrib: yn.describe("EqualContrib"),
  orcid: z.string().optional().describe("Bare ORCID id"),
  identifiers: z.array(pubmedIdentifierSchema),
  affiliations: z.array(z.object({ name: z.string(), identifiers: z.array(pubmedIdentifierSchema) })),
});

export const pubmedArticleIdSchema = z.object({
  type: z.string().describe('IdType: "pubmed", "doi", "pmc", "pii", "mid", …'),
  value: z.string(),
});

export const pubmedArticleSchema = z.object({
  kind: z.literal("pubmed_article"),
  accession: z.string().describe("PMID as a string"),
  pmid: z.number().int(),
  version: z.number().int().describe("PMID Version (1 unless the citation was versioned)"),
  status: z.string().optional().describe('MedlineCitation Status ("MEDLINE", "PubMed-not-MEDLINE", …)'),
  owner: z.string().optional(),
  indexingMethod: z.string().optional(),
  dateCompleted: dateText().optional().describe("ISO date"),
  dateRevised: dateText().optional().describe("ISO date"),
  title: z
    .string()
    .optional()
    .describe("ArticleTitle (BookTitle for books); inline markup and MathML become text where they stand"),
  vernacularTitle: z.string().optional(),
  abstract: z
    .object({
      text: z.string().describe("Sections joined, each prefixed by its label"),
      sections: z.array(
        z.object({ label: z.string().optional(), nlmCategory: z.string().optional(), text: z.string() }),
      ),
      copyright: z.string().optional(),
    })
    .optional(),
  otherAbstracts: z.array(
    z.object({ type: z.string().optional(), language: z.string().optional(), text: z.string() }),
  ),
  journal: z
    .object({
      title: z.string().optional(),
      isoAbbreviation: z.string().optional(),
      issn: z.string().optional(),
      issnType: z.string().optional().describe('"Print" or "Electronic"'),
      issnLinking: z.string().optional(),
      nlmUniqueId: z.string().optional(),
      medlineTa: z.string().optional(),
      country: z.string().optional(),
      volume: z.string().optional(),
      issue: z.string().optional(),
      citedMedium: z.string().optional(),
      pubDate: pubmedDateSchema.optional(),
    })
    .optional(),
  pubModel: z.string().optional(),
  articleDates: z.array(z.object({ type: z.string().optional(), date: pubmedDateSchema })),
  history: z
    .array(z.object({ status: z.string(), date: pubmedDateSchema }))
    .describe('PubMedPubDate entries: "received", "accepted", "pubmed", "medline", "entrez", …'),
  publicationStatus: z.string().optional(),
  pagination: z
    .object({ start: z.string().optional(), end: z.string().optional(), medline: z.string().optional() })
    .optional(),
  elocationIds: z.array(z.object({ type: z.string().optional(), valid: yn, value: z.string() })),
  languages: z.array(z.string()),
  authors: z.array(pubmedAuthorSchema),
  authorListComplete: yn.optional(),
  meshHeadings: z.array(
    z.object({
      descriptor: z.string(),
      descriptorUi: z.string().optional(),
      majorTopic: yn,
      type: z.string().optional().describe('Descriptor Type ("Geographic")'),
      qualifiers: z.array(z.object({ name: z.string(), ui: z.string().optional(), majorTopic: yn })),
    }),
  ),
  publicationTypes: z.array(z.object({ name: z.string(), ui: z.string().optional() })),
  chemicals: z.array(
    z.object({ registryNumber: z.string().optional(), name: z.string(), ui: z.string().optional() }),
  ),
  keywords: z.array(z.object({ owner: z.string().optional(), keyword: z.string(), majorTopic: yn })),
  grants: z.array(
    z.object({
      grantId: z.string().optional(),
      acronym: z.string().optional(),
      agency: z.string().optional(),
      country: z.string().optional(),
    }),
  ),
  dataBanks: z
    .array(z.object({ name: z.string(), accessions: z.array(z.string()) }))
    .describe("DataBankList: linked GEO, ClinicalTrials.gov, … accessions"),
  articleIds: z.array(pubmedArticleIdSchema),
  doi: z.string().optional(),
  pmc: z.string().optional(),
  references: z.array(
    z.object({ citation: z.string().optional(), articleIds: z.array(pubmedArticleIdSchema) }),
  ),
  commentsCorrections: z.array(
    z.object({
      refType: z.string(),
      refSource: z.string().optional(),
      pmid: z.number().int().optional(),
      note: z.string().optional(),
    }),
  ),
  citationSubsets: z.array(z.string()),
  otherIds: z.array(z.object({ source: z.string().optional(), value: z.string() })),
  numberOfReferences: z.number().int().optional(),
  book: z
    .object({
      title: z.string().optional(),
      publisher: z.string().optional(),
      publisherLocation: z.string().optional(),
      collectionTitle: z.string().optional(),
    })
    .optional()
    .describe("PubmedBookArticle: the book; absent for journal articles"),
});

export const pubmedDeletionSchema = z
  .object({
    kind: z.literal("pubmed_deletion"),
    accession: z.string().describe("PMID as a string"),
    pmid: z.number().int(),
  })
  .describe("A DeleteCitation entry: this PMID must be removed by consolidation");

export type PubmedDate = z.infer<typeof pubmedDateSchema>;
export type PubmedIdentifier = z.infer<typeof pubmedIdentifierSchema>;
export type PubmedAuthor = z.infer<typeof pubmedAuthorSchema>;
export type PubmedArticleId = z.infer<typeof pubmedArticleIdSchema>;
export type PubmedArticle = z.infer<typeof pubmedArticleSchema>;
export type PubmedDeletion = z.infer<typeof pubmedDeletionSchema>;
export type PubmedRecord = PubmedArticle | PubmedDeletion;

/** Record kind → zod schema. */
export const pubmedRecordSchemas = {
  pubmed_article: pubmedArticleSchema,
  pubmed_deletion: pubmedDeletionSchema,
} as const;
