import { hostname } from "node:os";
import {
  DEFAULT_QUEUE_SCHEMA,
  SqlAssetStateStore,
  buildAssetGraph,
  runAssetWorker,
  type AssetWorkerSummary,
} from "@omicslake/assets";
import type { Command } from "commander";
import { UsageError } from "../cli-error.js";
import { EXIT_CANCELLED } from "../exit-codes.js";
import { commandConfig, withLake, type GlobalOptions } from "../context.js";
import { writeStderrLine } from "../output/terminal-text.js";

interface WorkerOptions {
  concurrency: string;
  queueSchema?: string;
}

/**
 * `omicslake worker`: takes asset-partition jobs from the lake's PostgreSQL queue and runs them, until
 * SIGINT or SIGTERM. Stopping cancels the jobs under way (their runs end `cancelled`) and puts them back
 * on the queue for another worker; a second signal exits at once (the next process finds the runs
 * abandoned, and the jobs go to another worker all the same).
 */
export function registerWorker(program: Command): void {
  program
    .command("worker")
    .description(
      "run asset-partitions queued on the lake's PostgreSQL server (by materialize, the daemon or the API), until SIGINT/SIGTERM",
    )
    .option("--concurrency <n>", "asset-partitions this worker runs at once", "1")
    .option(
      "--queue-schema <schema>",
      `the PostgreSQL schema of the job queue (default ${DEFAULT_QUEUE_SCHEMA}, or <catalog schema>_jobs with [lake] database_schema)`,
    )
    .action(async (options: WorkerOptions, command: Command) => {
      const concurrency = Number(options.concurrency);
      if (!Number.isSafeInteger(concurrency) || concurrency < 1)
        throw new UsageError(`--concurrency must be a positive integer, got "${options.concurrency}"`);
      const globals = command.optsWithGlobals<GlobalOptions>();
      // Refused before the lake is opened: opening an embedded catalog in a fresh folder would create one.
      const url = (await commandConfig(globals)).database.url?.trim();
      if (!url) {
        throw new UsageError(
          "workers need a PostgreSQL catalog: set DATABASE_URL or [lake] database; with the embedded catalog materialize and daemon run assets in-process",
          { hint: "e.g. DATABASE_URL=postgres://user@db-host:5432/omicslake omicslake worker" },
        );
      }
      await withLake(globals, async (lake, out, config) => {
        const graph = buildAssetGraph(lake, config);
        const stop = new AbortController();
        const onSignal = (signal: NodeJS.Signals): void => {
          if (stop.signal.aborted) {
            writeStderrLine(`${signal} again: exiting now`);
            process.exit(EXIT_CANCELLED);
          }
          writeStderrLine(`${signal}: stopping; running jobs are cancelled and go back to the queue…`);
          stop.abort(new Error(`stopped (${signal})`));
        };
        process.on("SIGINT", onSignal);
        process.on("SIGTERM", onSignal);
        let summary: AssetWorkerSummary;
        try {
          summary = await runAssetWorker({
            lake,
            graph,
            store: new SqlAssetStateStore(lake),
            connectionString: url,
            ...(options.queueSchema !== undefined ? { schema: options.queueSchema } : {}),
            concurrency,
            signal: stop.signal,
            log: writeStderrLine,
          });
        } finally {
          process.off("SIGINT", onSignal);
          process.off("SIGTERM", onSignal);
        }
        out.data(
          { host: hostname(), pid: process.pid, ...summary },
          () =>
            `worker stopped: ${summary.jobs} job(s), ${summary.succeeded} succeeded, ${summary.notSucceeded} not, ${summary.handedBack} handed back to the queue`,
        );
      });
    });
}
