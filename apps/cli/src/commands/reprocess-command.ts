import { reprocessConfigured } from "@omicslake/metadata";
import type { Command } from "commander";
import { withLongCommand } from "../long-command.js";
import { table } from "../output/output.js";

export function registerReprocess(program: Command): void {
  program
    .command("reprocess")
    .description(
      "rebuild processed Parquet from what raw already holds, without the network (when the upstream is down or processed was lost)",
    )
    .argument(
      "[datasets...]",
      "configured datasets (default: every metadata dataset with a raw dataset and a parse step)",
    )
    .action(async (names: string[], _options: unknown, command: Command) => {
      await withLongCommand(command, async (lake, out, config, step) => {
        const outcomes = await reprocessConfigured(lake, config, names, step);
        for (const o of outcomes)
          for (const warning of o.result?.warnings ?? []) out.info(`${o.name}: ${warning}`);
        out.data(
          outcomes.map((o) => ({
            dataset: o.name,
            ...(o.result
              ? {
                  run: o.result.run.id,
                  processedUnits: o.result.processedUnits,
                  skippedUnits: o.result.skippedUnits,
                  rows: o.result.rowCounts,
                  warnings: o.result.warnings,
                }
              : { error: o.error instanceof Error ? o.error.message : String(o.error) }),
          })),
          () =>
            outcomes.length === 0
              ? "nothing to reprocess: no configured metadata dataset has a raw dataset yet"
              : table(
                  ["DATASET", "RUN", "UNITS", "UNCHANGED", "ROWS", "STATUS"],
                  outcomes.map((o) =>
                    o.result
                      ? [
                          o.name,
                          o.result.run.id,
                          o.result.processedUnits,
                          o.result.skippedUnits,
                          Object.entries(o.result.rowCounts)
                            .map(([k, v]) => `${k}=${v}`)
                            .join(" "),
                          "ok",
                        ]
                      : [
                          o.name,
                          "",
                          "",
                          "",
                          "",
                          `failed: ${o.error instanceof Error ? o.error.message : String(o.error)}`,
                        ],
                  ),
                ),
        );
        if (outcomes.some((o) => o.error !== undefined)) process.exitCode = 1;
      });
    });
}
