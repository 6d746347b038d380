import { z } from "zod";
import { dateText, timestampText } from "../parse/typed-text-schemas.js";

export const bioprojectOrganismSchema = z
  .object({
    name: z.string().optional().describe("OrganismName"),
    taxid: z.number().int().optional().describe("taxID attribute"),
    species: z.number().int().optional().describe("species attribute (species-level taxid)"),
    label: z.string().optional(),
    strain: z.string().optional(),
    isolateName: z.string().optional(),
    breed: z.string().optional(),
    cultivar: z.string().optional(),
    supergroup: z.string().optional().describe('"eEukaryotes", "eBacteria", …'),
    organization: z.string().optional().describe('"eMulticellular", "eUnicellular", …'),
    reproduction: z.string().optional(),
    genomeSize: z.object({ value: z.number(), units: z.string().optional() }).optional(),
  })
  .describe("Target organism of the project");

export const bioprojectTypeSchema = z
  .object({
    kind: z
      .string()
      .describe(
        'Element name: "ProjectTypeSubmission", "ProjectTypeTopAdmin", "ProjectTypeTopSingleOrganism"',
      ),
    subtype: z.string().optional().describe("subtype attribute of top-level projects"),
    targetCapture: z.string().optional(),
    targetMaterial: z.string().optional(),
    targetSampleScope: z.string().optional(),
    targetDescription: z.string().optional(),
    provider: z.string().optional(),
    method: z.string().optional().describe("Method method_type"),
    methodDescription: z.string().optional(),
    objectives: z.array(z.string()).describe("Objectives/Data data_type values (the intent)"),
    intendedDataTypes: z.array(z.string()),
  })
  .describe("Project type, target, method and objectives");

export const bioprojectPublicationSchema = z.object({
  id: z.string().optional().describe("id attribute (a PubMed id, DOI or other, per dbType)"),
  pubmedId: z.number().int().optional(),
  doi: z.string().optional(),
  dbType: z.string().optional().describe('"ePubmed", "eDOI", "ePMC", "eNotAvailable"'),
  date: timestampText().optional(),
  status: z.string().optional(),
  reference: z.string().optional(),
  title: z.string().optional().describe("StructuredCitation title when given"),
  journal: z.string().optional(),
  year: z.number().int().optional(),
});

export const bioprojectExternalLinkSchema = z.object({
  label: z.string().optional(),
  category: z.string().optional(),
  url: z.string().optional(),
  db: z.string().optional().describe("dbXREF db"),
  id: z.string().optional().describe("dbXREF ID"),
});

export const bioprojectLocusTagPrefixSchema = z.object({
  prefix: z.string(),
  biosampleId: z.string().optional(),
  assemblyId: z.string().optional(),
});

export const bioprojectGrantSchema = z.object({
  id: z.string().optional().describe("GrantId attribute"),
  title: z.string().optional(),
  agency: z.string().optional(),
  agencyAbbr: z.string().optional(),
});

export const bioprojectOrganizationSchema = z.object({
  name: z.string().optional(),
  abbr: z.string().optional(),
  role: z.string().optional(),
  type: z.string().optional(),
  url: z.string().optional(),
});

export const bioprojectLinkSchema = z
  .object({
    type: z.enum(["peer", "hierarchical"]),
    accession: z
      .string()
      .optional()
      .describe("The other project (MemberID) for peers; the parent for hierarchical links"),
    id: z.number().int().optional(),
    memberAccession: z.string().optional().describe("Hierarchical links: the child project"),
    level: z.string().optional().describe('Hierarchical type ("TopAdmin", …) or peer CommonInputData'),
  })
  .describe("ProjectLinks/Link");

export const bioprojectSchema = z.object({
  kind: z.literal("bioproject"),
  accession: z.string().describe("PRJNA…/PRJEB…/PRJDB…"),
  id: z.number().int().optional().describe("Archive id (numeric uid)"),
  archive: z.string().optional().describe('"NCBI", "EBI", "DDBJ"'),
  centerIds: z
    .array(z.object({ center: z.string().optional(), id: z.string() }))
    .describe("CenterID (GEO series, …)"),
  localIds: z.array(z.string()),
  name: z.string().optional(),
  title: z.string().optional(),
  description: z.string().optional().describe("ProjectDescr/Description (may contain escaped HTML)"),
  type: bioprojectTypeSchema.optional(),
  dataTypes: z.array(z.string()).describe("ProjectDataTypeSet/DataType"),
  organism: bioprojectOrganismSchema.optional(),
  publications: z.array(bioprojectPublicationSchema),
  pubmedIds: z.array(z.number().int()),
  externalLinks: z.array(bioprojectExternalLinkSchema),
  locusTagPrefixes: z.array(bioprojectLocusTagPrefixSchema),
  grants: z.array(bioprojectGrantSchema),
  relevance: z
    .array(z.object({ area: z.string(), value: z.string() }))
    .describe('Relevance flags ("Medical: yes")'),
  keywords: z.array(z.string()),
  releaseDate: timestampText().optional().describe("ProjectReleaseDate as given (ISO date-time)"),
  submissionId: z.string().optional(),
  submitted: dateText().optional().describe("Submission submitted date"),
  lastUpdate: dateText().optional(),
  organizations: z.array(bioprojectOrganizationSchema).describe("Submitter organizations"),
  submitterOrganization: z
    .string()
    .optional()
    .describe("Name of the organization with role owner (else the first)"),
  access: z.string().optional(),
  links: z.array(bioprojectLinkSchema),
});

export type BioprojectOrganism = z.infer<typeof bioprojectOrganismSchema>;
export type BioprojectType = z.infer<typeof bioprojectTypeSchema>;
export type BioprojectPublication = z.infer<typeof bioprojectPublicationSchema>;
export type BioprojectExternalLink = z.infer<typeof bioprojectExternalLinkSchema>;
export type BioprojectGrant = z.infer<typeof bioprojectGrantSchema>;
export type BioprojectOrganization = z.infer<typeof bioprojectOrganizationSchema>;
export type BioprojectLink = z.infer<typeof bioprojectLinkSchema>;
export type BioprojectRecord = z.infer<typeof bioprojectSchema>;

/** Record kind → zod schema. */
export const bioprojectRecordSchemas = { bioproject: bioprojectSchema } as const;
