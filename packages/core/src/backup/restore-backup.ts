import { createHash } from "node:crypto";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { CATALOG_MIGRATIONS } from "../catalog-db/migrations/catalog-migrations.js";
import { runMigrations } from "../catalog-db/migrations/migrator.js";
import { openSqlClient } from "../catalog-db/open-sql-client.js";
import { ConflictError, IntegrityError, ValidationError } from "../errors/omicslake-error.js";
import { FsObjectStore } from "../object-store/fs/fs-object-store.js";
import type { ObjectStore } from "../object-store/object-store.js";
import { faultPoint } from "../testing-hooks/fault-point.js";
import { restoredConfigText } from "./backup-config-file.js";
import { MANIFEST_NAME } from "./backup-layout.js";
import { parseManifest, type BackupManifest } from "./backup-manifest.js";
import { loadCatalogDump } from "./catalog-load.js";
import { poolKey } from "./backup-layout.js";
import { RESTORE_MARKER } from "./restore-marker.js";

export interface RestoreOptions {
  /** The store holding the backup, and the backup's folder in it (`archive/backups/{kind}/{timestamp}/`). */
  readonly store: ObjectStore;
  readonly folder: string;
  /** The directory the new lake is built in: absent or empty. */
  readonly into: string;
  /** The manifest's sha256 as the catalog recorded it, when restoring by id. */
  readonly manifestSha256?: string;
  readonly onProgress?: (event: { objects: number; bytes: number }) => void;
}

export interface RestoreResult {
  readonly id: number;
  readonly kind: string;
  readonly into: string;
  readonly config: string;
  readonly objects: number;
  readonly bytes: number;
  readonly tables: Readonly<Record<string, number>>;
}

/**
 * Builds a new lake in `into` from a backup: `omicslake.toml`, an embedded PGlite catalog holding the
 * dumped rows (migrated to the dump's level first, then to this release's), and a filesystem store
 * with every object, each verified against the manifest's sha256 while it is written. A
 * RESTORE-INCOMPLETE marker is written before anything else and removed last, and a lake with the marker
 * refuses to open: a restore killed midway leaves a directory that says so, never a lake that looks whole.
 */
export async function restoreBackup(options: RestoreOptions): Promise<RestoreResult> {
  const into = resolve(options.into);
  await assertEmptyDir(into);
  await mkdir(into, { recursive: true, mode: 0o700 });
  const marker = join(into, RESTORE_MARKER);
  await writeFile(
    marker,
    `restore of ${options.store.url}/${options.folder} started ${new Date().toISOString()}\n`,
    {
      mode: 0o600,
      flag: "wx",
    },
  );
  faultPoint("restore.marked");

  const manifestKey = `${options.folder}${MANIFEST_NAME}`;
  const { manifest, sha256: manifestSha256 } = await readManifest(
    options.store,
    manifestKey,
    options.manifestSha256,
  );
  const level = migrationLevel(manifest);

  // The config comes first, so opening the directory as a lake meets the marker and says why it cannot.
  const config = join(into, "omicslake.toml");
  const backedUpConfig = manifest.config
    ? await streamText(await options.store.get(manifest.config.key, { verifySha256: manifest.config.sha256 }))
    : undefined;
  await writeFile(
    config,
    restoredConfigText(backedUpConfig, [
      `# Restored from backup ${manifest.id} (${manifest.kind}, ${manifest.created_at}) of ${manifest.source}.`,
      "# Objects in ./objects, the embedded catalog in ./catalog. Serving tables are not part of a",
      '# backup: run "omicslake load" to rebuild them from the curated objects. Secrets (S3 credentials,',
      "# API keys of sources) were not backed up: add them again where needed.",
    ]),
    { mode: 0o600 },
  );

  const db = await openSqlClient({ pgliteDir: join(into, "catalog") });
  let tables: Record<string, number>;
  try {
    await runMigrations(db, CATALOG_MIGRATIONS.slice(0, level));
    const dumped = new Map<string, () => Promise<Readable>>(
      manifest.catalog.map((t) => [t.table, () => options.store.get(t.key, { verifySha256: t.sha256 })]),
    );
    tables = await loadCatalogDump(db, dumped);
    await settleRunningWork(db, manifest, manifestSha256);
    await runMigrations(db);
  } finally {
    await db.close();
  }
  faultPoint("restore.catalog-loaded");

  const objects = new FsObjectStore(join(into, "objects"));
  let count = 0;
  let bytes = 0;
  try {
    for (const object of manifest.objects) {
      const body = await options.store.get(poolKey(object.sha256));
      try {
        await objects.put(object.key, body, {
          expectedSha256: object.sha256,
          expectedSize: object.size,
          ...(object.media_type ? { mediaType: object.media_type } : {}),
        });
      } catch (error) {
        body.destroy();
        if (error instanceof IntegrityError) {
          throw new IntegrityError(
            `the backup's copy of ${JSON.stringify(object.key)} does not match its manifest (sha256 ${object.sha256})`,
            {
              details: { key: object.key, pool: poolKey(object.sha256), expectedSha256: object.sha256 },
              hint: "This backup's pool is damaged; restore from another backup",
              cause: error,
            },
          );
        }
        throw error;
      }
      count++;
      bytes += object.size;
      options.onProgress?.({ objects: count, bytes });
      faultPoint("restore.object");
    }
  } finally {
    await objects.close();
  }

  await rm(marker);
  return { id: manifest.id, kind: manifest.kind, into, config, objects: count, bytes, tables };
}

async function assertEmptyDir(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    if ((error as NodeJS.ErrnoException).code === "ENOTDIR") {
      throw new ConflictError(`cannot restore into ${dir}: it is a file, not a directory`, {
        details: { path: dir },
        hint: "Restore into a new or empty directory",
      });
    }
    throw error;
  }
  if (entries.length > 0) {
    throw new ConflictError(`cannot restore into ${dir}: it is not empty`, {
      details: { path: dir, entries: entries.slice(0, 10) },
      hint: "Restore into a new or empty directory; a restore never writes over an existing lake",
    });
  }
}

async function readManifest(
  store: ObjectStore,
  key: string,
  sha256: string | undefined,
): Promise<{ manifest: BackupManifest; sha256: string }> {
  const head = await store.head(key);
  if (head === undefined) {
    throw new ValidationError(
      `${store.url}/${key} does not exist: the backup is incomplete or the path is wrong`,
      {
        details: { manifest: `${store.url}/${key}` },
        hint: "A backup without a manifest was interrupted or failed; restore another one",
      },
    );
  }
  const chunks: Buffer[] = [];
  const hash = createHash("sha256");
  for await (const chunk of (await store.get(key)) as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    hash.update(chunk);
  }
  const actual = hash.digest("hex");
  if (sha256 !== undefined && actual !== sha256) {
    throw new IntegrityError(`the manifest ${key} changed since the backup was made`, {
      details: { key, expectedSha256: sha256, actualSha256: actual },
      hint: "Restore another backup",
    });
  }
  return {
    manifest: parseManifest(Buffer.concat(chunks).toString("utf8"), `${store.url}/${key}`),
    sha256: actual,
  };
}

/** How many of this release's migrations the dump had applied; a newer dump is refused. */
function migrationLevel(manifest: BackupManifest): number {
  const ours = CATALOG_MIGRATIONS.map((m) => m.id);
  const extra = manifest.migrations.filter((id) => !ours.includes(id));
  if (extra.length > 0) {
    throw new ValidationError(
      `the backup's catalog has migrations this release does not know: ${extra.join(", ")}`,
      {
        details: { migrations: extra },
        hint: "Restore with the omicslake release that made the backup, or a newer one",
      },
    );
  }
  // Migrations are applied in order, so the dump's level is a prefix; the last one it has fixes the cut.
  const last = manifest.migrations.at(-1);
  return last === undefined ? 0 : ours.indexOf(last) + 1;
}

/**
 * Work that was running when the dump was read never finishes in the restored lake: its runs are
 * marked abandoned and its backups failed, except the backup being restored, which did complete.
 */
async function settleRunningWork(
  db: Awaited<ReturnType<typeof openSqlClient>>,
  manifest: BackupManifest,
  manifestSha256: string,
): Promise<void> {
  await db.query(
    `UPDATE backups SET status = 'succeeded', finished_at = $2, objects = $3, bytes = $4, bytes_copied = $5,
       manifest_sha256 = $6 WHERE id = $1`,
    [
      manifest.id,
      manifest.finished_at,
      manifest.object_count,
      manifest.bytes,
      manifest.bytes_copied,
      manifestSha256,
    ],
  );
  await db.query(
    `UPDATE runs SET status = 'succeeded', finished_at = $2 WHERE status = 'running'
       AND id = (SELECT run_id FROM backups WHERE id = $1)`,
    [manifest.id, manifest.finished_at],
  );
  await db.query(
    `UPDATE backups SET status = 'failed', finished_at = now(), error = jsonb_build_object('code', 'run_abandoned',
       'message', 'running when the backup was taken; it never finished in the restored lake') WHERE status = 'running'`,
  );
  await db.query(
    `UPDATE runs SET status = 'abandoned', finished_at = now(), error = jsonb_build_object('code', 'run_abandoned',
       'message', 'running when the backup was taken; it never finished in the restored lake') WHERE status = 'running'`,
  );
}

async function streamText(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString("utf8");
}
