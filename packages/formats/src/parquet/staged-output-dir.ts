import { randomBytes } from "node:crypto";
import { mkdir, readdir, rename, rm, rmdir, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { ConversionOutput, OutputField } from "../convert/conversion-result.js";

/**
 * Collects a conversion's files in a hidden staging directory inside `outDir` and moves them into `outDir` only
 * when every file was written, so a failed conversion leaves nothing in `outDir` (the staging directory is removed).
 * Same filesystem, so the final moves are renames.
 */
export class StagedOutputDir {
  readonly outDir: string;
  readonly stagingDir: string;
  private readonly outputs: ConversionOutput[] = [];
  /** The first directory `create` had to make, removed again on abort so a failure leaves no trace. */
  private readonly created: string | undefined;

  private constructor(outDir: string, stagingDir: string, created: string | undefined) {
    this.outDir = outDir;
    this.stagingDir = stagingDir;
    this.created = created;
  }

  static async create(outDir: string): Promise<StagedOutputDir> {
    const created = await mkdir(outDir, { recursive: true });
    const staging = join(outDir, `.omicslake-staging-${process.pid}-${randomBytes(6).toString("hex")}`);
    await mkdir(staging);
    return new StagedOutputDir(outDir, staging, created);
  }

  /** Where to write `name` now. */
  path(name: string): string {
    return join(this.stagingDir, name);
  }

  /** Records a written file under its final path. */
  add(
    name: string,
    table: string,
    summary: { rows: number; bytes: number; fields: readonly OutputField[] },
  ): ConversionOutput {
    const output: ConversionOutput = {
      name,
      path: join(this.outDir, name),
      table,
      rows: summary.rows,
      bytes: summary.bytes,
      fields: summary.fields,
    };
    this.outputs.push(output);
    return output;
  }

  async writeJson(name: string, table: string, value: unknown): Promise<ConversionOutput> {
    const path = this.path(name);
    await writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
    const { size } = await stat(path);
    return this.add(name, table, { rows: 1, bytes: size, fields: [] });
  }

  /** Moves every staged file into `outDir` (replacing files of the same name) and returns the outputs. */
  async commit(): Promise<ConversionOutput[]> {
    for (const name of await readdir(this.stagingDir))
      await rename(join(this.stagingDir, name), join(this.outDir, name));
    await rm(this.stagingDir, { recursive: true, force: true });
    return [...this.outputs];
  }

  async abort(): Promise<void> {
    await rm(this.stagingDir, { recursive: true, force: true });
    if (this.created !== undefined) {
      // Only if still empty: never remove anything that was not ours.
      await rmdirChain(this.created, this.outDir);
    }
  }
}

/** Runs `fn` with a staging directory, committing on success and removing everything on failure. */
export async function withStagedOutputDir<T>(
  outDir: string,
  fn: (stage: StagedOutputDir) => Promise<T>,
): Promise<{ result: T; outputs: ConversionOutput[] }> {
  const stage = await StagedOutputDir.create(outDir);
  try {
    const result = await fn(stage);
    return { result, outputs: await stage.commit() };
  } catch (error) {
    await stage.abort();
    throw error;
  }
}

/** Removes the empty directories from `leaf` up to `top` (the first one `mkdir -p` created). */
async function rmdirChain(top: string, leaf: string): Promise<void> {
  let dir = resolve(leaf);
  const stop = resolve(top);
  for (;;) {
    try {
      await rmdir(dir);
    } catch {
      return;
    }
    if (dir === stop) return;
    const parent = dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}
