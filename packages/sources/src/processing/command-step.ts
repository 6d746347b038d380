import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, readdir, rm } from "node:fs/promises";
import { basename, join, relative } from "node:path";
import { pipeline } from "node:stream/promises";
import {
  CancelledError,
  cancellation,
  type CatalogObject,
  type Dataset,
  type ItemRunOutput,
  type ItemRunRecord,
  type Lake,
  type ResolvedDataset,
  type ResolvedStep,
  type StepOptions,
} from "@omicslake/core";
import type { DataItem } from "../items/data-item.js";
import type { ProcessConfig } from "./dataset-items.js";
import { errorMessage, ProcessingError, type ItemFailure } from "./processing-error.js";
import { fillCommand, runShell, shellQuote } from "./shell-command.js";

export type CommandStep = Extract<ResolvedStep, { kind: "command" }>;

/** What a command step did over a dataset's items. */
export interface CommandStepResult {
  readonly ran: number;
  readonly skipped: number;
  readonly failures: readonly ItemFailure[];
}

export interface CommandStepOptions extends StepOptions {
  /** Items run at once. */
  readonly jobs: number;
  /** Run items whose inputs are unchanged too. */
  readonly force?: boolean;
  readonly log?: (line: string) => void;
}

/** The processed dataset a command step writes: `<section>.<step>`. */
export function stepDatasetName(step: { readonly section: string; readonly name: string }): string {
  return `${step.section}.${step.name}`;
}

/** One input file of an item's command: a lake object, and the name it gets in the work directory. */
interface StepInputFile {
  readonly object: CatalogObject;
  readonly name: string;
  readonly mate?: 1 | 2;
}

/**
 * Runs a command step on every item of a dataset, `jobs` at a time. Each item is one run
 * (`command:<section>.<step>`) in a work directory of its own under `<lake root>/work/<run id>/`: its
 * inputs are read back from the lake verified, the command runs under `/bin/sh`, and on success every file
 * it wrote is stored in processed `<section>.<step>` under the item's subdir, replacing that item's
 * previous outputs. A failing command leaves them as they were. An item whose inputs and command are
 * those of its last successful run, with that run's outputs still in the lake, is skipped.
 */
export async function runCommandStep(
  lake: Lake,
  config: ProcessConfig,
  dataset: ResolvedDataset,
  step: CommandStep,
  items: readonly DataItem[],
  options: CommandStepOptions,
): Promise<CommandStepResult> {
  // Nothing is created for a dataset that has no items yet (a feed before its first ingest).
  if (items.length === 0) return { ran: 0, skipped: 0, failures: [] };
  const raw = await lake.catalog.findDataset(dataset.name, "raw");
  const target = await lake.ensureDataset({
    name: stepDatasetName(step),
    layer: "processed",
    source: dataset.source,
    tags: [`role:${dataset.role}`, `kind:${dataset.kind}`],
    metadata: {
      role: dataset.role,
      kind: dataset.kind,
      directory: dataset.directory,
      layout: dataset.layout,
      section: step.section,
      step: step.name,
    },
  });
  const records = await lake.catalog.itemRuns.forStep(dataset.name, step.section, step.name);
  const references = new Map<string, Map<string, ItemRunRecord>>();
  for (const input of step.inputs) {
    if (input.kind !== "step") continue;
    const key = `${input.section}\0${input.name}`;
    if (!references.has(key))
      references.set(key, await lake.catalog.itemRuns.forStep(dataset.name, input.section, input.name));
  }
  const progressStep = `command:${stepDatasetName(step)}`;
  const failures: ItemFailure[] = [];
  let ran = 0;
  let skipped = 0;
  const report = (item: string): void =>
    options.onProgress?.({
      step: progressStep,
      stage: dataset.name,
      unit: "items",
      done: ran + skipped + failures.length,
      total: items.length,
      item,
    });

  const runItem = async (item: DataItem): Promise<void> => {
    try {
      const inputs = await resolveInputs(lake, raw, dataset, step, item, references);
      const fingerprint = fingerprintOf(step, dataset, item, inputs);
      const last = records.get(item.key);
      if (!options.force && last?.fingerprint === fingerprint && (await outputsPresent(lake, last))) {
        skipped++;
        return;
      }
      const done = await runOnItem(
        lake,
        config,
        { dataset, step, item, target, inputs, fingerprint, last },
        options,
      );
      if (done === "ran") ran++;
      else skipped++;
    } catch (error) {
      if (error instanceof CancelledError || options.signal?.aborted) throw error;
      failures.push({ item: item.key, error });
      options.log?.(
        `${dataset.name}: ${stepDatasetName(step)} failed on ${item.key}: ${errorMessage(error)}`,
      );
    } finally {
      report(item.key);
    }
  };
  await runPool(items, Math.max(1, options.jobs), runItem, options.signal, progressStep);
  return { ran, skipped, failures };
}

interface ItemJob {
  readonly dataset: ResolvedDataset;
  readonly step: CommandStep;
  readonly item: DataItem;
  readonly target: Dataset;
  readonly inputs: readonly StepInputFile[];
  readonly fingerprint: string;
  readonly last: ItemRunRecord | undefined;
}

async function runOnItem(
  lake: Lake,
  config: ProcessConfig,
  job: ItemJob,
  options: CommandStepOptions,
): Promise<"ran" | "skipped"> {
  const { dataset, step, item, target, inputs } = job;
  const claimKey = { dataset: dataset.name, section: step.section, step: step.name, item: item.key };
  let work: string | undefined;
  try {
    const { result } = await lake.withRun(
      `command:${stepDatasetName(step)}`,
      {
        parameters: {
          dataset: dataset.name,
          item: item.key,
          command: step.command,
          threads: step.threads,
          ...(step.output !== undefined ? { output: step.output } : {}),
        },
        ...(options.signal ? { signal: options.signal } : {}),
      },
      async (ctx, stepContext) => {
        // One run at a time per item: a second `process` would run the command again and publish and
        // remove outputs under the first one's feet.
        let holder = await lake.catalog.itemRuns.claim(claimKey, ctx.id);
        if (holder !== undefined) {
          // Its owner may have died without anyone noticing yet.
          await lake.abandonDeadRuns();
          holder = await lake.catalog.itemRuns.claim(claimKey, ctx.id);
        }
        if (holder !== undefined) {
          throw new ProcessingError(
            "item_busy",
            `${stepDatasetName(step)} on ${item.key}: the item is being processed by run ${holder}`,
            {
              details: { dataset: dataset.name, item: item.key, runId: holder },
              hint: `Wait for run ${holder} to end ("omicslake runs show ${holder}") and run again: finished items are skipped`,
            },
          );
        }
        try {
          return await processClaimed(ctx, stepContext);
        } finally {
          await lake.catalog.itemRuns.release(claimKey, ctx.id);
        }
      },
    );
    return result;
  } finally {
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  }

  async function processClaimed(
    ctx: Parameters<Parameters<Lake["withRun"]>[2]>[0],
    stepContext: Parameters<Parameters<Lake["withRun"]>[2]>[1],
  ): Promise<"ran" | "skipped"> {
    // The record read before the claim may be stale: another run may have finished the item since.
    const current = await lake.catalog.itemRuns.forItem(claimKey);
    if (current !== undefined && current.runId !== job.last?.runId) {
      if (
        !options.force &&
        current.fingerprint === job.fingerprint &&
        (await outputsPresent(lake, current))
      ) {
        ctx.log(`${item.key} is unchanged since run ${current.runId}`);
        return "skipped";
      }
    }
    const last = current ?? job.last;
    work = join(config.root, "work", String(ctx.id));
    const inDir = join(work, "in");
    const outDir = join(work, "out");
    await mkdir(outDir, { recursive: true });
    const paths: string[] = [];
    for (const [index, input] of inputs.entries()) {
      // One directory per input keeps every file's own name (tools read extensions) without collisions.
      const path = join(inDir, String(index), basename(input.name));
      await mkdir(join(inDir, String(index)), { recursive: true });
      await pipeline(await lake.readObject(input.object), createWriteStream(path));
      paths.push(path);
      ctx.input({
        key: input.object.key,
        datasetId: input.object.datasetId,
        name: input.name,
        sha256: input.object.sha256,
        size: input.object.size,
      });
    }
    const output = step.output !== undefined ? join(outDir, step.output) : outDir;
    const mate = (n: 1 | 2): string | undefined => {
      const index = inputs.findIndex((input) => input.mate === n);
      return index === -1 ? undefined : shellQuote(paths[index]!);
    };
    const optional = (value: string | undefined): string | undefined =>
      value === undefined ? undefined : shellQuote(value);
    const command = fillCommand(
      step.command,
      {
        input: paths.map(shellQuote).join(" "),
        input1: mate(1),
        input2: mate(2),
        output: shellQuote(output),
        threads: String(step.threads),
        species: optional(item.species),
        accession: optional(item.accession),
        individual: optional(item.individual),
        item: shellQuote(item.key),
        subdir: shellQuote(item.subdir),
        dataset: shellQuote(dataset.name),
        role: shellQuote(dataset.role),
      },
      (name) =>
        new ProcessingError("item_input_missing", `item ${item.key} has no value for {${name}}`, {
          details: { dataset: dataset.name, item: item.key, placeholder: name },
          hint:
            name === "input1" || name === "input2"
              ? "{input1}/{input2} are the mates of a read pair; this item is single-end: use {input}"
              : `Items of a ${dataset.layout} tree have no ${name}; remove {${name}} from the command`,
        }),
    );
    ctx.log(`$ ${command}`);
    const result = await runShell(command, { cwd: work, signal: stepContext.signal });
    if (result.stdoutTail !== "") ctx.log(`stdout:\n${result.stdoutTail}`);
    if (result.stderrTail !== "") ctx.log(`stderr:\n${result.stderrTail}`);
    if (stepContext.signal.aborted) throw cancellation(stepContext.signal, ctx.step);
    if (result.code !== 0) {
      const how = result.signal !== null ? `was killed by ${result.signal}` : `exited with ${result.code}`;
      throw new ProcessingError(
        "command_failed",
        `${stepDatasetName(step)} on ${item.key}: the command ${how}${result.stderrTail.trim() !== "" ? `: ${lastLines(result.stderrTail)}` : ""}`,
        {
          details: {
            dataset: dataset.name,
            item: item.key,
            exitCode: result.code,
            signal: result.signal,
            stderr: result.stderrTail,
          },
          hint: `Its previous outputs are kept. See the whole log with "omicslake runs show ${ctx.id}", fix the command or the input, and run again`,
        },
      );
    }
    const { files, others } = await filesUnder(outDir);
    if (others.length > 0) {
      // A link is not an output: following it would publish whatever it points at, outside the work dir.
      const names = others.map((file) => relative(outDir, file));
      throw new ProcessingError(
        "command_failed",
        `${stepDatasetName(step)} on ${item.key}: the command left a symbolic link or other non-file in {output}: ${names.join(", ")}`,
        {
          details: { dataset: dataset.name, item: item.key, names },
          hint: "Make the command write (or copy) regular files into {output}; its previous outputs are kept",
        },
      );
    }
    if (step.output !== undefined && !files.includes(output)) {
      throw new ProcessingError(
        "command_failed",
        `${stepDatasetName(step)} on ${item.key}: the command exited 0 but wrote no ${step.output}`,
        {
          details: { dataset: dataset.name, item: item.key, output: step.output },
          hint: "Make the command write to {output}; its previous outputs are kept",
        },
      );
    }
    if (files.length === 0) {
      throw new ProcessingError(
        "command_failed",
        `${stepDatasetName(step)} on ${item.key}: the command exited 0 but wrote nothing into {output}`,
        {
          details: { dataset: dataset.name, item: item.key },
          hint: '{output} is a directory the command fills (or set output = "name" for one file); its previous outputs are kept',
        },
      );
    }
    // The last point before anything is published: a cancel after it lets the item finish.
    stepContext.throwIfAborted();
    const named = files.map((file) => ({
      file,
      name: `${item.subdir}/${relative(outDir, file).split("\\").join("/")}`,
    }));
    // Recorded before the first output is published: a kill between two outputs leaves a record that
    // matches no fingerprint and names every key this run may have written, so the next run redoes the
    // item and removes what it does not produce again, instead of skipping it with a stray output.
    await lake.catalog.itemRuns.record({
      dataset: dataset.name,
      section: step.section,
      step: step.name,
      item: item.key,
      runId: ctx.id,
      fingerprint: createHash("sha256").update(`publishing:${job.fingerprint}`).digest("hex"),
      outputs: [
        ...new Set([
          ...(last?.outputs ?? []).map((o) => o.key),
          ...named.map(({ name }) => lake.objectKey(target, name)),
        ]),
      ].map((key) => ({ key, sha256: "", size: 0 })),
    });
    const outputs: ItemRunOutput[] = [];
    for (const { file, name } of named) {
      const object = await lake.putObject(target, { file, name });
      outputs.push({ key: object.key, sha256: object.sha256, size: object.size });
      ctx.output({
        key: object.key,
        datasetId: target.id,
        name,
        sha256: object.sha256,
        size: object.size,
      });
    }
    const fresh = new Set(outputs.map((o) => o.key));
    const prefix = `${target.layer}/${target.name}/`;
    for (const old of last?.outputs ?? []) {
      if (fresh.has(old.key) || !old.key.startsWith(prefix)) continue;
      await lake.removeObject(target, old.key.slice(prefix.length));
      ctx.log(`removed ${old.key}: this run did not produce it`);
    }
    for (const from of new Set(inputs.map((input) => input.object.datasetId))) {
      await lake.catalog.addProvenance({
        outputDatasetId: target.id,
        inputDatasetId: from,
        action: "conversion",
        runId: ctx.id,
        parameters: { dataset: dataset.name, section: step.section, step: step.name, item: item.key },
      });
    }
    await lake.catalog.itemRuns.record({
      dataset: dataset.name,
      section: step.section,
      step: step.name,
      item: item.key,
      runId: ctx.id,
      fingerprint: job.fingerprint,
      outputs,
    });
    return "ran";
  }
}

/** The item's input objects: its raw files (`item`), or what a named step wrote for it (`NAME@SECTION`). */
async function resolveInputs(
  lake: Lake,
  raw: Dataset | undefined,
  dataset: ResolvedDataset,
  step: CommandStep,
  item: DataItem,
  references: ReadonlyMap<string, ReadonlyMap<string, ItemRunRecord>>,
): Promise<StepInputFile[]> {
  const inputs: StepInputFile[] = [];
  for (const input of step.inputs) {
    if (input.kind === "item") {
      for (const file of item.files) {
        const object = raw && (await lake.catalog.findObjectByKey(lake.objectKey(raw, file.name)));
        if (object === undefined) {
          throw new ProcessingError(
            "item_input_missing",
            `item ${item.key}: ${file.name} is not in raw/${dataset.name}`,
            {
              details: { dataset: dataset.name, item: item.key, name: file.name },
              hint: `Ingest it first: put "ingest" before ${step.section}'s steps, or run "omicslake ingest ${dataset.name}"`,
            },
          );
        }
        inputs.push({ object, name: file.name, ...(file.mate !== undefined ? { mate: file.mate } : {}) });
      }
      continue;
    }
    const record = references.get(`${input.section}\0${input.name}`)?.get(item.key);
    const ref = `${input.name}@${input.section}`;
    if (record === undefined) {
      throw new ProcessingError(
        "item_input_missing",
        `item ${item.key}: step ${ref} has no output for it (it failed or has not run)`,
        {
          details: { dataset: dataset.name, item: item.key, input: ref },
          hint: `Run [processing.${input.section}] first; a failure there is reported with its own run`,
        },
      );
    }
    for (const output of record.outputs) {
      const object = await lake.catalog.findObjectByKey(output.key);
      if (object === undefined || object.sha256 !== output.sha256) {
        throw new ProcessingError(
          "item_input_missing",
          `item ${item.key}: ${output.key}, written by ${ref}, is no longer in the lake as it was written`,
          {
            details: { dataset: dataset.name, item: item.key, input: ref, key: output.key },
            hint: `Run it again: omicslake process ${dataset.name} --force`,
          },
        );
      }
      const inItem = object.name.startsWith(`${item.subdir}/`);
      inputs.push({ object, name: inItem ? object.name.slice(item.subdir.length + 1) : object.name });
    }
  }
  return inputs;
}

/**
 * What decides whether a step must run again: its command as configured, threads, output name, the values
 * of the item's placeholders (a renamed role or directory moves its outputs and may change the command
 * line) and its inputs.
 */
function fingerprintOf(
  step: CommandStep,
  dataset: ResolvedDataset,
  item: DataItem,
  inputs: readonly StepInputFile[],
): string {
  return createHash("sha256")
    .update(
      JSON.stringify({
        command: step.command,
        threads: step.threads,
        output: step.output ?? null,
        item: [item.key, item.subdir, item.species, item.accession, item.individual],
        dataset: [dataset.name, dataset.role],
        inputs: inputs.map((input) => [input.name, input.mate ?? null, input.object.sha256]),
      }),
    )
    .digest("hex");
}

async function outputsPresent(lake: Lake, record: ItemRunRecord): Promise<boolean> {
  if (record.outputs.length === 0) return false;
  for (const output of record.outputs) {
    const object = await lake.catalog.findObjectByKey(output.key);
    if (object === undefined || object.sha256 !== output.sha256) return false;
  }
  return true;
}

/** Every regular file under `dir`, in name order, and every entry that is neither a file nor a directory. */
async function filesUnder(dir: string): Promise<{ files: string[]; others: string[] }> {
  const files: string[] = [];
  const others: string[] = [];
  const walk = async (current: string): Promise<void> => {
    const entries = await readdir(current, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) files.push(path);
      else others.push(path);
    }
  };
  await walk(dir);
  return { files, others };
}

function lastLines(text: string): string {
  return text.trim().split("\n").slice(-3).join(" | ");
}

/**
 * Runs `fn` over `items`, at most `limit` at once. A failure is `fn`'s to record; a cancel stops new
 * items from starting and is rethrown once the running ones have stopped.
 */
async function runPool<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
  signal: AbortSignal | undefined,
  step: string,
): Promise<void> {
  let next = 0;
  let stop: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (stop === undefined && next < items.length) {
      if (signal?.aborted) {
        stop = { error: cancellation(signal, step) };
        return;
      }
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (error) {
        stop ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (stop) throw stop.error;
}
