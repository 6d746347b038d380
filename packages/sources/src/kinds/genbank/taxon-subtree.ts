import { createReadStream } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { createGunzip } from "node:zlib";
import tar from "tar-stream";
import { OmicslakeError } from "@omicslake/core";
import { SourceConfigError, UpstreamListingError } from "../../upstream-error.js";

/**
 * The taxids of a taxon's subtree (the taxon itself included), ascending, read from `nodes.dmp` lines
 * (`taxid\t|\tparent taxid\t|\trank\t|…`) as a stream of bytes. Memory stays small for the full dump (~2.7 M nodes):
 * one parent per taxid in a typed array indexed by taxid, and one state byte per taxid while each node's
 * ancestry is resolved once (a walk up stops at the first node already known to be in or out).
 *
 * @example taxonSubtree(createReadStream("nodes.dmp"), 4479) // Poaceae and everything under it
 */
export async function taxonSubtree(
  nodesDmp: AsyncIterable<Uint8Array | string>,
  taxid: number,
  file = "nodes.dmp",
): Promise<Uint32Array> {
  let parent = new Uint32Array(1 << 16);
  let maxId = 0;
  // The lines are read straight from the bytes, two numbers per line, by a small state machine: no string
  // per line, so the dump's 2.7 M lines leave no garbage and chunks may end anywhere.
  let lineNo = 1;
  let offset = 0;
  let lineStart = 0;
  let field = 0;
  let id = 0;
  let up = 0;
  let digits = 0;
  let bad = false;
  const endLine = (): void => {
    const empty = field === 0 && digits === 0 && !bad;
    if (!empty) {
      if (bad || field < 2 || id === 0 || up === 0 || id > 0xfffffffe || up > 0xfffffffe) {
        throw new UpstreamListingError(
          `${file} line ${lineNo} (byte ${lineStart}): expected "taxid\t|\tparent taxid\t|…"`,
          {
            details: { file, line: lineNo, byteOffset: lineStart },
            hint: "The taxonomy dump is damaged or is not NCBI's nodes.dmp; check the dataset's taxonomy_url",
          },
        );
      }
      if (id >= parent.length) {
        const grown = new Uint32Array(Math.max(id + 1, parent.length * 2));
        grown.set(parent);
        parent = grown;
      }
      parent[id] = up;
      if (id > maxId) maxId = id;
    }
    lineNo++;
    field = 0;
    id = 0;
    up = 0;
    digits = 0;
    bad = false;
  };
  for await (const chunk of nodesDmp) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i]!;
      if (byte === 0x0a) {
        endLine();
        lineStart = offset + i + 1;
      } else if (field >= 2 || bad || byte === 0x09 || byte === 0x0d) {
        // The rest of the line (rank, names…) is not needed; tabs and CR only separate.
      } else if (byte === 0x7c) {
        // "|" ends a field; a field with no digits is refused at the line's end.
        if (digits === 0) bad = true;
        field++;
        digits = 0;
      } else if (byte >= 0x30 && byte <= 0x39) {
        if (field === 0) id = id * 10 + byte - 0x30;
        else up = up * 10 + byte - 0x30;
        digits++;
        if (digits > 10) bad = true;
      } else {
        bad = true;
      }
    }
    offset += bytes.length;
  }
  if (field > 0 || digits > 0 || bad) endLine();
  if (taxid > maxId || parent[taxid] === 0)
    throw new SourceConfigError(`taxid ${taxid} is not in the NCBI taxonomy (${file})`, {
      details: { taxid, file },
      hint: "Check the dataset's taxid; a taxid merged into another is listed in the dump's merged.dmp under its new id",
    });

  const UNKNOWN = 0;
  const INSIDE = 1;
  const OUTSIDE = 2;
  const VISITING = 3;
  const state = new Uint8Array(maxId + 1);
  state[taxid] = INSIDE;
  let count = 1;
  const path: number[] = [];
  for (let id = 1; id <= maxId; id++) {
    if (parent[id] === 0 || state[id] !== UNKNOWN) continue;
    let current = id;
    while (state[current] === UNKNOWN) {
      state[current] = VISITING;
      path.push(current);
      const up = parent[current]!;
      // The root is its own parent; a parent missing from the dump ends the walk outside the subtree.
      if (up === current || up > maxId || parent[up] === 0) {
        current = 0;
        break;
      }
      current = up;
    }
    if (current !== 0 && state[current] === VISITING) {
      throw new UpstreamListingError(`${file}: taxid ${current} is its own ancestor`, {
        details: { file, taxid: current },
        hint: "The taxonomy dump is damaged; check the dataset's taxonomy_url",
      });
    }
    const verdict = current === 0 ? OUTSIDE : state[current]!;
    for (const node of path) state[node] = verdict;
    if (verdict === INSIDE) count += path.length;
    path.length = 0;
  }
  const ids = new Uint32Array(count);
  let at = 0;
  for (let id = 1; id <= maxId; id++) if (state[id] === INSIDE) ids[at++] = id;
  return ids;
}

/**
 * The subtree of `taxid` from NCBI's `taxdump.tar.gz`, reading only its `nodes.dmp` member as it streams
 * out of the archive.
 */
export async function taxonSubtreeFromTaxdump(archive: string, taxid: number): Promise<Uint32Array> {
  const extract = tar.extract();
  const input = createReadStream(archive);
  const gunzip = createGunzip();
  // tar-stream is built on streamx: fed with pipe(), its source's errors forwarded so the loop below fails.
  const fail = (error: Error): void => {
    extract.destroy(error);
  };
  input.on("error", fail);
  gunzip.on("error", fail);
  input.pipe(gunzip).pipe(extract);
  try {
    for await (const entry of extract) {
      if (basename(entry.header.name) === "nodes.dmp") {
        return await taxonSubtree(
          entry as AsyncIterable<Uint8Array>,
          taxid,
          `${basename(archive)}:nodes.dmp`,
        );
      }
      entry.resume();
    }
  } catch (cause) {
    if (cause instanceof OmicslakeError) throw cause;
    throw new UpstreamListingError(`${archive}: not a readable tar.gz (${(cause as Error).message})`, {
      details: { file: archive },
      hint: "The taxonomy dump is damaged or truncated; delete it and sync again, or check taxonomy_url",
      cause,
    });
  } finally {
    input.destroy();
    gunzip.destroy();
    extract.destroy();
  }
  throw new UpstreamListingError(`${archive} holds no nodes.dmp`, {
    details: { file: archive },
    hint: "taxonomy_url should name NCBI's taxdump.tar.gz (https://ftp.ncbi.nlm.nih.gov/pub/taxonomy/taxdump.tar.gz)",
  });
}

/** Writes taxids one per line, atomically (a hidden temp file renamed into place). */
export async function writeTaxidsFile(path: string, ids: Uint32Array): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.partial`);
  const handle = await open(temp, "w");
  try {
    const block = 64 * 1024;
    for (let start = 0; start < ids.length; start += block) {
      await handle.write(`${Array.from(ids.subarray(start, start + block)).join("\n")}\n`);
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** The taxids of a saved subtree, for filtering records by their `/db_xref="taxon:…"`. */
export interface TaxidSet {
  readonly size: number;
  has(taxid: number): boolean;
}

/**
 * Reads a file written by `writeTaxidsFile` (one taxid per line) into a compact set: a sorted typed array
 * searched by bisection, a few bytes per taxid.
 */
export async function readTaxidsFile(path: string): Promise<TaxidSet> {
  let ids = new Uint32Array(1024);
  let size = 0;
  let carry = "";
  let lineNo = 0;
  const push = (text: string): void => {
    lineNo++;
    if (text === "") return;
    const id = Number(text);
    if (!Number.isInteger(id) || id <= 0 || id > 0xffffffff) {
      throw new UpstreamListingError(
        `${path} line ${lineNo}: expected a taxid, got ${JSON.stringify(text.slice(0, 40))}`,
        {
          details: { file: path, line: lineNo },
          hint: "Delete the file and sync the dataset again to rebuild it",
        },
      );
    }
    if (size === ids.length) {
      const grown = new Uint32Array(ids.length * 2);
      grown.set(ids);
      ids = grown;
    }
    ids[size++] = id;
  };
  for await (const chunk of createReadStream(path, { encoding: "utf8" })) {
    carry += chunk as string;
    const lines = carry.split("\n");
    carry = lines.pop()!;
    for (const text of lines) push(text.trim());
  }
  push(carry.trim());
  const sorted = ids.slice(0, size).sort();
  return {
    size,
    has(taxid: number): boolean {
      let low = 0;
      let high = sorted.length - 1;
      while (low <= high) {
        const mid = (low + high) >>> 1;
        const value = sorted[mid]!;
        if (value === taxid) return true;
        if (value < taxid) low = mid + 1;
        else high = mid - 1;
      }
      return false;
    },
  };
}
