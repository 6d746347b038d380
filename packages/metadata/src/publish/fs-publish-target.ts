import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { pathToFileURL } from "node:url";
import { HashingPassThrough, type PublishTarget } from "./publish-target.js";

/**
 * A published tree in a local directory. Each file is written to a temp file beside its final name,
 * checked, flushed to disk and renamed into place: a reader (or a static HTTP server) never sees a
 * half-written file, and a publish killed mid-copy leaves only a `.publish-*.tmp` file behind.
 */
export class FsPublishTarget implements PublishTarget {
  readonly root: string;
  readonly url: string;

  constructor(dir: string) {
    this.root = resolve(dir);
    this.url = pathToFileURL(this.root).href;
  }

  async readText(path: string): Promise<string | undefined> {
    try {
      return await readFile(this.#file(path), "utf8");
    } catch (error) {
      if ((error as { code?: unknown }).code === "ENOENT") return undefined;
      throw error;
    }
  }

  async upload(
    path: string,
    body: NodeJS.ReadableStream,
    expected: { sha256: string; size: number },
  ): Promise<void> {
    const file = this.#file(path);
    const temp = await this.#temp(file);
    try {
      const meter = new HashingPassThrough();
      await pipeline(body, meter, createWriteStream(temp, { flags: "wx" }));
      meter.check(path, expected);
      await this.#commit(temp, file);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async writeTextAtomically(path: string, text: string): Promise<void> {
    const file = this.#file(path);
    const temp = await this.#temp(file);
    try {
      const handle = await open(temp, "wx");
      try {
        await handle.writeFile(text, "utf8");
      } finally {
        await handle.close();
      }
      await this.#commit(temp, file);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async remove(path: string): Promise<void> {
    await rm(this.#file(path), { force: true });
  }

  async close(): Promise<void> {}

  #file(path: string): string {
    return join(this.root, ...path.split("/"));
  }

  async #temp(file: string): Promise<string> {
    await mkdir(dirname(file), { recursive: true });
    return `${file}.publish-${randomBytes(6).toString("hex")}.tmp`;
  }

  /** fsync, then rename: after a crash the name holds either the old bytes or all of the new ones. */
  async #commit(temp: string, file: string): Promise<void> {
    const handle = await open(temp, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  }
}
