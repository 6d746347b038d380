import {
  AssetError,
  type MaterializationRequest,
  type MaterializeEvent,
  type MaterializeReport,
  type RequestOutcome,
} from "@omicslake/assets";
import { CancelledError } from "@omicslake/core";
import type { Command } from "commander";
import { cancelOnSigint } from "../cancel-on-sigint.js";
import type { GlobalOptions } from "../context.js";
import { materializeReportJson } from "../output/asset-json.js";
import { table } from "../output/output.js";
import { IN_PROCESS_OPTION, warnWithoutWorkers, withAssetService } from "./assets-command.js";

interface MaterializeOptions {
  select: string[];
  partition: string[];
  downstream?: boolean;
  inProcess?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** `data/geo/processed [2024-05]`, or the key alone for an unpartitioned asset. */
export function requestName(request: Pick<MaterializationRequest, "key" | "partition">): string {
  return request.partition === undefined ? request.key : `${request.key} [${request.partition}]`;
}

export function humanDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** The line `materialize` (and the daemon) prints for one event, or undefined for none. */
export function eventLine(event: MaterializeEvent): string | undefined {
  switch (event.kind) {
    case "planned":
      return event.requests.length === 0
        ? "nothing to materialize"
        : `materializing ${event.requests.length} asset-partition${event.requests.length === 1 ? "" : "s"}`;
    case "started":
      return `started   ${requestName(event.request)}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ""}`;
    case "retrying":
      // `attempt` is the attempt about to start; the error is the previous one's.
      return `retrying  ${requestName(event.request)} in ${humanDuration(event.delayMs)} (attempt ${event.attempt}): ${event.error}`;
    case "finished":
      return `finished  ${requestName(event.outcome.request)}: ${outcomeText(event.outcome)}`;
    case "log":
      // The run keeps the log (`omicslake runs show`); echoing every line would bury the progress.
      return undefined;
  }
}

function outcomeText(outcome: RequestOutcome): string {
  const took = ` in ${humanDuration(outcome.durationMs)}`;
  const error = outcome.error ? `: ${outcome.error.message}` : "";
  switch (outcome.status) {
    case "succeeded":
      return `succeeded${took}${outcome.attempts > 1 ? ` (${outcome.attempts} attempts)` : ""}`;
    case "failed":
      return `failed after ${outcome.attempts} attempt${outcome.attempts === 1 ? "" : "s"}${took}${error}`;
    default:
      return `${outcome.status}${error}`;
  }
}

/** The summary `materialize` prints when every run has ended. */
export function reportText(report: MaterializeReport): string {
  if (report.outcomes.length === 0) return "nothing materialized: the selection matched no asset-partitions";
  const counts = new Map<string, number>();
  for (const o of report.outcomes) counts.set(o.status, (counts.get(o.status) ?? 0) + 1);
  return [
    table(
      ["KEY", "PARTITION", "STATUS", "ATTEMPTS", "DURATION", "RUN", "ERROR"],
      report.outcomes.map((o) => [
        o.request.key,
        o.request.partition ?? "-",
        o.status,
        o.attempts,
        humanDuration(o.durationMs),
        o.runId ?? "-",
        o.error ? `${o.error.code}: ${o.error.message}` : "",
      ]),
    ),
    [...counts].map(([status, n]) => `${n} ${status}`).join(", "),
  ].join("\n");
}

/**
 * The error a materialization that did not fully succeed ends with, so the exit code says so: `asset_busy`
 * when the only problem is asset-partitions already running elsewhere, else `asset_failed`.
 */
export function unsuccessfulError(report: MaterializeReport): AssetError {
  const bad = report.outcomes.filter((o) => o.status !== "succeeded");
  const onlyBusy = bad.length > 0 && bad.every((o) => o.status === "busy");
  const names = bad.slice(0, 5).map((o) => `${requestName(o.request)} (${o.status})`);
  const more = bad.length > names.length ? ` and ${bad.length - names.length} more` : "";
  return new AssetError(
    onlyBusy ? "asset_busy" : "asset_failed",
    `${bad.length} of ${report.outcomes.length} asset-partitions did not succeed: ${names.join(", ")}${more}`,
    {
      details: {
        failed: bad.map((o) => ({
          key: o.request.key,
          partition: o.request.partition ?? null,
          status: o.status,
        })),
      },
      hint: onlyBusy
        ? "Another process is materializing them; run the command again once it has finished"
        : '"omicslake runs show RUN" has the log of a failed attempt; the previous materializations stay in place',
    },
  );
}

export function registerMaterialize(program: Command): void {
  program
    .command("materialize")
    .description(
      "materialize assets in dependency order, with retries; a failed asset stops its downstream and keeps its previous data",
    )
    .option(
      "-s, --select <expr>",
      "assets to run: a key, a glob (data/geo/*), +key (with its upstream), key+ (with its downstream) or tag:NAME; repeatable (default: every asset but lake/backup)",
      collect,
      [],
    )
    .option(
      "-p, --partition <key>",
      "only this partition (repeatable; default: every partition)",
      collect,
      [],
    )
    .option("--downstream", "also run every asset downstream of the selection")
    .option(...IN_PROCESS_OPTION)
    .action(async (options: MaterializeOptions, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      await cancelOnSigint((signal) =>
        withAssetService(
          globals,
          async (service, out) => {
            await warnWithoutWorkers(service, (line) => out.info(line));
            const report = await service.materialize({
              select: options.select,
              partitions: options.partition,
              downstream: options.downstream === true,
              origin: "cli",
              signal,
              onEvent: (event) => {
                const line = eventLine(event);
                if (line !== undefined) out.info(line);
              },
            });
            out.data(materializeReportJson(report), () => reportText(report));
            // What ended before the Ctrl-C is kept and shown above; the exit code says the command was stopped.
            if (signal.aborted) throw new CancelledError("materialize", { cause: signal.reason });
            if (report.failed) throw unsuccessfulError(report);
          },
          options.inProcess === true ? { runner: "in-process" } : {},
        ),
      );
    });
}
