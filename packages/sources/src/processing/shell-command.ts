import { spawn } from "node:child_process";

/** `value` as one word of a `/bin/sh` command line, whatever characters it holds. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * Fills a command template's placeholders (`{input}`, `{threads}`, …) with words already quoted for the
 * shell; `{{` and `}}` are literal braces. A placeholder with no value throws naming it: the config checker
 * accepts only known names, but an item may lack one (`{accession}` in a lab tree).
 */
export function fillCommand(
  template: string,
  words: Readonly<Record<string, string | undefined>>,
  missing: (name: string) => Error,
): string {
  return template.replace(/\{\{|\}\}|\{([A-Za-z0-9_]+)\}/g, (match, name: string | undefined) => {
    if (match === "{{") return "{";
    if (match === "}}") return "}";
    const word = words[name!];
    if (word === undefined) throw missing(name!);
    return word;
  });
}

/** How a command ended, with the tail of what it printed. */
export interface ShellResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdoutTail: string;
  readonly stderrTail: string;
}

/** The most of each stream kept: the end of a log is where a tool says why it stopped. */
export const OUTPUT_TAIL_BYTES = 64 * 1024;

/**
 * Runs `command` with `/bin/sh -c` (users write pipes and redirections) in `cwd`, stdin closed, the
 * environment inherited, in a process group of its own so that aborting `signal` kills the command and
 * everything it started, not only the shell.
 */
export function runShell(
  command: string,
  options: { readonly cwd: string; readonly signal?: AbortSignal },
): Promise<ShellResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/sh", ["-c", command], {
      cwd: options.cwd,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const stdout = new TailBuffer(OUTPUT_TAIL_BYTES);
    const stderr = new TailBuffer(OUTPUT_TAIL_BYTES);
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    const kill = (): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // The group is already gone.
      }
    };
    if (options.signal?.aborted) kill();
    options.signal?.addEventListener("abort", kill, { once: true });
    child.once("error", (error) => {
      options.signal?.removeEventListener("abort", kill);
      reject(error);
    });
    child.once("close", (code, signal) => {
      options.signal?.removeEventListener("abort", kill);
      resolve({ code, signal, stdoutTail: stdout.text(), stderrTail: stderr.text() });
    });
  });
}

/** The last `limit` bytes written to it; memory stays bounded whatever a command prints. */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  private dropped = false;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    // Copied: a stream may hand out views into a buffer it reuses.
    this.chunks.push(Buffer.from(chunk));
    this.size += chunk.length;
    while (this.size > this.limit && this.chunks.length > 0) {
      const first = this.chunks[0]!;
      const excess = this.size - this.limit;
      if (first.length <= excess) {
        this.chunks.shift();
        this.size -= first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.size -= excess;
      }
      this.dropped = true;
    }
  }

  text(): string {
    const text = Buffer.concat(this.chunks).toString("utf8");
    return this.dropped ? `…${text}` : text;
  }
}
