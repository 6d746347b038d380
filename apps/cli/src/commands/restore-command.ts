import { resolve } from "node:path";
import {
  FsObjectStore,
  backupRepository,
  openBackupStore,
  openLake,
  restoreBackup,
  splitBackupLocation,
  type ObjectStore,
} from "@omicslake/core";
import type { Command } from "commander";
import { cliIo } from "../cli-io.js";
import { backupIdOf } from "./backup-command.js";
import { UsageError } from "../cli-error.js";
import type { GlobalOptions } from "../context.js";
import { Output } from "../output/output.js";
import { writeStderrLine } from "../output/terminal-text.js";
import { loadLakeConfig } from "../load-lake-config.js";

interface Source {
  readonly store: ObjectStore;
  readonly folder: string;
  readonly manifestSha256?: string;
  close(): Promise<void>;
}

/**
 * A backup by id is looked up in this lake's catalog (which must be closed again before the restore
 * starts: the restore does not need it, and an embedded catalog admits one process at a time); a path
 * or URL is used as given, with this lake's [lake.s3] settings for s3:// when there is a config.
 */
async function openSource(what: string, options: GlobalOptions): Promise<Source> {
  const { cwd, env } = cliIo();
  const config = await loadLakeConfig({
    cwd,
    env,
    allowMissing: !/^\d+$/.test(what),
    ...(options.config !== undefined ? { file: options.config } : {}),
  });
  if (/^\d+$/.test(what)) {
    const lake = await openLake(config, { onNotice: writeStderrLine });
    try {
      const job = await backupRepository(lake).get(backupIdOf(what));
      if (job.status !== "succeeded" || job.manifest === null) {
        throw new UsageError(`backup ${job.id} is ${job.status}: only a succeeded backup can be restored`, {
          hint: 'List backups with "omicslake backups" and pick a succeeded one',
        });
      }
      const destination = await openBackupStore(config, undefined, job.destination);
      return { ...destination, folder: job.folder, manifestSha256: job.manifest.sha256 };
    } finally {
      await lake.close();
    }
  }
  const { storeUrl, folder } = splitBackupLocation(what);
  if (/^s3:\/\//.test(storeUrl)) {
    const destination = await openBackupStore(config, undefined, storeUrl);
    return { ...destination, folder };
  }
  const store = new FsObjectStore(resolve(cwd, storeUrl.replace(/^file:\/\//, "")));
  return { store, folder, close: () => store.close() };
}

export function registerRestore(program: Command): void {
  program
    .command("restore")
    .description("build a new lake in an empty directory from a backup, verifying every object")
    .argument(
      "<backup>",
      "a backup id of this lake, or the path or URL of a backup folder or its manifest.json",
    )
    .requiredOption("--into <dir>", "the directory to build the lake in (must be absent or empty)")
    .action(async (what: string, options: { into: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const out = new Output(global.json === true);
      const source = await openSource(what, global);
      try {
        const result = await restoreBackup({
          store: source.store,
          folder: source.folder,
          into: resolve(cliIo().cwd, options.into),
          ...(source.manifestSha256 !== undefined ? { manifestSha256: source.manifestSha256 } : {}),
        });
        out.data(result, () =>
          [
            `Restored backup ${result.id} (${result.kind}) into ${result.into}: ${result.objects} objects`,
            `  config: ${result.config}`,
            '  Serving tables are not in backups: run "omicslake load" there to rebuild them.',
          ].join("\n"),
        );
      } finally {
        await source.close();
      }
    });
}
