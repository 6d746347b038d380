import { createAutomationDaemon, type MaterializationRequest, type RequestOutcome } from "@omicslake/assets";
import { CancelledError } from "@omicslake/core";
import type { Command } from "commander";
import { UsageError } from "../cli-error.js";
import { cancelOnSigint } from "../cancel-on-sigint.js";
import type { GlobalOptions } from "../context.js";
import { materializeReportJson } from "../output/asset-json.js";
import { writeStderrLine } from "../output/terminal-text.js";
import { IN_PROCESS_OPTION, warnWithoutWorkers, withAssetService } from "./assets-command.js";
import { eventLine, reportText, requestName, unsuccessfulError } from "./materialize-command.js";

interface DaemonOptions {
  once?: boolean;
  interval?: string;
  inProcess?: boolean;
}

/** `--interval` in milliseconds, or the configured `[automation] interval`. */
export function intervalMsOf(text: string | undefined, configuredSeconds: number): number {
  if (text === undefined) return configuredSeconds * 1000;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < 1 || seconds > 86_400)
    throw new UsageError(`--interval must be a number of seconds from 1 to 86400, got "${text}"`);
  return Math.round(seconds * 1000);
}

/** The lines the daemon logs for one evaluation: what it requested and why. */
export function requestLines(requests: readonly MaterializationRequest[], at: Date): string[] {
  const stamp = at.toISOString();
  if (requests.length === 0) return [`${stamp} evaluated: nothing due`];
  return [
    `${stamp} evaluated: ${requests.length} asset-partition${requests.length === 1 ? "" : "s"} due`,
    ...requests.map((r) => `  requested ${requestName(r)}: ${r.reason}`),
  ];
}

/** Resolves when `signal` aborts (at once if it already has). */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

export function registerDaemon(program: Command): void {
  program
    .command("daemon")
    .description(
      "evaluate every asset's automation condition every [automation] interval and run what is due, in the foreground",
    )
    .option("--once", "evaluate once, run what is due, and exit when those runs have ended")
    .option("--interval <seconds>", "seconds between evaluations (default [automation] interval)")
    .option(...IN_PROCESS_OPTION)
    .action(async (options: DaemonOptions, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      await cancelOnSigint((signal) =>
        withAssetService(
          globals,
          async (service, out, config) => {
            await warnWithoutWorkers(service, writeStderrLine);
            const intervalMs = intervalMsOf(options.interval, config.automation.interval);
            const outcomes: RequestOutcome[] = [];
            const daemon = createAutomationDaemon(service, {
              intervalMs,
              onRequests: (requests) => {
                for (const line of requestLines(requests, service.lake.clock())) writeStderrLine(line);
              },
              onOutcome: (outcome) => {
                outcomes.push(outcome);
                writeStderrLine(`  ${eventLine({ kind: "finished", outcome }) ?? ""}`);
              },
              onError: (error) =>
                writeStderrLine(
                  `evaluation failed (retried at the next one): ${error instanceof Error ? error.message : String(error)}`,
                ),
            });

            if (options.once === true) {
              await daemon.tick();
              await Promise.race([service.idle(), aborted(signal)]);
              // Closing the service (on the way out) cancels the runs still going; their runs say so.
              if (signal.aborted) throw new CancelledError("daemon", { cause: signal.reason });
              const report = { outcomes, failed: outcomes.some((o) => o.status !== "succeeded") };
              out.data(materializeReportJson(report), () =>
                outcomes.length === 0 ? "nothing was due" : reportText(report),
              );
              if (report.failed) throw unsuccessfulError(report);
              return;
            }

            // SIGTERM (a service manager stopping it) ends the daemon as Ctrl-C does.
            const stop = new AbortController();
            const onTerm = (): void => stop.abort();
            process.on("SIGTERM", onTerm);
            try {
              writeStderrLine(
                `omicslake daemon: evaluating ${service.graph.size} assets every ${intervalMs / 1000} s (${service.runnerKind} runs); Ctrl-C stops it`,
              );
              daemon.start();
              await aborted(AbortSignal.any([signal, stop.signal]));
              writeStderrLine("stopping: the runs in progress are cancelled");
              await daemon.stop();
            } finally {
              process.off("SIGTERM", onTerm);
            }
          },
          options.inProcess === true ? { runner: "in-process" } : {},
        ),
      );
    });
}
