import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { cancellation } from "@omicslake/core";
import type { LayoutName } from "@omicslake/core";
import { isIgnoredName } from "../../items/layout-items.js";
import { fillPlaceholders, splitCommandLine } from "./command-line.js";

/** What a download command is run with for one run accession. */
export interface RunDownload {
  readonly command: string;
  readonly accession: string;
  /** The dataset's directory in the mirror; the command works in a hidden temp directory inside it. */
  readonly datasetDir: string;
  readonly layout: LayoutName;
  /** The species directory (level0/1/2). */
  readonly species?: string;
  readonly threads: number;
  readonly signal?: AbortSignal;
}

/** The names (relative to the dataset's directory) now in the mirror, or why the run failed. */
export type RunDownloadOutcome =
  | { readonly ok: true; readonly names: readonly string[] }
  | { readonly ok: false; readonly message: string; readonly exitCode?: number; readonly stderr?: string };

const STDERR_TAIL_BYTES = 2048;

/**
 * Runs the configured download command for one accession in a fresh hidden directory inside the mirror
 * (the same filesystem, so the move is a rename), then moves what it wrote into place under the layout.
 * The command runs without a shell (argv split from the configured line, placeholders filled per
 * argument), with the temp directory as its working directory, so `{output}` may be left out.
 * Nothing half-written is ever visible under a layout name: a failing command leaves the mirror as it was.
 */
export async function downloadRun(request: RunDownload): Promise<RunDownloadOutcome> {
  const argv = splitCommandLine(request.command);
  if (typeof argv === "string") throw new Error(`download_command was not checked: ${argv}`);
  await mkdir(request.datasetDir, { recursive: true });
  const work = await mkdtemp(join(request.datasetDir, ".download-"));
  try {
    const values = { accession: request.accession, output: work, threads: String(request.threads) };
    const [program, ...args] = argv.map((arg) => fillPlaceholders(arg, values));
    const exit = await runCommand(program!, args, work, request.signal);
    if (request.signal?.aborted) throw cancellation(request.signal, `download of ${request.accession}`);
    if (exit.error !== undefined) {
      return { ok: false, message: `cannot start ${JSON.stringify(program)}: ${exit.error.message}` };
    }
    if (exit.code !== 0) {
      const how = exit.code === null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
      return {
        ok: false,
        message: `the download command ${how}${exit.stderr ? `; its stderr ends with: ${exit.stderr}` : ""}`,
        ...(exit.code !== null ? { exitCode: exit.code } : {}),
        stderr: exit.stderr,
      };
    }
    const written = await filesUnder(work, "");
    if (!Array.isArray(written)) {
      // A link would put whatever it points at (another run, /etc/passwd) into the mirror under a run's name,
      // and skipping it would leave the run half there: the run fails instead.
      return {
        ok: false,
        message: `"${written.odd}" is a symbolic link or special file that the download command wrote, not a regular file: nothing of ${request.accession} was moved into the mirror`,
      };
    }
    if (written.length === 0) {
      return { ok: false, message: "the download command exited with code 0 but wrote no files" };
    }
    const placed = new Map<string, string>();
    for (const name of written) {
      const base = name.slice(name.lastIndexOf("/") + 1);
      if (request.layout !== "level2" && !startsWithRun(base, request.accession)) {
        return {
          ok: false,
          message: `the download command wrote "${name}", whose name does not start with ${request.accession}: a ${request.layout} tree names files by run`,
        };
      }
      const target = targetName(request, name, base);
      const other = [...placed].find(([, t]) => t === target)?.[0];
      if (other !== undefined) {
        return {
          ok: false,
          message: `the download command wrote "${other}" and "${name}": both would be ${target}`,
        };
      }
      if (existsSync(join(request.datasetDir, target))) {
        return { ok: false, message: `${target} is already in the mirror; the download would replace it` };
      }
      placed.set(name, target);
    }
    for (const [name, target] of placed) {
      await mkdir(dirname(join(request.datasetDir, target)), { recursive: true });
      await rename(join(work, name), join(request.datasetDir, target));
    }
    return { ok: true, names: [...placed.values()].sort() };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function startsWithRun(name: string, accession: string): boolean {
  return name.startsWith(accession) && !/[0-9]/.test(name[accession.length] ?? "");
}

function targetName(request: RunDownload, name: string, base: string): string {
  switch (request.layout) {
    case "level0":
      return `${request.species}--${base}`;
    case "level1":
      return `${request.species}/${base}`;
    case "level2":
      return `${request.species}/${request.accession}/${name}`;
    default:
      return base;
  }
}

/** The regular files the command wrote, or the first entry that is not one (a link, a FIFO). */
async function filesUnder(dir: string, relative: string): Promise<string[] | { readonly odd: string }> {
  const names: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (isIgnoredName(entry.name)) continue;
    const name = relative === "" ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) {
      const under = await filesUnder(join(dir, entry.name), name);
      if (!Array.isArray(under)) return under;
      names.push(...under);
    } else if (entry.isFile()) names.push(name);
    else return { odd: name };
  }
  return names;
}

interface CommandExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  readonly error?: Error;
}

/** How long a cancelled command gets to stop after SIGTERM before its processes are killed. */
const STOP_GRACE_MS = 5000;

/**
 * Runs a program, keeping only the last bytes of its stderr (a chatty tool must not fill memory). The program
 * leads a process group of its own, so a cancel stops everything it started (`sh -c` leaves its children
 * running when only the shell is signalled): SIGTERM to the group, then SIGKILL when it has not ended within
 * `STOP_GRACE_MS`.
 */
function runCommand(
  program: string,
  args: readonly string[],
  cwd: string,
  signal?: AbortSignal,
): Promise<CommandExit> {
  return new Promise((resolve) => {
    let tail = Buffer.alloc(0);
    const child = spawn(program, args, { cwd, stdio: ["ignore", "ignore", "pipe"], detached: true });
    let killTimer: NodeJS.Timeout | undefined;
    const killGroup = (how: NodeJS.Signals): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, how);
      } catch {
        // The group is gone already.
      }
    };
    const stop = (): void => {
      killGroup("SIGTERM");
      killTimer = setTimeout(() => {
        killGroup("SIGKILL");
        // A process that left the group may hold stderr open: stop waiting for it.
        child.stderr.destroy();
      }, STOP_GRACE_MS);
    };
    if (signal?.aborted) stop();
    else signal?.addEventListener("abort", stop, { once: true });
    child.stderr.on("data", (chunk: Buffer) => {
      tail = Buffer.concat([tail, chunk]);
      if (tail.length > STDERR_TAIL_BYTES) tail = tail.subarray(tail.length - STDERR_TAIL_BYTES);
    });
    let failure: Error | undefined;
    child.once("error", (error) => {
      failure = error;
      // A program that never started (not on PATH) has no close to wait for.
      if (child.pid === undefined) {
        signal?.removeEventListener("abort", stop);
        resolve({ code: null, signal: null, stderr: "", error });
      }
    });
    child.once("exit", () => {
      // The leader is gone; whatever it left in its group goes too once cancelled.
      if (signal?.aborted === true) killGroup("SIGKILL");
    });
    child.once("close", (code, exitSignal) => {
      clearTimeout(killTimer);
      signal?.removeEventListener("abort", stop);
      resolve({
        code,
        signal: exitSignal,
        stderr: tail.toString("utf8").trim(),
        ...(failure !== undefined ? { error: failure } : {}),
      });
    });
  });
}
