import { readFile, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { ValidationError, parseExternalStepRecord } from "@omicslake/core";
import type { Command } from "commander";
import { cliIo } from "../cli-io.js";
import { noteAuditTarget } from "../command-audit.js";
import { withLake, type GlobalOptions } from "../context.js";

/** The largest record file read: a record is small JSON, its log the only long part. */
const MAX_RECORD_BYTES = 2 * 1024 * 1024;

export function registerProvenance(program: Command): void {
  const provenance = program
    .command("provenance")
    .description("record steps run outside the lake (FastQC, nf-core) in the lineage");

  provenance
    .command("record")
    .description(
      "record an external step from a JSON file with the body of POST /v1/provenance (tool, parameters, inputs, outputs, started_at, finished_at, status, log, external_id)",
    )
    .requiredOption("--json-file <file>", "the record as JSON")
    .action(async (options: { jsonFile: string }, command: Command) => {
      const file = resolve(cliIo().cwd, options.jsonFile);
      const step = parseExternalStepRecord(parseJson(await readRecord(file), file), file);
      await withLake(command.optsWithGlobals<GlobalOptions>(), async (lake, out) => {
        const result = await lake.recordExternalStep(step);
        // Named as POST /v1/provenance names its entry, so one audit filter finds the step either way.
        const outputs = [
          ...new Set(result.run.outputs.flatMap((io) => (io.datasetId === undefined ? [] : [io.datasetId]))),
        ];
        const output = outputs.length === 1 ? await lake.dataset(outputs[0]!) : null;
        noteAuditTarget({
          dataset: output ? `${output.layer}:${output.name}` : null,
          details: { run: result.run.id, outputs, replayed: result.replayed },
        });
        out.data(
          result,
          () =>
            `${result.replayed ? "Already recorded" : "Recorded"} run ${result.run.id} (${result.run.step}, ${result.run.status}) with ${result.edges.length} lineage ${result.edges.length === 1 ? "edge" : "edges"}`,
        );
      });
    });
}

async function readRecord(file: string): Promise<string> {
  let text: string | undefined;
  try {
    // The size first: a wrong file given by mistake (a BAM, a FASTQ) must not be read into memory whole.
    if ((await stat(file)).size <= MAX_RECORD_BYTES) text = await readFile(file, "utf8");
  } catch (cause) {
    throw new ValidationError(`cannot read ${file}`, { details: { file }, hint: "Check the path", cause });
  }
  if (text === undefined || Buffer.byteLength(text) > MAX_RECORD_BYTES) {
    throw new ValidationError(`${file} is larger than ${MAX_RECORD_BYTES} bytes`, {
      details: { file },
      hint: "Shorten the log: a record holds the step's summary, not its full output",
    });
  }
  return text;
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new ValidationError(`${file} is not valid JSON`, { details: { file }, cause });
  }
}
