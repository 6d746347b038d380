import { open, type FileHandle } from "node:fs/promises";
import type { Readable } from "node:stream";
import { NotFoundError } from "../../errors/omicslake-error.js";
import { faultPoint } from "../../testing-hooks/fault-point.js";
import { checkPutOptions, PutDigest, toBuffer } from "../object-body.js";
import { isMissing } from "./fs-errors.js";

/** Bytes gathered before one write call: fewer, larger writes keep the thread pool out of the way. */
const WRITE_BATCH_BYTES = 1 << 20;
/** How much written data may wait for writeback before a background datasync starts. */
const SYNC_EVERY_BYTES = 64 << 20;

export async function openSource(path: string): Promise<FileHandle> {
  try {
    return await open(path, "r");
  } catch (error) {
    if (isMissing(error)) throw new NotFoundError("file", path, { cause: error });
    throw error;
  }
}

/**
 * Writes the stream in batches, overlapping the next read and hash with the previous write. Every
 * `SYNC_EVERY_BYTES` a datasync starts alongside (not in the write chain), so the disk writes back while
 * hashing goes on and the final fsync has little left to do; otherwise a large put would pay for hashing
 * and for writing the whole file back one after the other.
 */
export async function writeStream(handle: FileHandle, source: Readable, digest: PutDigest): Promise<void> {
  let batch: Buffer[] = [];
  let batchBytes = 0;
  let pending: Promise<void> | undefined;
  let syncing: Promise<void> | undefined;
  let unsynced = 0;
  try {
    for await (const chunk of source) {
      const buffer = toBuffer(chunk);
      digest.update(buffer);
      batch.push(buffer);
      batchBytes += buffer.length;
      if (batchBytes >= WRITE_BATCH_BYTES) {
        await pending;
        pending = writeAll(handle, batch);
        faultPoint("store.put.write");
        unsynced += batchBytes;
        batch = [];
        batchBytes = 0;
        if (unsynced >= SYNC_EVERY_BYTES && syncing === undefined) {
          unsynced = 0;
          syncing = handle.datasync().finally(() => {
            syncing = undefined;
          });
        }
      }
    }
    await pending;
    pending = undefined;
    if (batch.length > 0) await writeAll(handle, batch);
    await syncing;
  } catch (error) {
    await pending?.catch(() => undefined);
    await syncing?.catch(() => undefined);
    throw error;
  }
}

export async function writeAll(handle: FileHandle, buffers: Buffer[]): Promise<void> {
  let remaining = buffers;
  while (remaining.length > 0) {
    const { bytesWritten } = await handle.writev(remaining);
    let skip = bytesWritten;
    const rest: Buffer[] = [];
    for (const buffer of remaining) {
      if (skip >= buffer.length) {
        skip -= buffer.length;
        continue;
      }
      rest.push(skip > 0 ? buffer.subarray(skip) : buffer);
      skip = 0;
    }
    remaining = rest;
  }
}

export async function hashStream(key: string, stream: Readable): Promise<string> {
  const digest = new PutDigest(key, checkPutOptions(key));
  for await (const chunk of stream) digest.update(toBuffer(chunk));
  return digest.finish().sha256;
}

/** fsync of the directory makes the new name durable, not just the bytes. */
export async function syncDirectory(path: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, "r");
    await handle.sync();
  } catch {
    // Some filesystems refuse fsync on directories; the data itself is already synced.
  } finally {
    await handle?.close();
  }
}
