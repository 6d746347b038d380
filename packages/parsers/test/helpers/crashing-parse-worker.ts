import { parentPort } from "node:worker_threads";

/** A parse worker that dies on its first task: the pool must fail the parse instead of waiting for an answer. */
parentPort?.on("message", () => {
  throw new Error("crashed on purpose");
});
