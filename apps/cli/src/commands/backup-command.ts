import { isAbsolute, resolve } from "node:path";
import {
  NotFoundError,
  backupRecord,
  backupRepository,
  isBackupKind,
  openBackupStore,
  runBackup,
  type BackupRecord,
} from "@omicslake/core";
import type { Command } from "commander";
import { UsageError } from "../cli-error.js";
import { cliIo } from "../cli-io.js";
import { withLongCommand } from "../long-command.js";
import { withLake, type GlobalOptions } from "../context.js";
import { humanBytes, table } from "../output/output.js";

/**
 * A backup id as typed: digits past the catalog's bigint range name no backup, and are reported as typed
 * rather than as the rounded number JavaScript would make of them.
 */
export function backupIdOf(text: string): number {
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id < 1) {
    throw new NotFoundError("backup", text, { hint: 'List backups with "omicslake backups"' });
  }
  return id;
}

function describe(record: BackupRecord): string {
  const lines = [
    `backup ${record.id} (${record.kind}) ${record.status}`,
    `  destination: ${record.destination}`,
    `  folder:      ${record.folder}`,
    `  objects:     ${record.objects} (${humanBytes(record.bytes)}; ${humanBytes(record.bytes_copied)} copied)`,
    `  started:     ${record.started_at}`,
  ];
  if (record.finished_at) lines.push(`  finished:    ${record.finished_at}`);
  if (record.manifest) lines.push(`  manifest:    ${record.manifest.key} (sha256 ${record.manifest.sha256})`);
  if (record.error) lines.push(`  error:       ${record.error.message}`);
  return lines.join("\n");
}

export function registerBackup(program: Command): void {
  program
    .command("backup")
    .description(
      "back up the catalog and every object not yet in the destination's pool, verified, with a manifest",
    )
    .option("--kind <kind>", "manual, daily or weekly (retention applies to daily and weekly)", "manual")
    .option("--to <url>", "file://DIR or s3://bucket/prefix (default [backup] to, else the lake's own store)")
    .action(async (options: { kind: string; to?: string }, command: Command) => {
      const kind = options.kind;
      if (!isBackupKind(kind)) throw new UsageError(`--kind must be manual, daily or weekly, got "${kind}"`);
      if (options.to !== undefined && !/^(file|s3):\/\//.test(options.to))
        throw new UsageError(`--to must start with file:// or s3://, got "${options.to}"`);
      // A relative file:// destination is relative to where the command runs, as a path argument would be.
      const to =
        options.to?.startsWith("file://") && !isAbsolute(options.to.slice("file://".length))
          ? `file://${resolve(cliIo().cwd, options.to.slice("file://".length))}`
          : options.to;
      await withLongCommand(command, async (lake, out, config, step) => {
        const destination = await openBackupStore(config, lake.store, to);
        try {
          const job = await runBackup(lake, {
            kind,
            destination: destination.store,
            retention: { keepDaily: config.backup.keepDaily, keepWeekly: config.backup.keepWeekly },
            ...(config.file !== undefined ? { configFile: config.file } : {}),
            ...(step.signal ? { signal: step.signal } : {}),
          });
          const record = backupRecord(job);
          out.data(record, () => describe(record));
        } finally {
          await destination.close();
        }
      });
    });

  program
    .command("backups")
    .description("list backups with their status, sizes and errors, or show one")
    .argument("[id]", "a backup id")
    .action(async (id: string | undefined, _options: unknown, command: Command) => {
      if (id !== undefined && !/^\d+$/.test(id))
        throw new UsageError(`backup id must be a number, got "${id}"`);
      await withLake(command.optsWithGlobals<GlobalOptions>(), async (lake, out) => {
        const repo = backupRepository(lake);
        if (id !== undefined) {
          const record = backupRecord(await repo.get(backupIdOf(id)));
          out.data(record, () => describe(record));
          return;
        }
        const records = (await repo.list({ limit: 100 })).map(backupRecord);
        out.data(records, () =>
          records.length === 0
            ? "no backups"
            : table(
                ["ID", "KIND", "STATUS", "STARTED", "OBJECTS", "BYTES", "COPIED", "ERROR"],
                records.map((r) => [
                  r.id,
                  r.kind,
                  r.status,
                  r.started_at,
                  r.objects,
                  humanBytes(r.bytes),
                  humanBytes(r.bytes_copied),
                  r.error?.message,
                ]),
              ),
        );
      });
    });
}
