/**
 * Source of the worker thread that inflates gzip input. It is kept as a string and started with
 * `{ eval: true }` so the same code runs from the TypeScript sources (tests) and from the built package,
 * without resolving a separate worker file next to whichever copy is loaded.
 *
 * Protocol (all chunks are transferred, never copied across threads):
 *   parent -> worker  { type: "data", chunk }        compressed bytes
 *                     { type: "end" }                no more compressed bytes
 *                     { type: "credit", count }      the parent consumed `count` output chunks
 *   worker -> parent  { type: "data", chunk }        inflated bytes (at most MAX_OUTSTANDING unacknowledged)
 *                     { type: "consumed", bytes }    compressed bytes fully processed (input flow control)
 *                     { type: "end" }
 *                     { type: "error", truncated, message, offset }
 */
export const GUNZIP_WORKER_SOURCE = String.raw`
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const zlib = require("node:zlib");
const MAX_OUTSTANDING = workerData.maxOutstanding;
let outstanding = 0;
let failed = false;
// Compressed bytes whose inflation completed: the corrupt byte lies in the chunk that starts here.
let consumed = 0;
const gunzip = zlib.createGunzip({ chunkSize: workerData.chunkSize });
gunzip.on("data", (out) => {
  // zlib hands out slices of a shared output buffer: copy before transferring.
  const copy = new Uint8Array(out);
  parentPort.postMessage({ type: "data", chunk: copy }, [copy.buffer]);
  outstanding++;
  if (outstanding >= MAX_OUTSTANDING) gunzip.pause();
});
gunzip.on("end", () => {
  if (!failed) parentPort.postMessage({ type: "end" });
});
gunzip.on("error", (error) => {
  if (failed) return;
  failed = true;
  const truncated = error.code === "Z_BUF_ERROR" || /unexpected end/i.test(error.message);
  parentPort.postMessage({ type: "error", truncated, message: error.message, zlibCode: error.code, offset: Math.max(consumed, gunzip.bytesWritten) });
});
parentPort.on("message", (message) => {
  if (failed) return;
  if (message.type === "data") {
    const bytes = message.chunk.byteLength;
    gunzip.write(message.chunk, () => {
      consumed += bytes;
      parentPort.postMessage({ type: "consumed", bytes });
    });
  } else if (message.type === "end") {
    gunzip.end();
  } else if (message.type === "credit") {
    outstanding -= message.count;
    if (outstanding < MAX_OUTSTANDING && gunzip.isPaused()) gunzip.resume();
  }
});
`;
