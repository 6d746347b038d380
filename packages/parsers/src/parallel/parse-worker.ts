import { parentPort } from "node:worker_threads";
import type { ParseTask } from "./parse-task.js";
import { runParseTask } from "./run-parse-task.js";

/*
 * Entry of a parse worker thread: one task at a time, answered with its result; the NDJSON bytes are
 * transferred, not copied. A task that throws is reported as a result by runParseTask; anything that
 * escapes it ends the thread, which the pool reports as a failure of the parse.
 */
const port = parentPort;
if (port === null) throw new Error("parse-worker.js runs only as a worker thread");
port.on("message", (task: ParseTask) => {
  void runParseTask(task).then((result) => {
    // The body arrived with the task, so its memory is this thread's alone: it goes back whole, for reuse.
    const transfer: ArrayBuffer[] = [result.body.buffer as ArrayBuffer];
    for (const bytes of [result.ndjson, ...(result.byKind ?? []).map((group) => group.ndjson)]) {
      const buffer = bytes.buffer as ArrayBuffer;
      // Buffer.from of a short string may return a view of Node's shared pool: never transfer that.
      if (bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength) transfer.push(buffer);
    }
    port.postMessage(result, transfer);
  });
});
