import { z } from "zod";

/**
 * Records produced from GenBank flat files (`.gb`, `.gbk`, `.gbff`, release `.seq` files): one record per
 * `LOCUS … //` entry. Only a summary of the feature table is kept (counts, CDS products, locus tags), so a
 * record's size does not grow with its sequence unless the sequence is asked for.
 */

export const genbankReferenceSchema = z
  .object({
    number: z.number().int().describe("The reference number after `REFERENCE`"),
    bases: z
      .string()
      .optional()
      .describe('What the reference covers, as written: "bases 1 to 9609", "sites"'),
    authors: z.string().optional().describe("`AUTHORS`, continuation lines joined with spaces"),
    consortium: z.string().optional().describe("`CONSRTM`"),
    title: z.string().optional(),
    journal: z.string().optional(),
    pubmed: z.number().int().optional().describe("PubMed id from `PUBMED`"),
  })
  .describe("A `REFERENCE` block");

export const genbankDblinkSchema = z
  .object({
    database: z.string().describe('"BioProject", "BioSample", "Sequence Read Archive", …'),
    id: z.string(),
  })
  .describe("One cross-reference from `DBLINK`");

export const genbankFeatureSummarySchema = z
  .object({
    counts: z
      .record(z.string(), z.number().int())
      .describe('Number of features per feature key ("source", "gene", "CDS", …)'),
    cdsProducts: z
      .array(z.string())
      .describe("The `/product` of each CDS that has one, in file order (not deduplicated)"),
    locusTags: z
      .array(z.string())
      .describe("Distinct `/locus_tag` values of all features, in order of first appearance"),
  })
  .describe("A summary of the `FEATURES` table; locations and other qualifiers are not kept");

export const genbankRecordSchema = z.object({
  kind: z.literal("genbank_record"),
  accession: z
    .string()
    .describe("Primary accession (first word of `ACCESSION`); the LOCUS name when the entry has none"),
  secondaryAccessions: z.array(z.string()).describe("The other words of `ACCESSION`"),
  version: z.string().optional().describe('Accession.version from `VERSION` ("NC_005816.1")'),
  locus: z.string().describe("The LOCUS name"),
  length: z.number().int().describe("Sequence length from the LOCUS line"),
  lengthUnit: z.enum(["bp", "aa", "rc"]).describe('"bp" for nucleotides, "aa" for proteins'),
  molecule: z
    .string()
    .optional()
    .describe(
      'Molecule type from the LOCUS line without its strandedness prefix: "DNA", "RNA", "mRNA", "rRNA", "cRNA", …',
    ),
  strandedness: z
    .enum(["ss", "ds", "ms"])
    .optional()
    .describe('The `ss-`/`ds-`/`ms-` prefix of the molecule type, when written ("ss-RNA" → "ss")'),
  topology: z.enum(["linear", "circular"]).optional(),
  division: z.string().optional().describe('GenBank division: "BCT", "PLN", "PRI", "CON", …'),
  date: z.iso.date().optional().describe('Date on the LOCUS line, ISO ("26-JUL-2016" → "2016-07-26")'),
  definition: z.string().optional().describe("`DEFINITION`, continuation lines joined with spaces"),
  keywords: z
    .array(z.string())
    .describe('`KEYWORDS` split on ";", the final "." removed; empty when the line is just "."'),
  dblink: z.array(genbankDblinkSchema),
  bioprojects: z.array(z.string()).describe("BioProject accessions from `DBLINK`"),
  biosamples: z.array(z.string()).describe("BioSample accessions from `DBLINK`"),
  source: z.string().optional().describe("`SOURCE` (common name)"),
  organism: z
    .string()
    .optional()
    .describe("Scientific name: the `ORGANISM` line, with its continuation when the name wraps"),
  taxonomy: z
    .array(z.string())
    .describe('Lineage from the `ORGANISM` continuation lines, split on ";", the final "." removed'),
  taxid: z
    .number()
    .int()
    .optional()
    .describe('NCBI Taxonomy id from the `source` feature\'s `/db_xref="taxon:…"`'),
  references: z.array(genbankReferenceSchema),
  features: genbankFeatureSummarySchema,
  sequence: z
    .string()
    .optional()
    .describe(
      "The `ORIGIN` sequence, letters as written in the file (GenBank writes lower case), only with the withSequence option; absent for entries without ORIGIN (CONTIG-only records)",
    ),
});

export type GenbankReference = z.infer<typeof genbankReferenceSchema>;
export type GenbankDblink = z.infer<typeof genbankDblinkSchema>;
export type GenbankFeatureSummary = z.infer<typeof genbankFeatureSummarySchema>;
export type GenbankRecord = z.infer<typeof genbankRecordSchema>;

/** Record kind → zod schema, for validation and for generating JSON Schemas. */
export const genbankRecordSchemas = {
  genbank_record: genbankRecordSchema,
} as const;
