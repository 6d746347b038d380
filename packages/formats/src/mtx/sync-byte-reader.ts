import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { MessageChannel, Worker, receiveMessageOnPort } from "node:worker_threads";
import type { MessagePort } from "node:worker_threads";

/*
 * The Parquet writer pulls batches from inside DuckDB's scan, where nothing can be awaited, so inputs are read
 * synchronously. Plain files use readSync. Gzip files are inflated by a worker thread with Node's native zlib
 * stream (Node has no synchronous streaming inflate: `_processChunk` closes its handle after one call), and the
 * chunks are received with `receiveMessageOnPort`, blocking on an Atomics counter while the worker is behind.
 * This also puts decompression on another core while this thread parses and DuckDB encodes. The worker runs a
 * small self-contained script (no imports of ours) so it works from the sources and from the build alike.
 */
const INFLATE_WORKER = `
const { createReadStream } = require("node:fs");
const { createGunzip } = require("node:zlib");
const { workerData } = require("node:worker_threads");
const { path, port, ctrl, maxInFlight, chunkSize } = workerData;
let bytesIn = 0;
let waiting = false;
const input = createReadStream(path, { highWaterMark: 1 << 20 });
input.on("data", (b) => { bytesIn += b.length; });
const gunzip = createGunzip({ chunkSize });
const post = (message, transfer) => {
  port.postMessage(message, transfer);
  Atomics.add(ctrl, 0, 1);
  Atomics.notify(ctrl, 0);
};
gunzip.on("data", (chunk) => {
  const copy = new Uint8Array(chunk.length);
  copy.set(chunk);
  post({ chunk: copy, bytesIn }, [copy.buffer]);
  const produced = Atomics.load(ctrl, 0);
  const consumed = Atomics.load(ctrl, 1);
  if (produced - consumed >= maxInFlight && !waiting) {
    waiting = true;
    gunzip.pause();
    const resume = () => {
      if (Atomics.load(ctrl, 0) - Atomics.load(ctrl, 1) < maxInFlight) { waiting = false; gunzip.resume(); return; }
      const r = Atomics.waitAsync(ctrl, 1, Atomics.load(ctrl, 1));
      if (r.async) r.value.then(resume); else resume();
    };
    resume();
  }
});
// A pending Atomics.waitAsync does not keep a worker's event loop alive: without this timer the worker can
// exit while paused for the reader. It also beats a heartbeat the reader uses to notice a dead worker.
const keepAlive = setInterval(() => { Atomics.add(ctrl, 2, 1); }, 200);
gunzip.on("end", () => { clearInterval(keepAlive); post({ end: true, bytesIn }); });
// The compressed offset of a failure: a truncation shows once all input was read; for bad data, zlib has counted
// the input it fully inflated (the damage lies at or after it).
const fail = (e, fromInput) => {
  clearInterval(keepAlive);
  const code = e && e.code;
  const truncated = !fromInput && (code === "Z_BUF_ERROR" || /unexpected end/i.test(String(e && e.message)));
  post({ error: String(e && e.message || e), code, truncated, offset: truncated ? bytesIn : gunzip.bytesWritten });
};
gunzip.on("error", (e) => fail(e, false));
input.on("error", (e) => fail(e, true));
input.pipe(gunzip);
`;

interface WorkerMessage {
  readonly chunk?: Uint8Array;
  readonly end?: boolean;
  readonly error?: string;
  readonly code?: string;
  readonly truncated?: boolean;
  readonly offset?: number;
  readonly bytesIn?: number;
}

/**
 * A failure of the decompression worker: zlib's error (`code` `Z_BUF_ERROR` for a truncated stream, `Z_DATA_ERROR`…)
 * or the file's read error, with the compressed byte offset where it was found.
 */
export class InflateError extends Error {
  readonly code: string | undefined;
  readonly truncated: boolean;
  readonly offset: number;
  constructor(message: string, code: string | undefined, truncated: boolean, offset: number) {
    super(message);
    this.name = "InflateError";
    this.code = code;
    this.truncated = truncated;
    this.offset = offset;
  }
}

/**
 * Reads a file, plain or gzip, as decompressed chunks of at most `chunkSize` bytes, synchronously and with bounded
 * memory. A chunk is only valid until the next call: plain files are read into one reused buffer, so a consumer
 * copies whatever it keeps (a partial line) before asking for more.
 */
export class SyncByteReader {
  readonly path: string;
  readonly size: number;
  readonly gzip: boolean;
  /** Compressed bytes consumed so far (for progress). */
  bytesRead = 0;
  private fd: number | undefined;
  private readonly buffer: Buffer | undefined;
  private worker: Worker | undefined;
  private port: MessagePort | undefined;
  private readonly ctrl: Int32Array | undefined;
  private readonly chunkSize: number;
  /** The rest of an inflated chunk larger than `chunkSize`, handed out first. */
  private pending: Uint8Array | undefined;
  private finished = false;

  constructor(path: string, options: { chunkSize?: number; maxInFlight?: number } = {}) {
    const chunkSize = Math.max(1, options.chunkSize ?? 1 << 20);
    this.chunkSize = chunkSize;
    this.path = path;
    const fd = openSync(path, "r");
    this.size = fstatSync(fd).size;
    const magic = Buffer.alloc(2);
    const n = readSync(fd, magic, 0, 2, 0);
    this.gzip = n === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
    if (!this.gzip) {
      this.fd = fd;
      this.buffer = Buffer.allocUnsafe(chunkSize);
      return;
    }
    closeSync(fd);
    const { port1, port2 } = new MessageChannel();
    // [0] messages posted, [1] messages received, [2] worker heartbeat
    this.ctrl = new Int32Array(new SharedArrayBuffer(12));
    this.port = port1;
    this.worker = new Worker(INFLATE_WORKER, {
      eval: true,
      workerData: {
        path,
        port: port2,
        ctrl: this.ctrl,
        maxInFlight: options.maxInFlight ?? 8,
        // zlib refuses output chunks under 64 bytes; next() cuts larger ones down.
        chunkSize: Math.min(Math.max(chunkSize, 64), 1 << 20),
      },
      transferList: [port2],
    });
    this.worker.unref();
  }

  /**
   * The next decompressed chunk (valid until the next call), or undefined at the end. Throws InflateError on a
   * corrupt or truncated stream; the end is only reported once the gzip trailer (CRC and length) was checked.
   */
  next(): Uint8Array | undefined {
    if (this.pending !== undefined) return this.cut(this.pending);
    if (this.finished) return undefined;
    if (this.fd !== undefined && this.buffer) {
      const n = readSync(this.fd, this.buffer, 0, this.buffer.length, null);
      this.bytesRead += n;
      if (n === 0) {
        this.finished = true;
        return undefined;
      }
      return this.buffer.subarray(0, n);
    }
    const port = this.port;
    const ctrl = this.ctrl;
    if (!port || !ctrl) return undefined;
    let beat = Atomics.load(ctrl, 2);
    let stalledSince = Date.now();
    for (;;) {
      const seen = Atomics.load(ctrl, 0);
      const received = receiveMessageOnPort(port);
      if (received === undefined) {
        Atomics.wait(ctrl, 0, seen, 1000);
        const now = Atomics.load(ctrl, 2);
        if (now !== beat) {
          beat = now;
          stalledSince = Date.now();
        } else if (Date.now() - stalledSince > 30_000) {
          this.close();
          throw new Error(`the decompression worker for ${this.path} stopped without finishing`);
        }
        continue;
      }
      Atomics.add(ctrl, 1, 1);
      Atomics.notify(ctrl, 1);
      const m = received.message as WorkerMessage;
      if (m.bytesIn !== undefined) this.bytesRead = m.bytesIn;
      if (m.chunk) return this.cut(m.chunk);
      this.finished = true;
      this.close();
      if (m.error !== undefined)
        throw new InflateError(m.error, m.code, m.truncated === true, m.offset ?? this.bytesRead);
      return undefined;
    }
  }

  private cut(chunk: Uint8Array): Uint8Array {
    if (chunk.length <= this.chunkSize) {
      this.pending = undefined;
      return chunk;
    }
    this.pending = chunk.subarray(this.chunkSize);
    return chunk.subarray(0, this.chunkSize);
  }

  close(): void {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
    this.port?.close();
    this.port = undefined;
    if (this.worker) {
      const worker = this.worker;
      this.worker = undefined;
      worker.terminate().catch(() => undefined);
    }
  }
}
