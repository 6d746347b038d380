import { z } from "zod";
import { timestampText } from "../parse/typed-text-schemas.js";

/*
 * One row of NCBI's `SRA_Accessions.tab` (sra/reports/Metadata): the status, visibility and dates of every SRA
 * object (submission, study, sample, experiment, run, analysis) and the accessions it is linked to. Upstream
 * writes `-` for an empty field; it becomes an absent field here. Dates are kept as NCBI writes them (ISO 8601
 * in UTC, `2016-12-14T16:12:25Z`) and marked as timestamps, so processing types them TIMESTAMP WITH TIME ZONE;
 * counts are whole numbers (BIGINT).
 */

export const sraAccessionsSchema = z
  .object({
    kind: z.literal("sra_accessions"),
    accession: z.string().describe("Accession: the SRA object (SRA…, SRP…, SRS…, SRX…, SRR…, SRZ…)"),
    submission: z.string().optional().describe("Submission: the submission that brought it (SRA…)"),
    status: z.string().optional().describe('Status: "live", "suppressed", "unpublished", "withdrawn", …'),
    updated: timestampText().optional().describe("Updated: last change, ISO 8601 UTC"),
    published: timestampText().optional().describe("Published: when it was made public, ISO 8601 UTC"),
    received: timestampText().optional().describe("Received: when NCBI received it, ISO 8601 UTC"),
    type: z.string().optional().describe("Type: SUBMISSION, STUDY, SAMPLE, EXPERIMENT, RUN, ANALYSIS"),
    center: z.string().optional().describe("Center: the submitting center"),
    visibility: z.string().optional().describe('Visibility: "public" or "controlled_access"'),
    alias: z.string().optional().describe("Alias: the submitter's name for the object"),
    experiment: z.string().optional().describe("Experiment accession linked to the object (SRX…)"),
    sample: z.string().optional().describe("Sample accession linked to the object (SRS…)"),
    study: z.string().optional().describe("Study accession linked to the object (SRP…)"),
    loaded: z.number().int().optional().describe("Loaded: 1 when the run's data is loaded"),
    spots: z.number().int().optional().describe("Spots of a run"),
    bases: z.number().int().optional().describe("Bases of a run"),
    md5sum: z.string().optional().describe("Md5sum of a run's .sra file"),
    biosample: z.string().optional().describe("BioSample accession (SAMN…)"),
    bioproject: z.string().optional().describe("BioProject accession (PRJNA…)"),
    replacedBy: z.string().optional().describe("ReplacedBy: the accession that replaces a withdrawn object"),
  })
  .readonly();

export type SraAccessionsRecord = z.infer<typeof sraAccessionsSchema>;

/** Record kind → zod schema. */
export const sraAccessionsRecordSchemas = { sra_accessions: sraAccessionsSchema } as const;
