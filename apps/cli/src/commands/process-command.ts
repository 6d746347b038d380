import { ASSET_PROCESS_HANDLERS } from "@omicslake/assets";
import { processDatasets, type StepOutcome } from "@omicslake/sources";
import type { Command } from "commander";
import { UsageError } from "../cli-error.js";
import { withLongCommand } from "../long-command.js";
import { table } from "../output/output.js";

interface ProcessCommandOptions {
  role?: string;
  force?: boolean;
  jobs?: string;
}

export function registerProcess(program: Command): void {
  program
    .command("process")
    .description(
      "run the configured processing of datasets (their role's or their own steps, commands included), skipping items whose inputs are unchanged",
    )
    .argument("[datasets...]", "configured datasets (default: every one, or every one of --role)")
    .option("-r, --role <role>", "only datasets of this role")
    .option("-f, --force", "run items again even when their inputs are unchanged")
    .option("-j, --jobs <n>", "items a command step runs at once (default: cores / the step's threads)")
    .action(async (names: string[], options: ProcessCommandOptions, command: Command) => {
      const jobs = options.jobs === undefined ? undefined : Number(options.jobs);
      if (jobs !== undefined && (!Number.isSafeInteger(jobs) || jobs < 1))
        throw new UsageError(`--jobs must be a positive integer, got "${options.jobs}"`);
      await withLongCommand(command, async (lake, out, config, step, progress) => {
        if (Object.keys(config.dataModel).length === 0) {
          out.data(
            { steps: [], failed: false },
            () =>
              "nothing to process: the configuration has no [data.X] datasets; add one (omicslake init writes an example)",
          );
          return;
        }
        const summary = await processDatasets(lake, config, {
          ...step,
          names,
          ...(options.role !== undefined ? { role: options.role } : {}),
          ...(options.force ? { force: true } : {}),
          ...(jobs !== undefined ? { jobs } : {}),
          handlers: ASSET_PROCESS_HANDLERS,
          log: (line) => progress.info(line, (l) => out.info(l)),
        });
        out.data({ steps: summary.steps.map(wireOutcome), failed: summary.failed }, () =>
          summary.steps.length === 0
            ? `nothing to process: no dataset has role "${options.role ?? ""}"`
            : [
                table(
                  ["DATASET", "STEP", "RAN", "SKIPPED", "FAILED", "STATUS"],
                  summary.steps.map((s) => [
                    s.dataset ?? "(lake)",
                    s.step,
                    s.ran,
                    s.skipped,
                    s.failed,
                    s.failed === 0 ? "ok" : "failed",
                  ]),
                ),
                ...summary.steps.flatMap((s) =>
                  s.failures.map(
                    (f) =>
                      `failed: ${s.dataset ?? "(lake)"} ${s.step}${f.item !== undefined ? ` ${f.item}` : ""}: ${f.message}`,
                  ),
                ),
                ...summary.steps.flatMap((s) =>
                  s.problems.map((p) => `not an item: ${s.dataset ?? ""} ${p.name}: ${p.message}`),
                ),
              ].join("\n"),
        );
        if (summary.failed) process.exitCode = 1;
      });
    });
}

function wireOutcome(outcome: StepOutcome): Record<string, unknown> {
  return {
    ...(outcome.dataset !== undefined ? { dataset: outcome.dataset } : {}),
    step: outcome.step,
    ran: outcome.ran,
    skipped: outcome.skipped,
    failed: outcome.failed,
    failures: outcome.failures.map((f) => ({
      ...(f.item !== undefined ? { item: f.item } : {}),
      message: f.message,
      ...(typeof f.error === "object" && f.error !== null && "code" in f.error ? { code: f.error.code } : {}),
    })),
    problems: outcome.problems,
  };
}
