import { open, realpath, type FileHandle } from "node:fs/promises";
import { extname, isAbsolute, relative, resolve, sep } from "node:path";

/**
 * The media types of what a Vite build writes; anything else is sent as bytes, never sniffed
 * (`X-Content-Type-Options: nosniff` goes with every dashboard response).
 */
const MEDIA_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".ttf": "font/ttf",
  ".txt": "text/plain; charset=utf-8",
  ".wasm": "application/wasm",
};

export function mediaTypeOf(name: string): string {
  return MEDIA_TYPES[extname(name).toLowerCase()] ?? "application/octet-stream";
}

/** An open file of the dashboard build, with its size; the caller streams and so closes it. */
export interface DashboardFile {
  readonly handle: FileHandle;
  readonly size: number;
  readonly mediaType: string;
}

/**
 * Opens `relativePath` inside `folder`, or returns undefined when it is not a regular file there. The
 * path comes from a URL, so every way out is refused before the file system is asked: empty, `.` and
 * `..` segments, backslashes, NUL, absolute paths, and dotfiles (a build has none; an editor's swap
 * file or `.env` left beside it is not the dashboard's). A symbolic link that leads outside the folder
 * is refused too, by comparing real paths.
 */
export async function openDashboardFile(
  folder: string,
  relativePath: string,
): Promise<DashboardFile | undefined> {
  const segments = relativePath.split("/");
  const unsafe =
    relativePath.length === 0 ||
    relativePath.includes("\\") ||
    relativePath.includes("\0") ||
    segments.some((s) => s === "" || s.startsWith("."));
  if (unsafe) return undefined;
  const base = resolve(folder);
  const candidate = resolve(base, ...segments);
  if (!inside(base, candidate)) return undefined;
  let handle: FileHandle | undefined;
  try {
    const [realBase, realFile] = await Promise.all([realpath(base), realpath(candidate)]);
    if (!inside(realBase, realFile)) return undefined;
    handle = await open(realFile, "r");
    const stat = await handle.stat();
    if (!stat.isFile()) {
      await handle.close();
      return undefined;
    }
    return { handle, size: stat.size, mediaType: mediaTypeOf(realFile) };
  } catch (error) {
    await handle?.close();
    const code = (error as NodeJS.ErrnoException).code;
    // Not there, a directory, a name too long or a path through a file: all are "no such file" to a client.
    if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR" || code === "ENAMETOOLONG")
      return undefined;
    throw error;
  }
}

function inside(base: string, path: string): boolean {
  const rel = relative(base, path);
  return rel !== "" && !rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel);
}
