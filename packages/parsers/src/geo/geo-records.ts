import { z } from "zod";

/**
 * Records produced from GEO SOFT text (acc.cgi responses, `*_family.soft` files, GDS SOFT files).
 * SOFT keys that have no dedicated field are kept in `other` (key without the entity prefix, lower-case),
 * so nothing a user may want to query is dropped.
 */

const isoDate = z.iso.date();

export const geoPersonNameSchema = z
  .object({
    first: z.string().optional(),
    middle: z.string().optional(),
    last: z.string().optional(),
  })
  .describe(
    'A person name from GEO\'s "first,middle,last" form, split on the first two commas only (",,Affymetrix, Inc." has the last name "Affymetrix, Inc.")',
  );

export const geoContactSchema = z
  .object({
    name: geoPersonNameSchema.optional(),
    email: z.string().optional(),
    phone: z.string().optional(),
    fax: z.string().optional(),
    laboratory: z.string().optional(),
    department: z.string().optional(),
    institute: z.string().optional(),
    address: z.string().optional(),
    city: z.string().optional(),
    state: z.string().optional(),
    zipPostalCode: z.string().optional(),
    country: z.string().optional(),
    webLink: z.string().optional(),
  })
  .describe('Submitter contact (`!<Entity>_contact_*`); a repeated contact key is joined with "; "');

export const geoRelationSchema = z
  .object({
    type: z
      .string()
      .describe(
        'Relation label in snake case: "sra", "bioproject", "biosample", "subseries_of", "superseries_of", "reanalyzed_by", …',
      ),
    label: z.string().describe('The label as written ("SubSeries of")'),
    target: z.string().describe("The text after the label (a URL or an accession)"),
    accession: z
      .string()
      .optional()
      .describe("The accession extracted from the target (SRP…, SRX…, PRJNA…, SAMN…, GSE…)"),
  })
  .describe("A `!<Entity>_relation` line");

export const geoTableSchema = z
  .object({
    columns: z
      .array(z.object({ name: z.string(), description: z.string().optional() }))
      .describe("Columns from the table header, described by the `#name = description` lines"),
    rowCount: z.number().int().describe("Data rows counted in the skipped table (header excluded)"),
  })
  .describe("A data table (`!<entity>_table_begin` … `_table_end`), skipped: only its shape is kept");

const other = z
  .record(z.string(), z.array(z.string()))
  .describe("SOFT keys without a dedicated field (key without entity prefix, lower-case) → their values");

const common = {
  accession: z.string().describe("GEO accession (GSE…, GSM…, GPL…, GDS…)"),
  title: z.string().optional(),
  status: z.string().optional().describe('Status word ("Public", "Private", …) from `_status`'),
  publicDate: isoDate.optional().describe('Date from "Public on Mon DD YYYY"'),
  submissionDate: isoDate.optional(),
  lastUpdateDate: isoDate.optional(),
  contact: geoContactSchema.optional(),
  supplementaryFiles: z.array(z.string()).describe("Supplementary file URLs (`NONE` dropped)"),
  relations: z.array(geoRelationSchema),
  webLinks: z.array(z.string()),
  other,
};

export const geoSeriesSchema = z.object({
  kind: z.literal("geo_series"),
  ...common,
  summary: z.string().optional().describe("Summary paragraphs joined with newlines"),
  overallDesign: z.string().optional().describe("Overall design paragraphs joined with newlines"),
  types: z.array(z.string()).describe('Series types ("Expression profiling by array", …)'),
  pubmedIds: z.array(z.number().int()),
  contributors: z.array(geoPersonNameSchema),
  sampleIds: z.array(z.string()),
  platformIds: z.array(z.string()),
  platformOrganisms: z.array(z.string()),
  platformTaxids: z.array(z.number().int()),
  sampleOrganisms: z.array(z.string()),
  sampleTaxids: z.array(z.number().int()),
  bioprojects: z.array(z.string()).describe("BioProject accessions from the relations"),
  sraStudies: z.array(z.string()).describe("SRA study accessions from the relations"),
  subSeriesOf: z.array(z.string()).describe("SuperSeries this series belongs to"),
  superSeriesOf: z.array(z.string()).describe("SubSeries this SuperSeries is composed of"),
});

export const geoChannelSchema = z
  .object({
    channel: z.number().int().describe("1-based channel number (`_ch1`, `_ch2`)"),
    sourceName: z.string().optional(),
    organisms: z.array(z.string()),
    taxids: z.array(z.number().int()),
    characteristics: z
      .array(z.object({ tag: z.string().optional(), value: z.string() }))
      .describe('`tag: value` pairs split on the first ": "; no tag when the line has none'),
    molecule: z.string().optional(),
    label: z.string().optional(),
    treatmentProtocol: z.array(z.string()),
    growthProtocol: z.array(z.string()),
    extractProtocol: z.array(z.string()),
    labelProtocol: z.array(z.string()),
    biomaterialProvider: z.array(z.string()),
    other: z.record(z.string(), z.array(z.string())).describe("Other per-channel keys (without `_chN`)"),
  })
  .describe("Per-channel sample fields (`!Sample_*_chN`)");

export const geoSampleSchema = z.object({
  kind: z.literal("geo_sample"),
  ...common,
  type: z.string().optional().describe('Sample type ("RNA", "SRA", …)'),
  channelCount: z.number().int().optional(),
  channels: z.array(geoChannelSchema),
  description: z.string().optional().describe("Description lines joined with newlines"),
  dataProcessing: z.array(z.string()),
  hybProtocol: z.array(z.string()),
  scanProtocol: z.array(z.string()),
  platformId: z.string().optional(),
  seriesIds: z.array(z.string()),
  instrumentModel: z.string().optional(),
  libraryStrategy: z.string().optional(),
  librarySource: z.string().optional(),
  librarySelection: z.string().optional(),
  biosamples: z.array(z.string()).describe("BioSample accessions from the relations"),
  sraExperiments: z.array(z.string()).describe("SRA experiment accessions from the relations"),
  dataRowCount: z.number().int().optional().describe("Row count declared by `_data_row_count`"),
  table: geoTableSchema.optional(),
});

export const geoPlatformSchema = z.object({
  kind: z.literal("geo_platform"),
  ...common,
  technology: z.string().optional(),
  distribution: z.string().optional(),
  organisms: z.array(z.string()),
  taxids: z.array(z.number().int()),
  manufacturer: z.string().optional(),
  manufactureProtocol: z.array(z.string()),
  description: z.string().optional().describe("Description lines joined with newlines"),
  catalogNumbers: z.array(z.string()),
  pubmedIds: z.array(z.number().int()),
  contributors: z.array(geoPersonNameSchema),
  sampleIds: z.array(z.string()),
  seriesIds: z.array(z.string()),
  dataRowCount: z.number().int().optional().describe("Row count declared by `_data_row_count`"),
  table: geoTableSchema.optional(),
});

export const geoDatasetSchema = z.object({
  kind: z.literal("geo_dataset"),
  accession: z.string().describe("GDS accession"),
  title: z.string().optional(),
  description: z.string().optional(),
  type: z.string().optional(),
  pubmedIds: z.array(z.number().int()),
  platform: z.string().optional(),
  platformOrganisms: z.array(z.string()),
  platformTechnologyType: z.string().optional(),
  featureCount: z.number().int().optional(),
  sampleOrganisms: z.array(z.string()),
  sampleType: z.string().optional(),
  channelCount: z.number().int().optional(),
  sampleCount: z.number().int().optional(),
  valueType: z.string().optional(),
  referenceSeries: z.array(z.string()),
  order: z.string().optional(),
  updateDate: isoDate.optional(),
  table: geoTableSchema.optional(),
  other,
});

export const geoSubsetSchema = z.object({
  kind: z.literal("geo_subset"),
  accession: z.string().describe("Subset id (GDS507_1)"),
  datasetId: z.string().optional(),
  description: z.string().optional(),
  type: z.string().optional().describe('Subset type ("disease state", "agent", …)'),
  sampleIds: z.array(z.string()),
  other,
});

export type GeoPersonName = z.infer<typeof geoPersonNameSchema>;
export type GeoContact = z.infer<typeof geoContactSchema>;
export type GeoRelation = z.infer<typeof geoRelationSchema>;
export type GeoTable = z.infer<typeof geoTableSchema>;
export type GeoChannel = z.infer<typeof geoChannelSchema>;
export type GeoSeries = z.infer<typeof geoSeriesSchema>;
export type GeoSample = z.infer<typeof geoSampleSchema>;
export type GeoPlatform = z.infer<typeof geoPlatformSchema>;
export type GeoDataset = z.infer<typeof geoDatasetSchema>;
export type GeoSubset = z.infer<typeof geoSubsetSchema>;
export type GeoRecord = GeoSeries | GeoSample | GeoPlatform | GeoDataset | GeoSubset;

/** Record kind → zod schema, for validation and for generating JSON Schemas. */
export const geoRecordSchemas = {
  geo_series: geoSeriesSchema,
  geo_sample: geoSampleSchema,
  geo_platform: geoPlatformSchema,
  geo_dataset: geoDatasetSchema,
  geo_subset: geoSubsetSchema,
} as const;
