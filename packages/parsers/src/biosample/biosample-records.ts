import { z } from "zod";
import { timestampText } from "../parse/typed-text-schemas.js";

/*
 * BioSample records (`biosample_set.xml.gz`, efetch db=biosample). camelCase fields, dates as ISO 8601 as
 * NCBI gives them (zone-less), lists always present.
 */

const list = <T extends z.ZodType>(item: T) => z.array(item).readonly();

export const biosampleIdSchema = z
  .object({
    db: z.string().optional().describe('Id db ("BioSample", "SRA", "GEO", "dbGaP", a submitter name)'),
    dbLabel: z.string().optional().describe('db_label ("Sample name")'),
    isPrimary: z.boolean().optional(),
    isHidden: z.boolean().optional(),
    value: z.string(),
  })
  .readonly();

export const biosampleAttributeSchema = z
  .object({
    attributeName: z.string().describe("attribute_name as submitted"),
    harmonizedName: z.string().optional().describe("NCBI harmonized name (e.g. dev_stage)"),
    displayName: z.string().optional(),
    unit: z.string().optional(),
    value: z.string().optional(),
  })
  .readonly();

export const biosampleLinkSchema = z
  .object({
    type: z.string().optional().describe('"url" or "entrez"'),
    target: z.string().optional().describe("Entrez database of an entrez link (bioproject, …)"),
    label: z.string().optional(),
    url: z.string().optional().describe("For url links"),
    value: z.string().optional().describe("Link text: the URL or the Entrez id"),
  })
  .readonly();

export const biosampleContactSchema = z
  .object({
    email: z.string().optional(),
    firstName: z.string().optional(),
    lastName: z.string().optional(),
    lab: z.string().optional(),
  })
  .readonly();

export const biosampleSchema = z
  .object({
    kind: z.literal("biosample"),
    accession: z.string().describe("SAMN…/SAME…/SAMD…"),
    id: z.number().int().optional().describe("Numeric uid"),
    access: z.string().optional().describe('"public" or "controlled-access"'),
    isReference: z
      .string()
      .optional()
      .describe('is_reference of the BioSample element ("yes" on reference samples), as given'),
    submissionDate: timestampText().optional(),
    lastUpdate: timestampText().optional(),
    publicationDate: timestampText().optional(),
    ids: list(biosampleIdSchema),
    title: z.string().optional(),
    description: z.string().optional().describe("Description/Comment paragraphs, joined by blank lines"),
    organismName: z.string().optional(),
    taxonomyId: z.number().int().optional(),
    attributes: list(biosampleAttributeSchema),
    links: list(biosampleLinkSchema),
    models: list(z.string()),
    package: z.string().optional().describe('Package name ("Generic.1.0")'),
    packageDisplayName: z.string().optional(),
    ownerName: z.string().optional(),
    ownerAbbreviation: z.string().optional(),
    contacts: list(biosampleContactSchema),
    status: z.string().optional().describe('"live", "suppressed", …'),
    statusDate: timestampText().optional().describe("Status when"),
    sraAccession: z.string().optional().describe("SRA sample (SRS/ERS/DRS) from Ids"),
    geoAccession: z.string().optional().describe("GEO sample (GSM) from Ids"),
    dbgapSampleId: z.string().optional().describe("dbGaP Id value"),
    dbgapStudy: z
      .string()
      .optional()
      .describe("dbGaP study accession (phs…) from the gap_accession attribute"),
    bioprojects: list(z.string()).describe("BioProject accessions from entrez links"),
  })
  .readonly();

export type BiosampleId = z.infer<typeof biosampleIdSchema>;
export type BiosampleAttribute = z.infer<typeof biosampleAttributeSchema>;
export type BiosampleLink = z.infer<typeof biosampleLinkSchema>;
export type BiosampleContact = z.infer<typeof biosampleContactSchema>;
export type BiosampleRecord = z.infer<typeof biosampleSchema>;

/** Record kind → zod schema. */
export const biosampleRecordSchemas = { biosample: biosampleSchema } as const;
