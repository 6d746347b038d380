import { createHash } from "node:crypto";
import type { ExternalRunResult } from "../catalog/catalog-types.js";
import { NotFoundError, OmicslakeError, ValidationError } from "../errors/omicslake-error.js";
import type { Layer } from "../object-store/layer.js";
import type { DatasetRef, Lake } from "./lake.js";

/** A dataset an external step read or wrote: its id, `name` or `layer:name`, or `{ name, layer }`. */
export type ExternalDatasetRef = number | string | { readonly name: string; readonly layer: Layer };

/** A step run outside the lake, as a tool or pipeline reports it. */
export interface ExternalStep {
  readonly tool: { readonly name: string; readonly version: string };
  readonly parameters?: Record<string, unknown>;
  readonly inputs: readonly ExternalDatasetRef[];
  /** At least one: the datasets whose lineage the step extends. */
  readonly outputs: readonly ExternalDatasetRef[];
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly status: "succeeded" | "failed";
  readonly log?: string;
  /** The client's id for this step; recording the same id again returns the first record. */
  readonly externalId?: string;
}

/**
 * Records an external step as a finished run `external:<tool>` with an `external` edge from every
 * input to every output (from outside the lake when it has no input). Every named dataset must exist:
 * otherwise nothing is written and the error lists all that do not (`details.missing`). A step that
 * finished before it started is refused. With an external id or an idempotency key, a retry of the
 * same record returns the first run (`replayed`) instead of recording a second.
 *
 * @example await lake.recordExternalStep({ tool: { name: "fastqc", version: "0.12.1" }, inputs: ["raw:reads"],
 *   outputs: ["processed:reads-qc"], startedAt, finishedAt, status: "succeeded" }, { idempotencyKey })
 */
export async function recordExternalStep(
  lake: Lake,
  step: ExternalStep,
  options: { idempotencyKey?: string } = {},
): Promise<ExternalRunResult> {
  if (step.outputs.length === 0) {
    throw new ValidationError("an external step needs at least one output dataset", {
      hint: "Name the dataset(s) the step wrote in outputs; lineage is recorded on them",
    });
  }
  if (!(step.finishedAt.getTime() >= step.startedAt.getTime())) {
    throw new OmicslakeError(
      "invalid_time_range",
      `the step finished (${step.finishedAt.toISOString()}) before it started (${step.startedAt.toISOString()})`,
      {
        details: { started_at: step.startedAt.toISOString(), finished_at: step.finishedAt.toISOString() },
        hint: "Send started_at no later than finished_at",
      },
    );
  }
  if (
    step.externalId !== undefined &&
    options.idempotencyKey !== undefined &&
    step.externalId !== options.idempotencyKey
  ) {
    throw new ValidationError("external_id and the Idempotency-Key header differ", {
      details: { external_id: step.externalId, idempotency_key: options.idempotencyKey },
      hint: "Send one of them, or the same value in both",
    });
  }
  // The record as the client sent it (datasets as named, not as resolved), so a retry is recognised
  // even after a dataset it names was deleted or renamed meanwhile.
  const key = step.externalId ?? options.idempotencyKey ?? null;
  const requestSha256 = createHash("sha256")
    .update(
      stableJson({
        tool: step.tool,
        parameters: step.parameters ?? {},
        inputs: step.inputs.map(label),
        outputs: step.outputs.map(label),
        startedAt: step.startedAt.toISOString(),
        finishedAt: step.finishedAt.toISOString(),
        status: step.status,
        log: step.log ?? "",
      }),
    )
    .digest("hex");
  if (key !== null) {
    const earlier = await lake.catalog.replayExternalRun(key, requestSha256);
    if (earlier) return earlier;
  }
  const missing: string[] = [];
  const resolve = async (refs: readonly ExternalDatasetRef[]): Promise<number[]> => {
    const ids: number[] = [];
    for (const ref of refs) {
      try {
        ids.push((await lake.dataset(toDatasetRef(ref))).id);
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
        missing.push(label(ref));
      }
    }
    return ids;
  };
  const inputIds = await resolve(step.inputs);
  const outputIds = await resolve(step.outputs);
  if (missing.length > 0) {
    throw new OmicslakeError(
      "missing_datasets",
      `${missing.length === 1 ? "dataset" : "datasets"} ${missing.join(", ")} ${missing.length === 1 ? "does" : "do"} not exist`,
      {
        details: { missing },
        hint: 'Create or add them first ("omicslake catalog ls" lists datasets), then record the step again',
      },
    );
  }
  const both = inputIds.filter((id) => outputIds.includes(id));
  if (both.length > 0) {
    throw new ValidationError(`dataset ${both.join(", ")} cannot be both an input and an output of a step`, {
      details: { datasets: both },
      hint: "A step that rewrites a dataset in place adds objects to it; record a step from its inputs only",
    });
  }
  const inputs = [...new Set(inputIds)];
  const outputs = [...new Set(outputIds)];
  return lake.catalog.recordExternalRun({
    step: `external:${step.tool.name}`,
    toolVersions: { [step.tool.name]: step.tool.version },
    parameters: step.parameters ?? {},
    inputDatasetIds: inputs,
    outputDatasetIds: outputs,
    startedAt: step.startedAt,
    finishedAt: step.finishedAt,
    status: step.status,
    log: step.log ?? "",
    externalKey: key,
    requestSha256,
  });
}

function toDatasetRef(ref: ExternalDatasetRef): DatasetRef {
  return typeof ref === "object" ? `${ref.layer}:${ref.name}` : ref;
}

function label(ref: ExternalDatasetRef): string {
  return typeof ref === "object" ? `${ref.layer}:${ref.name}` : String(ref);
}

/** JSON with object keys sorted, so the same record always hashes the same. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
