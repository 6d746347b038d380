import { createHash, randomUUID } from "node:crypto";
import type { Dirent } from "node:fs";
import { lstat, readdir, rm, rmdir } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { isLayer } from "../layer.js";
import type { DebrisOptions, StoreDebris } from "../object-store.js";
import { isPidAlive } from "../../process/pid-alive.js";

/** Folders of the filesystem store's root that are not layers (see FsObjectStore). */
export const FS_TEMP_DIR = ".tmp";
export const FS_META_DIR = ".meta";

/** A short, file-name-safe stand-in for this host's name. */
const HOST_TAG = hostTag(hostname());

function hostTag(host: string): string {
  return createHash("sha256").update(host).digest("hex").slice(0, 12);
}

/**
 * The name of a new temp file: `<host tag>.<pid>.<uuid>`, so a later process on the same host can
 * tell that the writer is gone (its pid no longer runs) and the file is dead, however recent it is.
 */
export function fsTempFileName(): string {
  return `${HOST_TAG}.${process.pid}.${randomUUID()}`;
}

/** Whether the writer named in a temp file name is provably gone; undefined when that cannot be known. */
function writerGone(name: string): boolean | undefined {
  const match = /^([0-9a-f]{12})\.(\d+)\./.exec(name);
  if (!match || match[1] !== HOST_TAG) return undefined;
  const pid = Number(match[2]);
  return !isPidAlive(pid);
}

/**
 * Leftovers in a filesystem store's root: temp files of writes that never published, sidecars
 * whose data file is gone, and anything at the root that is not a layer folder, `.tmp` or `.meta`.
 * Temp files are removable when their writer's process is gone or they are older than the given age;
 * a stray sidecar describes nothing and is always removable; root strays are only reported.
 */
export async function* listFsDebris(root: string, options: DebrisOptions): AsyncGenerator<StoreDebris> {
  for (const entry of options.tempOnly ? [] : await readdirOrEmpty(root)) {
    if (entry === FS_TEMP_DIR || entry === FS_META_DIR || isLayer(entry)) continue;
    const stats = await lstat(join(root, entry)).catch(() => undefined);
    if (stats === undefined) continue;
    yield {
      kind: "root_stray",
      path: entry,
      size: stats.size,
      modifiedAt: stats.mtime,
      removable: false,
      reason: "not a layer folder; left for an operator to look at",
    };
  }
  for (const name of await readdirOrEmpty(join(root, FS_TEMP_DIR))) {
    const stats = await lstat(join(root, FS_TEMP_DIR, name)).catch(() => undefined);
    if (stats === undefined) continue;
    const gone = writerGone(name);
    const age = options.now.getTime() - stats.mtimeMs;
    const removable = gone === true || age >= options.olderThanMs;
    yield {
      kind: "temp",
      path: `${FS_TEMP_DIR}/${name}`,
      size: stats.size,
      modifiedAt: stats.mtime,
      removable,
      reason:
        gone === true
          ? "its writer's process is gone"
          : removable
            ? `untouched for ${Math.round(age / 1000)} s`
            : "its writer may still be working",
    };
  }
  if (!options.tempOnly) yield* straySidecars(root, []);
}

async function* straySidecars(root: string, segments: string[]): AsyncGenerator<StoreDebris> {
  for (const entry of await readdirOrEmpty(join(root, FS_META_DIR, ...segments), true)) {
    const path = [...segments, entry.name];
    if (entry.isDirectory()) {
      yield* straySidecars(root, path);
      continue;
    }
    const data = await lstat(join(root, ...path)).catch(() => undefined);
    if (data?.isFile() === true && isLayer(path[0] ?? "")) continue;
    const stats = await lstat(join(root, FS_META_DIR, ...path)).catch(() => undefined);
    if (stats === undefined) continue;
    yield {
      kind: "stray_sidecar",
      path: `${FS_META_DIR}/${path.join("/")}`,
      size: stats.size,
      modifiedAt: stats.mtime,
      removable: true,
      reason: "describes an object that is not in the store",
    };
  }
}

/** Removes a temp file or a stray sidecar (and the sidecar folders it leaves empty); refuses anything else. */
export async function removeFsDebris(root: string, debris: StoreDebris): Promise<void> {
  const segments = debris.path.split("/");
  const inTemp = debris.kind === "temp" && segments.length === 2 && segments[0] === FS_TEMP_DIR;
  const inMeta = debris.kind === "stray_sidecar" && segments.length >= 2 && segments[0] === FS_META_DIR;
  if (!(inTemp || inMeta) || segments.some((s) => s === "" || s === "." || s === "..")) {
    throw new Error(`not removable debris: ${debris.kind} ${debris.path}`);
  }
  await rm(join(root, ...segments), { force: true });
  if (inMeta) {
    for (let n = segments.length - 1; n > 1; n--) {
      try {
        await rmdir(join(root, ...segments.slice(0, n)));
      } catch {
        break; // not empty: stop
      }
    }
  }
}

async function readdirOrEmpty(dir: string): Promise<string[]>;
async function readdirOrEmpty(dir: string, withTypes: true): Promise<Dirent[]>;
async function readdirOrEmpty(dir: string, withTypes?: true): Promise<string[] | Dirent[]> {
  try {
    return withTypes ? await readdir(dir, { withFileTypes: true }) : await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return [];
    throw error;
  }
}
