import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname, join, resolve } from "node:path";
import { ConflictError, isPidAlive } from "@omicslake/core";
import { pipeline } from "node:stream/promises";
import { pathToFileURL } from "node:url";
import { HashingPassThrough, type PublishTarget } from "./publish-target.js";

/**
 * A published tree in a local directory. Each file is written to a temp file beside its final name,
 * checked, flushed to disk and renamed into place: a reader (or a static HTTP server) never sees a
 * half-written file, and a publish killed mid-copy leaves only a `.publish-*.tmp` file behind.
 */
const LOCK_NAME = ".publish.lock";
const TEMP_FILE = /\.publish-[0-9a-f]{12}\.tmp$/;

export class FsPublishTarget implements PublishTarget {
  readonly root: string;
  readonly url: string;
  #locked = false;

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

  /**
   * Takes the destination for this process (`.publish.lock`, created exclusively): a second publish to
   * the same folder is refused while the first runs. A lock whose process is gone (same host) is taken
   * over, and the temp files that publish left are removed: under the lock no other writer has any.
   */
  async acquire(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    const lock = join(this.root, LOCK_NAME);
    const mine = JSON.stringify({ host: hostname(), pid: process.pid });
    for (let attempt = 0; ; attempt++) {
      try {
        const handle = await open(lock, "wx");
        try {
          await handle.writeFile(mine, "utf8");
        } finally {
          await handle.close();
        }
        break;
      } catch (error) {
        if ((error as { code?: unknown }).code !== "EEXIST") throw error;
        const holder: { host?: unknown; pid?: unknown } = await readFile(lock, "utf8")
          .then((text) => JSON.parse(text) as { host?: unknown; pid?: unknown })
          .catch(() => ({}));
        const gone = holder.host === hostname() && typeof holder.pid === "number" && !isPidAlive(holder.pid);
        if (!gone || attempt > 0) {
          throw new ConflictError(`another publish to ${this.url} is running`, {
            details: { destination: this.url, lock, holder },
            hint: `Wait for it to finish; if no publish runs, remove ${LOCK_NAME} in the destination`,
          });
        }
        await rm(lock, { force: true });
      }
    }
    this.#locked = true;
    await this.#sweepTemps();
  }

  async close(): Promise<void> {
    if (this.#locked) await rm(join(this.root, LOCK_NAME), { force: true });
    this.#locked = false;
  }

  async #sweepTemps(): Promise<void> {
    const entries = await readdir(this.root, { recursive: true }).catch(() => [] as string[]);
    for (const entry of entries) {
      if (TEMP_FILE.test(entry)) await rm(join(this.root, entry), { force: true });
    }
  }

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
