import { RUN_STATUSES, type Run } from "@omicslake/core";
import type { Command } from "commander";
import { UsageError } from "../cli-error.js";
import { withLake, type GlobalOptions } from "../context.js";
import { humanBytes, table } from "../output/output.js";

interface LsOptions {
  status?: string;
  step?: string;
  asset?: string;
  partition?: string;
  limit: string;
  cursor?: string;
}

export function registerRuns(program: Command): void {
  const runs = program.command("runs").description("list and inspect runs (every recorded step)");

  runs
    .command("ls")
    .description("list runs, newest first (keyset pages; pass --cursor to continue)")
    .option("--status <status>", `only runs in this status: ${RUN_STATUSES.join(", ")}`)
    .option("--step <step>", "only runs of this step (add, promote, delete, external:fastqc, …)")
    .option("--asset <key>", "only runs that materialized this asset (geo/processed, …)")
    .option("--partition <key>", "only runs that materialized this partition (2024-05, …)")
    .option("--limit <n>", "page size (1-500)", "50")
    .option("--cursor <cursor>", "continue after a previous page")
    .action(async (options: LsOptions, command: Command) => {
      const status = options.status;
      if (status !== undefined && !(RUN_STATUSES as readonly string[]).includes(status))
        throw new UsageError(`unknown run status "${status}"; use ${RUN_STATUSES.join(", ")}`);
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500)
        throw new UsageError(`--limit must be an integer from 1 to 500, got "${options.limit}"`);
      await withLake(command.optsWithGlobals<GlobalOptions>(), async (lake, out) => {
        const page = await lake.catalog.listRuns({
          limit,
          ...(status !== undefined ? { status } : {}),
          ...(options.step !== undefined ? { step: options.step } : {}),
          ...(options.asset !== undefined ? { asset: options.asset } : {}),
          ...(options.partition !== undefined ? { partition: options.partition } : {}),
          ...(options.cursor !== undefined ? { cursor: options.cursor } : {}),
        });
        const now = lake.clock();
        out.data(
          { data: page.items.map((run) => withDuration(run, now)), next_cursor: page.nextCursor },
          () =>
            page.items.length === 0
              ? "no runs"
              : [
                  table(
                    ["ID", "STEP", "STATUS", "STARTED", "DURATION", "ERROR"],
                    page.items.map((r) => [
                      r.id,
                      r.step,
                      r.status,
                      r.startedAt.toISOString(),
                      humanDuration(durationMs(r, now)),
                      r.error ? `${r.error.code}: ${r.error.message}` : "",
                    ]),
                  ),
                  page.nextCursor ? `more: --cursor ${page.nextCursor}` : "",
                ]
                  .filter(Boolean)
                  .join("\n"),
        );
      });
    });

  runs
    .command("show")
    .description("show one run: parameters, tool versions, inputs and outputs with checksums, log, error")
    .argument("<id>", "run id")
    .action(async (id: string, _options: unknown, command: Command) => {
      if (!/^[1-9]\d{0,15}$/.test(id))
        throw new UsageError(`a run id is a positive whole number, got "${id}"`);
      await withLake(command.optsWithGlobals<GlobalOptions>(), async (lake, out) => {
        const run = await lake.catalog.getRun(Number(id));
        out.data(withDuration(run, lake.clock()), () => describeRun(run, lake.clock()));
      });
    });
}

/** The run with its duration in milliseconds (so far, while it runs), which scripts should not recompute. */
function withDuration(run: Run, now: Date): Run & { durationMs: number } {
  return { ...run, durationMs: durationMs(run, now) };
}

function durationMs(run: Run, now: Date): number {
  return Math.max(0, (run.finishedAt ?? now).getTime() - run.startedAt.getTime());
}

function humanDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

function describeRun(run: Run, now: Date): string {
  const io = (items: Run["inputs"]): string[] =>
    items.length === 0
      ? ["  -"]
      : items.map((i) =>
          [
            "  ",
            i.key ?? i.name ?? i.url ?? (i.datasetId !== undefined ? `dataset #${i.datasetId}` : "?"),
            i.size !== undefined ? ` (${humanBytes(i.size)})` : "",
            i.sha256 !== undefined ? ` sha256 ${i.sha256}` : "",
            i.rows !== undefined ? ` ${i.rows} rows` : "",
          ].join(""),
        );
  const progress = run.progress;
  return [
    `run ${run.id}: ${run.step} — ${run.status}`,
    `started:     ${run.startedAt.toISOString()}`,
    `finished:    ${run.finishedAt ? run.finishedAt.toISOString() : "-"}`,
    `duration:    ${humanDuration(durationMs(run, now))}${run.finishedAt ? "" : " so far"}`,
    `tools:       ${
      Object.entries(run.toolVersions)
        .map(([tool, version]) => `${tool} ${version}`)
        .join(", ") || "-"
    }`,
    ...(run.asset
      ? [`asset:       ${run.asset.key}${run.asset.partition !== null ? ` [${run.asset.partition}]` : ""}`]
      : []),
    `parameters:  ${JSON.stringify(run.parameters)}`,
    ...(progress
      ? [
          `progress:    ${progress.stage ?? progress.step} ${progress.done}${progress.total !== undefined ? `/${progress.total}` : ""} ${progress.unit}`,
        ]
      : []),
    ...(Object.keys(run.rowCounts).length > 0 ? [`rows:        ${JSON.stringify(run.rowCounts)}`] : []),
    ...(run.error ? [`error:       ${run.error.code}: ${run.error.message}`] : []),
    "inputs:",
    ...io(run.inputs),
    "outputs:",
    ...io(run.outputs),
    "log:",
    run.log.length > 0 ? run.log.replace(/^/gm, "  ") : "  -",
  ].join("\n");
}
