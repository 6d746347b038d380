import type { Dirent } from "node:fs";
import { lstat, readdir, realpath, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { ValidationError } from "../errors/omicslake-error.js";
import type { LocalFile } from "./lake.js";

/**
 * The files of a folder as objects of one dataset: every regular file below it, named by its path inside the
 * folder (`sub/matrix.mtx.gz`), hidden files and folders left out as `convert DIR` leaves them out. A link is
 * followed only when it stays inside the folder: a link to a file elsewhere would publish that file's bytes
 * under a name that hides where they came from. Sockets, pipes and devices are refused; an empty folder is too.
 *
 * @example await lake.addFiles(await directoryFiles("filtered_feature_bc_matrix"), { dataset: "pbmc" })
 */
export async function directoryFiles(dir: string): Promise<LocalFile[]> {
  const root = await realpath(dir).catch((cause: unknown) => {
    throw new ValidationError(`cannot read folder ${dir}`, {
      details: { folder: dir },
      cause,
      hint: "Check the path",
    });
  });
  const files: LocalFile[] = [];
  await walk(dir, root, "", files);
  if (files.length === 0) {
    throw new ValidationError(`folder ${dir} holds no files to ingest`, {
      details: { folder: dir },
      hint: "Hidden files (names starting with '.') are left out; put the data files in the folder",
    });
  }
  return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function walk(dir: string, root: string, prefix: string, files: LocalFile[]): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (cause) {
    throw new ValidationError(`cannot read folder ${dir}`, {
      details: { folder: dir },
      cause,
      hint: "Check its permissions",
    });
  }
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    const name = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    let kind = await lstat(path);
    if (kind.isSymbolicLink()) {
      const target = await realpath(path).catch((cause: unknown) => {
        throw new ValidationError(`link ${path} points to nothing`, {
          details: { file: path },
          cause,
          hint: "Remove the broken link",
        });
      });
      const inside = relative(root, target);
      if (inside === "" || inside.startsWith(`..${sep}`) || inside === ".." || inside.startsWith(sep)) {
        throw new ValidationError(`link ${path} points outside the folder, to ${target}`, {
          details: { file: path, target },
          hint: "Copy the file into the folder instead of linking to it, or ingest it by its own path",
        });
      }
      kind = await stat(path);
      // A link to a folder inside the folder would list its files twice.
      if (kind.isDirectory()) continue;
    }
    if (kind.isDirectory()) {
      await walk(path, root, name, files);
    } else if (kind.isFile()) {
      files.push({ file: path, name });
    } else {
      throw new ValidationError(`${path} is not a regular file`, {
        details: { file: path },
        hint: "Only regular files are ingested; remove sockets, pipes and devices from the folder",
      });
    }
  }
}
