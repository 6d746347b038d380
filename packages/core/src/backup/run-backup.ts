import { catalogClient } from "../catalog/catalog-client.js";
import { ConflictError, OmicslakeError } from "../errors/omicslake-error.js";
import type { Lake } from "../lake/lake.js";
import type { ObjectStore } from "../object-store/object-store.js";
import { BACKUP_CONFIG_NAME, backupConfigText } from "./backup-config-file.js";
import { faultPoint } from "../testing-hooks/fault-point.js";
import type { BackupJob } from "./backup-job.js";
import { backupFolder, MANIFEST_NAME, type BackupKind } from "./backup-layout.js";
import { manifestChunks, objectsOfDump, MANIFEST_FORMAT } from "./backup-manifest.js";
import { BackupRepository } from "./backup-repository.js";
import { pruneBackups, removeFailedBackupFolders, type Retention } from "./backup-retention.js";
import { dumpCatalog } from "./catalog-dump.js";
import { copyToPool } from "./object-pool.js";

export interface BackupOptions {
  readonly kind?: BackupKind;
  /** Where the backup goes; default the lake's own store (under archive/backups/). */
  readonly destination?: ObjectStore;
  /** Prune old backups of the scheduled kinds at this destination after a success. */
  readonly retention?: Retention;
  readonly signal?: AbortSignal;
  /** The lake's omicslake.toml: kept in the backup without its secrets, so a restore gets its settings back. */
  readonly configFile?: string;
  /** Told the running backup's record once it is recorded, before any byte is copied. */
  readonly onStarted?: (job: BackupJob) => void;
}

/** The backups table of a lake's catalog. */
export function backupRepository(lake: Lake): BackupRepository {
  return new BackupRepository(catalogClient(lake.catalog));
}

/**
 * Backs the lake up: a consistent dump of the catalog, then every object the destination's pool does
 * not hold yet (verified while copied), then the manifest, last. Recorded as a `backup` run and a row
 * of the backups table; a failure marks both failed with the error and writes no manifest. A process
 * killed midway leaves a `running` row whose run the next process finds dead: the next backup marks
 * it failed.
 *
 * @example const job = await runBackup(lake, { kind: "manual" }); // job.bytesCopied: what was new
 */
export async function runBackup(lake: Lake, options: BackupOptions = {}): Promise<BackupJob> {
  const kind = options.kind ?? "manual";
  const destination = options.destination ?? lake.store;
  const repo = backupRepository(lake);
  await lake.abandonDeadRuns();
  await repo.sweepStale();
  await repo.assertNoneRunning();
  if (destination.url === lake.store.url && (await lake.catalog.findDataset("backups", "archive"))) {
    // A dataset made before the name was reserved shares archive/backups/ with the backups: retention
    // would take its objects for unreferenced pool objects and delete them.
    throw new ConflictError(
      'the lake has a dataset "archive:backups", whose objects share the keys of the backups in its own store',
      {
        details: { dataset: "archive:backups", destination: destination.url },
        hint: "Promote or copy that dataset under another name, or back up elsewhere with --to (or [backup] to)",
      },
    );
  }
  const { result } = await lake.withRun(
    "backup",
    {
      parameters: { kind, destination: destination.url },
      ...(options.signal ? { signal: options.signal } : {}),
    },
    async (run) => {
      const startedAt = lake.clock();
      const folder = backupFolder(kind, startedAt);
      const job = await repo.start({ kind, destination: destination.url, folder, runId: run.id, startedAt });
      options.onStarted?.(job);
      const totals = { objects: 0, bytes: 0, bytesCopied: 0 };
      try {
        const swept = await removeFailedBackupFolders(repo, destination);
        if (swept > 0) run.log(`removed the unfinished folders of ${swept} failed backups`);
        const dump = await dumpCatalog(catalogClient(lake.catalog), destination, folder);
        run.log(`catalog: ${dump.tables.map((t) => `${t.table} ${t.rows}`).join(", ")}`);
        faultPoint("backup.catalog-dumped");
        const config =
          options.configFile === undefined
            ? undefined
            : await destination.put(
                `${folder}${BACKUP_CONFIG_NAME}`,
                Buffer.from(await backupConfigText(options.configFile)),
                { mediaType: "application/toml" },
              );
        const objectsDump = dump.tables.find((t) => t.table === "objects");
        const readObjects = async function* () {
          if (!objectsDump) return;
          yield* objectsOfDump(await destination.get(objectsDump.key, { verifySha256: objectsDump.sha256 }));
        };
        for await (const object of readObjects()) {
          options.signal?.throwIfAborted();
          totals.bytesCopied += await copyToPool(lake.store, destination, object, options.signal);
          totals.objects++;
          totals.bytes += object.size;
          faultPoint("backup.object-copied");
        }
        const manifest = await destination.put(
          `${folder}${MANIFEST_NAME}`,
          manifestChunks(
            {
              format: MANIFEST_FORMAT,
              id: job.id,
              kind,
              created_at: startedAt.toISOString(),
              finished_at: lake.clock().toISOString(),
              source: lake.store.url,
              migrations: dump.migrations,
              catalog: dump.tables,
              ...(config ? { config: { key: config.key, sha256: config.sha256, size: config.size } } : {}),
            },
            readObjects(),
            totals.bytesCopied,
          ),
          { mediaType: "application/json" },
        );
        run.log(`${totals.objects} objects, ${totals.bytes} bytes, ${totals.bytesCopied} copied`);
        run.rows("objects", totals.objects);
        if (options.retention) {
          // Pruned while this backup is still `running`, so no other backup adds to the pool meanwhile.
          // The backup itself is complete: a failed prune is logged and retried by the next backup.
          try {
            const pruned = await pruneBackups(repo, destination, options.retention, kind);
            if (pruned.backups.length > 0)
              run.log(`pruned backups ${pruned.backups.join(", ")} and ${pruned.poolObjects} pool objects`);
          } catch (error) {
            run.log(`pruning failed: ${error instanceof Error ? error.message : String(error)}`);
          }
        }
        return await repo.succeed(job.id, { ...totals, manifestSha256: manifest.sha256 });
      } catch (error) {
        const failure =
          error instanceof OmicslakeError
            ? { code: error.code, message: error.message, details: error.details }
            : { code: "internal", message: error instanceof Error ? error.message : String(error) };
        await repo.fail(job.id, failure, totals);
        throw error;
      }
    },
  );
  return result;
}
