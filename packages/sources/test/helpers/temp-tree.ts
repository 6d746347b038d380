import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** A temporary directory for one test; `remove` deletes it and everything in it. */
export interface TempTree {
  readonly dir: string;
  /** Writes each file (relative `/`-separated name → contents), creating directories on the way. */
  write(files: Readonly<Record<string, string>>, under?: string): Promise<void>;
  remove(): Promise<void>;
}

export async function tempTree(prefix = "omicslake-tree-"): Promise<TempTree> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return {
    dir,
    async write(files, under = "") {
      for (const [name, body] of Object.entries(files)) {
        const path = join(dir, under, name);
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, body);
      }
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
