import { existsSync } from "node:fs";
import { readdir, readFile, rm } from "node:fs/promises";
import { setTimeout as delay } from "node:timers/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CancelledError } from "@omicslake/core";
import { downloadRun, type RunDownload } from "../src/kinds/sra-reads/run-download.js";
import { tempTree, type TempTree } from "./helpers/temp-tree.js";

let tree: TempTree;
beforeEach(async () => {
  tree = await tempTree();
});
afterEach(async () => {
  await tree.remove();
});

const request = (command: string, extra: Partial<RunDownload> = {}): RunDownload => ({
  command,
  accession: "SRR1",
  datasetDir: join(tree.dir, "mirror"),
  layout: "level1",
  species: "Homo sapiens",
  threads: 1,
  ...extra,
});

/** Whether a process runs (a zombie left for an init that does not reap is not running). */
async function running(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  return stat !== undefined && stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
}

describe("download_command under attack", () => {
  it("stops every process of a cancelled command: a shell's child, and one that ignores SIGTERM", async () => {
    const pidFile = join(tree.dir, "child.pid");
    for (const script of [
      `sleep 60 & echo $! > "${pidFile}"; wait`,
      `trap "" TERM; sleep 60 & echo $! > "${pidFile}"; wait; wait`,
    ]) {
      const controller = new AbortController();
      const run = downloadRun(request(`sh -c '${script}' {accession}`, { signal: controller.signal }));
      while (!existsSync(pidFile) || (await readFile(pidFile, "utf8")).trim() === "") await delay(20);
      const child = Number((await readFile(pidFile, "utf8")).trim());
      controller.abort();
      const error = await run.catch((e: unknown) => e);
      expect(error, script).toBeInstanceOf(CancelledError);
      // The command's child was stopped too: without the process group it would run for a minute, past the
      // test's timeout (a killed process may take a moment to leave the process table, hence the wait).
      while (await running(child)) await delay(20);
      expect(await readdir(join(tree.dir, "mirror"))).toEqual([]);
      await rm(pidFile);
    }
  }, 30_000);

  it("refuses a symbolic link written as output and moves nothing into the mirror", async () => {
    const outcome = await downloadRun(
      request("sh -c 'ln -s /etc/passwd SRR1_1.fastq && echo x > SRR1_2.fastq' {accession}"),
    );
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.message).toContain('"SRR1_1.fastq" is a symbolic link');
    expect(existsSync(join(tree.dir, "mirror/Homo sapiens"))).toBe(false);
  });
});
