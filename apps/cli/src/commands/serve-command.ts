import {
  createAutomationDaemon,
  openAssetService,
  type AutomatedAssetService,
  type AutomationDaemon,
} from "@omicslake/assets";
import { defaultPublishDir } from "@omicslake/metadata";
import {
  BackupScheduler,
  backupRepository,
  openBackupStore,
  runBackup,
  type Lake,
  type LakeConfig,
} from "@omicslake/core";
import { existsSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { lazyExpressionService, openExpressionService } from "@omicslake/expression";
import { buildServer } from "@omicslake/server";
import type { Command } from "commander";
import { UsageError } from "../cli-error.js";
import type { GlobalOptions } from "../context.js";
import { commandConfig } from "../context.js";
import { openLake } from "@omicslake/core";
import { writeStderrLine } from "../output/terminal-text.js";
import { eventLine, requestName } from "./materialize-command.js";

export interface ListenOptions {
  port?: string;
  host?: string;
}

export function parsePort(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be 0-65535, got "${value}"`);
  return port;
}

/**
 * The server's log is always on: an object that fails verification while being served and an
 * unexpected error's stack are only ever reported there, so an operator must see them without
 * opting in. OMICSLAKE_LOG_REQUESTS=1 adds a line for every request.
 */
export function serverLogOptions(env: NodeJS.ProcessEnv): { logger: true; logLevel: "info" | "warn" } {
  return { logger: true, logLevel: env["OMICSLAKE_LOG_REQUESTS"] === "1" ? "info" : "warn" };
}

/**
 * The built web dashboard to serve: `OMICSLAKE_WEB_DIR` when set, else the `dist` folder of the
 * installed `@omicslake/web` package; undefined when that package is not installed. Found through the
 * node_modules folders Node would search rather than by resolving the package, so its `exports` need
 * not list package.json, and a missing package is just "not built".
 */
export function dashboardRoot(env: NodeJS.ProcessEnv): string | undefined {
  const override = env["OMICSLAKE_WEB_DIR"];
  if (override !== undefined && override !== "") return resolve(override);
  const require = createRequire(import.meta.url);
  for (const folder of require.resolve.paths("@omicslake/web") ?? []) {
    const manifest = join(folder, "@omicslake", "web", "package.json");
    if (existsSync(manifest)) return join(dirname(realpathSync(manifest)), "dist");
  }
  return undefined;
}

/** The log line that says where the dashboard is, or that it is not built and how to build it. */
export function dashboardLine(root: string | undefined, address: string): string {
  return root !== undefined && existsSync(join(root, "index.html"))
    ? `  dashboard: ${address}/`
    : "  dashboard: not built (run npm run build)";
}

/**
 * Serves a lake until SIGINT/SIGTERM, then closes the server (finishing in-flight requests) and the
 * lake. Resolves once shut down.
 */
export async function serveLake(
  lake: Lake,
  config: LakeConfig,
  options: ListenOptions,
  log: (line: string) => void,
): Promise<void> {
  const backups = await openBackupStore(config, lake.store);
  const retention = { keepDaily: config.backup.keepDaily, keepWeekly: config.backup.keepWeekly };
  const configFile = config.file !== undefined ? { configFile: config.file } : {};
  // Shutting down stops a scheduled or requested backup in progress: its run ends cancelled and its
  // row failed, with no manifest, and the next backup starts afresh.
  const stopBackups = new AbortController();
  const scheduler = new BackupScheduler({
    daily: config.backup.daily,
    weekly: config.backup.weekly,
    lastSucceeded: (kind) => backupRepository(lake).lastSucceeded(kind),
    run: (kind) =>
      runBackup(lake, {
        kind,
        destination: backups.store,
        retention,
        signal: stopBackups.signal,
        ...configFile,
      }),
    onError: (kind, error) =>
      log(`${kind} backup failed: ${error instanceof Error ? error.message : String(error)}`),
  });
  // The asset routes read the graph; with `[automation] daemon = true` the server also runs what is due,
  // as `omicslake daemon` would, and stops it (cancelling the runs in progress) on shutdown.
  const assets = await openAssetService(lake, config);
  const daemon = config.automation.daemon ? servedDaemon(assets, config, log) : undefined;
  const web = dashboardRoot(process.env);
  const app = await buildServer({
    lake,
    publishedDir: defaultPublishDir(config.root),
    backup: { destination: backups.store, retention, ...configFile },
    rateLimit: config.server.rate_limit,
    trustProxy: config.server.trust_proxy,
    maxObjectBytes: config.server.max_object_bytes,
    jsonBodyLimit: config.server.json_body_limit,
    publicReads: config.server.public_reads,
    // The engine starts on the first expression request and stops with the server.
    expression: lazyExpressionService(() => openExpressionService(lake, config)),
    assets,
    ...(web !== undefined ? { web: { root: web } } : {}),
    ...serverLogOptions(process.env),
    ...(config.server.public_url !== undefined ? { publicUrl: config.server.public_url } : {}),
  });
  const host = options.host ?? config.server.host;
  const port = parsePort(options.port, config.server.port);
  const address = await app.listen({ host, port });
  log(`omicslake is serving ${address}`);
  log(dashboardLine(web, address));
  log(`  API docs:  ${address}/docs`);
  log(`  OpenAPI:   ${address}/openapi.json`);
  log(`  catalog:   ${address}/v1/catalog`);
  if (scheduler.active) {
    const when = [
      config.backup.daily && `daily at ${config.backup.daily}`,
      config.backup.weekly && `weekly on ${config.backup.weekly}`,
    ];
    log(`  backups:   ${when.filter(Boolean).join(", ")} (local time) to ${backups.store.url}`);
  }
  // A backup a killed server left running is marked failed now, not only by the next backup.
  await backupRepository(lake).sweepStale();
  scheduler.start();
  if (daemon) {
    log(`  automation: every ${config.automation.interval} s (${assets.runnerKind} runs)`);
    daemon.start();
  }
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      log("shutting down…");
      stopBackups.abort();
      void Promise.all([scheduler.stop(), daemon?.stop()])
        .then(() => app.close())
        .then(() => assets.close())
        .then(() => backups.close())
        .then(resolve, resolve);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

/** The automation daemon `serve` runs: it logs what it requests and how each request ended. */
function servedDaemon(
  assets: AutomatedAssetService,
  config: LakeConfig,
  log: (line: string) => void,
): AutomationDaemon {
  return createAutomationDaemon(assets, {
    intervalMs: config.automation.interval * 1000,
    onRequests: (requests) => {
      for (const r of requests) log(`automation requested ${requestName(r)}: ${r.reason}`);
    },
    onOutcome: (outcome) => log(`automation ${eventLine({ kind: "finished", outcome }) ?? ""}`),
    onError: (error) =>
      log(`automation evaluation failed: ${error instanceof Error ? error.message : String(error)}`),
  });
}

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("serve the REST API, its docs and the web dashboard for this lake")
    .option("-p, --port <port>", "TCP port (default from [server])")
    .option("-H, --host <host>", "interface (default from [server])")
    .action(async (options: ListenOptions, command: Command) => {
      const config = await commandConfig(command.optsWithGlobals<GlobalOptions>());
      const lake = await openLake(config, { onNotice: writeStderrLine });
      try {
        await serveLake(lake, config, options, writeStderrLine);
      } finally {
        await lake.close();
      }
    });
}
