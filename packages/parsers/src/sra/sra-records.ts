import { z } from "zod";
import { timestampText } from "../parse/typed-text-schemas.js";

/*
 * Record shapes of SRA metadata (STUDY, SAMPLE, EXPERIMENT, RUN, SUBMISSION). Field names are camelCase like
 * the other parsers; numbers are numbers; dates are ISO 8601 strings (SRA gives "YYYY-MM-DD HH:MM:SS" with no
 * zone, kept zone-less as "YYYY-MM-DDTHH:MM:SS"). Lists are always present (empty when absent) so Parquet
 * columns have one type; scalars are optional.
 */

const list = <T extends z.ZodType>(item: T) => z.array(item).readonly();

export const sraIdentifiersSchema = z
  .object({
    primary: z.string().optional().describe("IDENTIFIERS/PRIMARY_ID"),
    secondary: list(z.string()).describe("IDENTIFIERS/SECONDARY_ID"),
    external: list(
      z
        .object({ namespace: z.string().optional(), label: z.string().optional(), value: z.string() })
        .readonly(),
    ).describe("IDENTIFIERS/EXTERNAL_ID (BioSample, BioProject, GEO, …)"),
    submitter: list(
      z
        .object({ namespace: z.string().optional(), label: z.string().optional(), value: z.string() })
        .readonly(),
    ).describe("IDENTIFIERS/SUBMITTER_ID (namespace: the submitter's name for its own ids)"),
    uuid: list(z.string()).describe("IDENTIFIERS/UUID"),
  })
  .readonly();

export const sraAttributeSchema = z
  .object({ tag: z.string(), value: z.string().optional(), units: z.string().optional() })
  .readonly()
  .describe("*_ATTRIBUTES/*_ATTRIBUTE TAG/VALUE/UNITS");

export const sraXrefLinkSchema = z
  .object({
    db: z.string(),
    id: z.string().optional(),
    label: z.string().optional(),
    query: z.string().optional(),
  })
  .readonly()
  .describe("XREF_LINK or ENTREZ_LINK (db, id, label; ENTREZ_LINK may carry a query instead of an id)");

export const sraUrlLinkSchema = z
  .object({ label: z.string().optional(), url: z.string() })
  .readonly()
  .describe("URL_LINK");

/** Ids promoted out of identifiers, links and attributes so users can join on them directly. */
const promotedIds = {
  geoAccession: z
    .string()
    .optional()
    .describe("GEO accession (GSE for studies, GSM for samples and experiments)"),
  biosample: z.string().optional().describe("BioSample accession (SAMN/SAME/SAMD…)"),
  bioproject: z.string().optional().describe("BioProject accession (PRJNA/PRJEB/PRJDB…)"),
  pubmedIds: list(z.number().int()).describe("PubMed ids from links and external ids"),
};

const common = {
  accession: z.string().describe("Primary SRA/ENA/DDBJ accession"),
  alias: z.string().optional().describe("Submitter's alias"),
  centerName: z.string().optional(),
  brokerName: z.string().optional(),
  identifiers: sraIdentifiersSchema,
  attributes: list(sraAttributeSchema),
  xrefLinks: list(sraXrefLinkSchema),
  urlLinks: list(sraUrlLinkSchema),
};

export const sraStudySchema = z
  .object({
    kind: z.literal("sra_study"),
    ...common,
    ...promotedIds,
    title: z.string().optional().describe("DESCRIPTOR/STUDY_TITLE"),
    studyType: z.string().optional().describe("STUDY_TYPE existing_study_type (new_study_type when Other)"),
    abstract: z.string().optional(),
    description: z.string().optional(),
    centerProjectName: z.string().optional(),
    relatedStudies: list(
      z.object({ db: z.string(), id: z.string().optional(), isPrimary: z.boolean().optional() }).readonly(),
    ),
  })
  .readonly();

export const sraSampleSchema = z
  .object({
    kind: z.literal("sra_sample"),
    ...common,
    ...promotedIds,
    title: z.string().optional(),
    description: z.string().optional(),
    taxonId: z.number().int().optional().describe("SAMPLE_NAME/TAXON_ID"),
    scientificName: z.string().optional(),
    commonName: z.string().optional(),
    anonymizedName: z.string().optional(),
    individualName: z.string().optional(),
  })
  .readonly();

export const sraReadSpecSchema = z
  .object({
    index: z.number().int().optional(),
    label: z.string().optional(),
    readClass: z.string().optional().describe("READ_CLASS (Application Read, Technical Read)"),
    readType: z.string().optional().describe("READ_TYPE (Forward, Reverse, BarCode, …)"),
    baseCoord: z.number().int().optional(),
  })
  .readonly()
  .describe("SPOT_DESCRIPTOR/SPOT_DECODE_SPEC/READ_SPEC");

export const sraLibrarySchema = z
  .object({
    name: z.string().optional(),
    strategy: z.string().optional(),
    source: z.string().optional(),
    selection: z.string().optional(),
    layout: z.enum(["SINGLE", "PAIRED"]).optional(),
    nominalLength: z.number().optional().describe("PAIRED NOMINAL_LENGTH"),
    nominalSdev: z.number().optional().describe("PAIRED NOMINAL_SDEV"),
    orientation: z.string().optional().describe("PAIRED ORIENTATION (5'3'-3'5', …), as given"),
    poolingStrategy: z.string().optional().describe("POOLING_STRATEGY (multiplexed, …)"),
    constructionProtocol: z.string().optional(),
  })
  .readonly()
  .describe("DESIGN/LIBRARY_DESCRIPTOR");

export const sraPlatformFieldSchema = z
  .object({
    name: z.string().describe("Element path under the platform element: INSTRUMENT_MODEL, FLOW_SEQUENCE, …"),
    value: z.string().optional(),
  })
  .readonly()
  .describe("A child of the PLATFORM's platform element, nested ones by path (COLOR_MATRIX/COLOR)");

export const sraExperimentSchema = z
  .object({
    kind: z.literal("sra_experiment"),
    ...common,
    ...promotedIds,
    title: z.string().optional(),
    studyAccession: z.string().optional().describe("STUDY_REF accession"),
    studyRefname: z.string().optional(),
    sampleAccession: z.string().optional().describe("DESIGN/SAMPLE_DESCRIPTOR accession"),
    sampleRefname: z.string().optional(),
    designDescription: z.string().optional(),
    library: sraLibrarySchema,
    platform: z.string().optional().describe("PLATFORM child element (ILLUMINA, OXFORD_NANOPORE, …)"),
    instrumentModel: z.string().optional(),
    platformFields: list(sraPlatformFieldSchema).describe(
      "Every child of the platform element, INSTRUMENT_MODEL included, in document order",
    ),
    spotLength: z.number().int().optional(),
    readSpecs: list(sraReadSpecSchema),
    submissionAccession: z.string().optional().describe("SUBMISSION of the EXPERIMENT_PACKAGE (efetch only)"),
  })
  .readonly();

export const sraFileAlternativeSchema = z
  .object({
    url: z.string().optional(),
    org: z.string().optional().describe("NCBI, AWS, GCP"),
    freeEgress: z.string().optional(),
    accessType: z.string().optional(),
  })
  .readonly();

export const sraFileSchema = z
  .object({
    filename: z.string().optional(),
    url: z.string().optional(),
    size: z.number().int().optional(),
    date: timestampText().optional(),
    md5: z.string().optional(),
    semanticName: z.string().optional(),
    supertype: z.string().optional(),
    sratoolkit: z.string().optional(),
    cluster: z.string().optional(),
    attributes: z.record(z.string(), z.string()).describe("Every attribute of the SRAFile element, as given"),
    alternatives: list(sraFileAlternativeSchema),
  })
  .readonly()
  .describe("SRAFiles/SRAFile");

export const sraTaxonSchema = z
  .object({
    taxId: z.number().int(),
    name: z.string().optional(),
    rank: z.string().optional(),
    parentTaxId: z.number().int().optional(),
    depth: z.number().int().describe("0 for top-level taxa"),
    selfCount: z.number().int().optional(),
    totalCount: z.number().int().optional(),
  })
  .readonly();

export const sraTaxAnalysisSchema = z
  .object({
    analyzedSpotCount: z.number().int().optional(),
    totalSpotCount: z.number().int().optional(),
    identifiedSpotCount: z.number().int().optional(),
    parserVersion: z.string().optional(),
    taxa: list(sraTaxonSchema).describe(
      "The taxon tree flattened depth-first (parentTaxId/depth keep the shape)",
    ),
    truncated: z.boolean().describe("True when the tree had more than the kept number of taxa"),
  })
  .readonly();

export const sraPoolMemberSchema = z
  .object({
    accession: z.string().optional(),
    memberName: z.string().optional(),
    sampleName: z.string().optional(),
    sampleTitle: z.string().optional(),
    spots: z.number().int().optional(),
    bases: z.number().int().optional(),
    taxId: z.number().int().optional(),
    organism: z.string().optional(),
    biosample: z.string().optional(),
  })
  .readonly()
  .describe("Pool/Member");

export const sraRunSchema = z
  .object({
    kind: z.literal("sra_run"),
    ...common,
    ...promotedIds,
    title: z.string().optional(),
    experimentAccession: z.string().optional().describe("EXPERIMENT_REF accession"),
    experimentRefname: z.string().optional(),
    studyAccession: z.string().optional().describe("From the EXPERIMENT_PACKAGE (efetch only)"),
    sampleAccession: z.string().optional().describe("From the pool or the package's experiment"),
    submissionAccession: z.string().optional(),
    runCenter: z.string().optional(),
    runDate: timestampText().optional(),
    totalSpots: z.number().int().optional(),
    totalBases: z.number().int().optional(),
    size: z.number().int().optional().describe("Bytes of the .sra file"),
    published: timestampText().optional(),
    loadDone: z.boolean().optional(),
    isPublic: z.boolean().optional(),
    clusterName: z.string().optional(),
    staticDataAvailable: z.boolean().optional(),
    assembly: z.string().optional(),
    platform: z.string().optional(),
    instrumentModel: z.string().optional(),
    platformFields: list(sraPlatformFieldSchema).describe(
      "Every child of the run's platform element (the package experiment's when the run has none)",
    ),
    spotLength: z.number().int().optional(),
    readSpecs: list(sraReadSpecSchema),
    nreads: z.number().int().optional().describe("Statistics nreads"),
    nspots: z.number().int().optional(),
    reads: list(
      z
        .object({
          index: z.number().int(),
          count: z.number().int().optional(),
          average: z.number().optional(),
          stdev: z.number().optional(),
        })
        .readonly(),
    ).describe("Statistics/Read: per-read counts, average length and its standard deviation"),
    baseCount: z.number().int().optional().describe("Bases count"),
    baseCounts: list(z.object({ base: z.string(), count: z.number().int() }).readonly()).describe(
      "Bases/Base",
    ),
    csNative: z.boolean().optional(),
    qualityCounts: list(z.object({ value: z.number().int(), count: z.number().int() }).readonly()).describe(
      "QualityCount histogram",
    ),
    poolMembers: list(sraPoolMemberSchema),
    files: list(sraFileSchema),
    cloudFiles: list(
      z
        .object({
          filetype: z.string().optional(),
          provider: z.string().optional(),
          location: z.string().optional(),
        })
        .readonly(),
    ),
    taxAnalysis: sraTaxAnalysisSchema.optional(),
  })
  .readonly();

export const sraOrganizationSchema = z
  .object({
    type: z.string().optional(),
    name: z.string().optional(),
    abbr: z.string().optional(),
    contacts: list(
      z
        .object({
          email: z.string().optional(),
          firstName: z.string().optional(),
          lastName: z.string().optional(),
        })
        .readonly(),
    ),
  })
  .readonly()
  .describe("EXPERIMENT_PACKAGE/Organization (the submitting organization)");

export const sraSubmissionSchema = z
  .object({
    kind: z.literal("sra_submission"),
    ...common,
    title: z.string().optional(),
    labName: z.string().optional(),
    submissionComment: z.string().optional(),
    submissionDate: timestampText().optional(),
    organization: sraOrganizationSchema.optional(),
  })
  .readonly();

export const sraRecordSchema = z.discriminatedUnion("kind", [
  sraStudySchema,
  sraSampleSchema,
  sraExperimentSchema,
  sraRunSchema,
  sraSubmissionSchema,
]);

export type SraIdentifiers = z.infer<typeof sraIdentifiersSchema>;
export type SraAttribute = z.infer<typeof sraAttributeSchema>;
export type SraXrefLink = z.infer<typeof sraXrefLinkSchema>;
export type SraUrlLink = z.infer<typeof sraUrlLinkSchema>;
export type SraReadSpec = z.infer<typeof sraReadSpecSchema>;
export type SraLibrary = z.infer<typeof sraLibrarySchema>;
export type SraPlatformField = z.infer<typeof sraPlatformFieldSchema>;
export type SraFile = z.infer<typeof sraFileSchema>;
export type SraTaxon = z.infer<typeof sraTaxonSchema>;
export type SraTaxAnalysis = z.infer<typeof sraTaxAnalysisSchema>;
export type SraPoolMember = z.infer<typeof sraPoolMemberSchema>;
export type SraOrganization = z.infer<typeof sraOrganizationSchema>;
export type SraStudy = z.infer<typeof sraStudySchema>;
export type SraSample = z.infer<typeof sraSampleSchema>;
export type SraExperiment = z.infer<typeof sraExperimentSchema>;
export type SraRun = z.infer<typeof sraRunSchema>;
export type SraSubmission = z.infer<typeof sraSubmissionSchema>;
export type SraRecord = z.infer<typeof sraRecordSchema>;

/** Record kind → zod schema. */
export const sraRecordSchemas = {
  sra_study: sraStudySchema,
  sra_sample: sraSampleSchema,
  sra_experiment: sraExperimentSchema,
  sra_run: sraRunSchema,
  sra_submission: sraSubmissionSchema,
} as const;
