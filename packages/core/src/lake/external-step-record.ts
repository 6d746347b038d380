import { z } from "zod";
import { ValidationError } from "../errors/omicslake-error.js";
import { LAYERS } from "../object-store/layer.js";
import type { ExternalStep } from "./external-step.js";

const datasetRef = z
  .union([
    z.number().int().positive().max(2_147_483_647),
    z.string().min(1).max(600),
    z.object({ name: z.string().min(1).max(512), layer: z.enum(LAYERS) }).strict(),
  ])
  .describe("Dataset id, name, `layer:name`, or `{name, layer}`");

/**
 * An external step as a client sends it (the body of POST /v1/provenance, the file of
 * `omicslake provenance record`): one schema, so the API and the CLI accept exactly the same records.
 */
export const externalStepRecordSchema = z
  .object({
    tool: z
      .object({
        name: z
          .string()
          .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$/, "a tool name: letters, digits, . _ + -, at most 100")
          .meta({ example: "fastqc" }),
        version: z.string().min(1).max(100).meta({ example: "0.12.1" }),
      })
      .strict(),
    parameters: z.record(z.string().max(200), z.unknown()).optional(),
    inputs: z.array(datasetRef).max(1000).default([]),
    outputs: z.array(datasetRef).min(1).max(1000),
    started_at: z.iso.datetime({ offset: true }),
    finished_at: z.iso.datetime({ offset: true }),
    status: z.enum(["succeeded", "failed"]),
    log: z.string().max(1_000_000).optional(),
    external_id: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .describe("The client's id for this step: recording it again returns the first record"),
  })
  .strict();

export type ExternalStepRecord = z.infer<typeof externalStepRecordSchema>;

/** The library's form of a checked record. */
export function externalStepFromRecord(record: ExternalStepRecord): ExternalStep {
  return {
    tool: record.tool,
    ...(record.parameters !== undefined ? { parameters: record.parameters } : {}),
    inputs: record.inputs,
    outputs: record.outputs,
    startedAt: new Date(record.started_at),
    finishedAt: new Date(record.finished_at),
    status: record.status,
    ...(record.log !== undefined ? { log: record.log } : {}),
    ...(record.external_id !== undefined ? { externalId: record.external_id } : {}),
  };
}

/** Checks a parsed JSON record; the error names every field that is wrong and where the record came from. */
export function parseExternalStepRecord(value: unknown, origin: string): ExternalStep {
  const parsed = externalStepRecordSchema.safeParse(value);
  if (parsed.success) return externalStepFromRecord(parsed.data);
  const problems = parsed.error.issues.map(
    (issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(record)"}: ${issue.message}`,
  );
  throw new ValidationError(`${origin} is not a valid provenance record: ${problems.join("; ")}`, {
    details: { origin, problems },
    hint: "The record has tool {name, version}, inputs, outputs, started_at, finished_at, status, and optionally parameters, log, external_id",
  });
}
