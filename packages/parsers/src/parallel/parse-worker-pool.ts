import { Worker } from "node:worker_threads";
import type { ParseTask, TaskResult } from "./parse-task.js";

interface Pending {
  readonly task: ParseTask;
  readonly transfer: readonly ArrayBuffer[];
  readonly resolve: (result: TaskResult) => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  readonly worker: Worker;
  busy: Pending | undefined;
}

/**
 * A fixed set of parse worker threads, each given one task at a time; tasks wait in order for a free one.
 * A thread that dies (an uncaught error, an exit) fails its task and every later one: the parse then ends
 * with that error instead of waiting forever for an answer.
 */
export class ParseWorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private failure: Error | undefined;
  private closing = false;

  /** @param workerUrl the worker module (tests give their own); by default this package's parse worker. */
  constructor(size: number, workerUrl?: URL) {
    for (let i = 0; i < Math.max(1, size); i++) this.slots.push(this.start(workerUrl));
  }

  /** How many worker threads the pool has. */
  get size(): number {
    return this.slots.length;
  }

  /**
   * Parses a task on the next free worker. `transfer` moves memory to the worker instead of copying it (the
   * task's body, when the caller owns its whole buffer): the result hands the body back.
   */
  run(task: ParseTask, transfer: readonly ArrayBuffer[] = []): Promise<TaskResult> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise<TaskResult>((resolve, reject) => {
      this.queue.push({ task, transfer, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    this.fail(new Error("the parse worker pool was closed"));
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private start(workerUrl: URL | undefined): Slot {
    const worker = spawnWorker(workerUrl);
    const slot: Slot = { worker, busy: undefined };
    worker.on("message", (result: TaskResult) => {
      const done = slot.busy;
      slot.busy = undefined;
      done?.resolve(result);
      this.dispatch();
    });
    worker.on("error", (error) =>
      this.fail(new Error(`a parse worker thread failed: ${error.message}`, { cause: error })),
    );
    worker.on("exit", (code) => {
      if (!this.closing) this.fail(new Error(`a parse worker thread exited unexpectedly (code ${code})`));
    });
    // Idle workers must not keep the process alive once the caller is done with the pool.
    worker.unref();
    return slot;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.busy !== undefined) continue;
      const next = this.queue.shift();
      if (next === undefined) return;
      slot.busy = next;
      slot.worker.ref();
      slot.worker.postMessage(next.task, [...next.transfer]);
    }
    for (const slot of this.slots) if (slot.busy === undefined) slot.worker.unref();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const slot of this.slots) {
      slot.busy?.reject(this.failure);
      slot.busy = undefined;
    }
    for (const pending of this.queue.splice(0)) pending.reject(this.failure);
  }
}

/**
 * The built package runs `parse-worker.js` beside this module. From the TypeScript sources (the tests run
 * them without a build), the worker loads `parse-worker.ts` through tsx, which the repository's tooling has.
 */
function spawnWorker(workerUrl: URL | undefined): Worker {
  const fromSources = import.meta.url.endsWith(".ts");
  const url = workerUrl ?? new URL(fromSources ? "./parse-worker.ts" : "./parse-worker.js", import.meta.url);
  if (!url.pathname.endsWith(".ts")) return new Worker(url);
  const source = `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(source, { eval: true });
}
