import { closeSync, openSync, readSync } from "node:fs";
import type { Dataset } from "h5wasm";
import { FormatError } from "../convert/format-error.js";
import { LzfError, lzfDecompress } from "./lzf.js";

/**
 * Reads a 1-D variable-length string dataset compressed with h5py's LZF filter straight from the file's bytes.
 *
 * Why not through HDF5: h5py stores no chunk size in the LZF parameters of a variable-length string dataset, so
 * the LZF plugin of `h5wasm-plugins` decompresses into a buffer the size of the compressed chunk and gives up
 * when that is too small (its build has no retry), and h5wasm then aborts the whole WebAssembly instance on the
 * failed string read. h5wasm exposes no raw chunk read, so this walks what HDF5 would: the dataset's object header
 * (its address comes from an HDF5 object reference) to the chunk layout, the version-1 B-tree of chunks, each
 * chunk (LZF-decoded here, to the size the element count fixes), and the global heap that holds the strings.
 *
 * It covers what h5py writes: object headers of version 1 and 2, chunk layouts of version 3 (B-tree index) and 4
 * with a single chunk, and a filter pipeline of LZF alone. Anything else is refused naming the dataset.
 */
export function readLzfVlenStrings(file: string, ds: Dataset): string[] {
  const fd = openSync(file, "r");
  try {
    return new VlenStringReader(file, ds.path, fd).read(ds);
  } finally {
    closeSync(fd);
  }
}

/** Whether `readLzfVlenStrings` is the way to read this dataset: 1-D variable-length strings, LZF alone. */
export function isLzfVlenStrings(ds: Dataset, lzfId: number): boolean {
  const m = ds.metadata;
  return (
    m.type === 3 &&
    m.vlen === true &&
    ds.shape?.length === 1 &&
    ds.filters.length === 1 &&
    ds.filters[0]!.id === lzfId
  );
}

const UNDEFINED_ADDRESS = Number.MAX_SAFE_INTEGER;
/** No header, B-tree node, chunk or heap collection of a string dataset comes near this; beyond it the file is corrupt. */
const MAX_STRUCTURE = 1 << 30;

class VlenStringReader {
  private offsetSize = 8;
  private lengthSize = 8;
  private base = 0;
  private readonly heaps = new Map<number, HeapCollection>();

  constructor(
    private readonly file: string,
    private readonly key: string,
    private readonly fd: number,
  ) {}

  read(ds: Dataset): string[] {
    this.readSuperblock();
    const ref = Buffer.from(ds.create_reference().ref_data);
    const header = this.base + this.uint(ref, 0, this.offsetSize);
    const layout = this.layoutOf(header);
    const total = Number(ds.shape![0]);
    const elementSize = 4 + this.offsetSize + 4;
    if (layout.elementSize !== elementSize)
      this.fail(
        `chunk element size ${layout.elementSize}, expected ${elementSize} for variable-length strings`,
        header,
      );
    const out = new Array<string>(total).fill("");
    for (const chunk of layout.chunks) {
      const expected = layout.chunkLength * elementSize;
      const stored = this.bytes(chunk.address, chunk.size);
      let raw: Uint8Array;
      if ((chunk.filterMask & 1) !== 0) {
        // The filter was skipped for this chunk (h5py does so when LZF would not make it smaller): stored as is.
        if (stored.length !== expected)
          this.fail(`unfiltered chunk of ${stored.length} bytes, expected ${expected}`, chunk.address);
        raw = stored;
      } else {
        try {
          raw = lzfDecompress(stored, expected);
        } catch (cause) {
          if (!(cause instanceof LzfError)) throw cause;
          this.fail(
            `LZF chunk at element ${chunk.start} is corrupt: ${cause.message}`,
            chunk.address + cause.offset,
            cause,
          );
        }
      }
      const view = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
      const n = Math.min(layout.chunkLength, total - chunk.start);
      for (let i = 0; i < n; i++) {
        const at = i * elementSize;
        const length = view.readUInt32LE(at);
        if (length === 0) continue;
        const collection = this.uint(view, at + 4, this.offsetSize);
        const index = view.readUInt32LE(at + 4 + this.offsetSize);
        out[chunk.start + i] = this.heapString(collection, index, length);
      }
    }
    return out;
  }

  /** Sizes of addresses and lengths, and the base all addresses count from (a user block moves it). */
  private readSuperblock(): void {
    for (let at = 0; ; at = at === 0 ? 512 : at * 2) {
      const head = this.bytes(at, 48, "no HDF5 superblock");
      if (head.readUInt32BE(0) !== 0x89484446 || head.readUInt32BE(4) !== 0x0d0a1a0a) continue;
      const version = head[8]!;
      if (version <= 1) {
        this.offsetSize = head[13]!;
        this.lengthSize = head[14]!;
        this.base = this.uint(head, version === 0 ? 24 : 28, this.offsetSize);
      } else {
        this.offsetSize = head[9]!;
        this.lengthSize = head[10]!;
        this.base = this.uint(head, 12, this.offsetSize);
      }
      if (this.base === UNDEFINED_ADDRESS) this.base = 0;
      if (![2, 4, 8].includes(this.offsetSize) || ![2, 4, 8].includes(this.lengthSize))
        this.fail(`unsupported address size ${this.offsetSize} or length size ${this.lengthSize}`, at);
      return;
    }
  }

  /** The chunk layout message of the object header at `address`: chunk length, element size and chunks. */
  private layoutOf(address: number): Layout {
    for (const message of this.messages(address)) {
      if (message.type !== 8) continue;
      const d = message.data;
      const version = d[0]!;
      if (d[1] !== 2 && version >= 3) this.fail("the dataset is not chunked", message.at);
      if (version === 3) {
        const rank = d[2]!;
        const index = this.uint(d, 3, this.offsetSize);
        const dims = 3 + this.offsetSize;
        const chunkLength = d.readUInt32LE(dims);
        const elementSize = d.readUInt32LE(dims + 4 * (rank - 1));
        if (rank !== 2) this.fail(`chunk layout of ${rank - 1} dimensions, expected 1`, message.at);
        const chunks: Chunk[] = [];
        if (index !== UNDEFINED_ADDRESS) this.collectChunks(this.base + index, rank, chunks);
        return { chunkLength, elementSize, chunks };
      }
      if (version === 4) {
        const flags = d[2]!;
        const rank = d[3]!;
        const width = d[4]!;
        if (rank !== 2) this.fail(`chunk layout of ${rank - 1} dimensions, expected 1`, message.at);
        const chunkLength = this.uint(d, 5, width);
        const elementSize = this.uint(d, 5 + width, width);
        let p = 5 + 2 * width;
        const indexType = d[p++]!;
        if (indexType !== 1)
          this.unsupported(`its chunk index is of type ${indexType} (HDF5's newer file format)`, message.at);
        let size = chunkLength * elementSize;
        let filterMask = 0;
        if ((flags & 2) !== 0) {
          size = this.uint(d, p, this.lengthSize);
          filterMask = d.readUInt32LE(p + this.lengthSize);
          p += this.lengthSize + 4;
        }
        const at = this.uint(d, p, this.offsetSize);
        const chunks =
          at === UNDEFINED_ADDRESS ? [] : [{ start: 0, address: this.base + at, size, filterMask }];
        return { chunkLength, elementSize, chunks };
      }
      this.unsupported(`its data layout message is of version ${version}`, message.at);
    }
    this.fail("the object header has no data layout message", address);
  }

  /** Walks a version-1 B-tree of raw-data chunks (node type 1), collecting every leaf's chunk. */
  private collectChunks(address: number, rank: number, into: Chunk[], depth = 0): void {
    if (depth > 64) this.fail("the chunk B-tree is deeper than 64 levels (a cycle?)", address);
    const o = this.offsetSize;
    const head = this.bytes(address, 8 + 2 * o);
    if (head.toString("latin1", 0, 4) !== "TREE" || head[4] !== 1)
      this.fail("not a chunk B-tree node", address);
    const level = head[5]!;
    const entries = head.readUInt16LE(6);
    const keySize = 8 + 8 * rank;
    const body = this.bytes(address + head.length, entries * (keySize + o) + keySize);
    for (let i = 0; i < entries; i++) {
      const key = i * (keySize + o);
      const child = this.base + this.uint(body, key + keySize, o);
      if (level > 0) {
        this.collectChunks(child, rank, into, depth + 1);
        continue;
      }
      into.push({
        size: body.readUInt32LE(key),
        filterMask: body.readUInt32LE(key + 4),
        start: Number(body.readBigUInt64LE(key + 8)),
        address: child,
      });
    }
  }

  /** The messages of an object header (version 1 or 2), following continuation blocks. */
  private messages(address: number): Message[] {
    const out: Message[] = [];
    const blocks: Array<{ at: number; length: number; v2: boolean }> = [];
    let creationOrder = false; // version 2: each message header then carries a 2-byte creation index
    const first = this.bytes(address, 16);
    if (first.toString("latin1", 0, 4) === "OHDR") {
      const flags = first[5]!;
      let p = 6 + ((flags & 0x20) !== 0 ? 16 : 0) + ((flags & 0x10) !== 0 ? 4 : 0);
      const width = 1 << (flags & 3);
      const prefix = this.bytes(address, p + width);
      const length = this.uint(prefix, p, width);
      p += width;
      blocks.push({ at: address + p, length, v2: true });
      creationOrder = (flags & 0x04) !== 0;
    } else if (first[0] === 1) {
      blocks.push({ at: address + 16, length: first.readUInt32LE(8), v2: false });
    } else {
      this.unsupported(`its object header is of version ${first[0]}`, address);
    }
    for (let b = 0; b < blocks.length; b++) {
      if (b > 1000) this.fail("too many object header continuation blocks", address);
      const { at, length, v2 } = blocks[b]!;
      const block = this.bytes(at, length);
      // Chunk 0's size counts its messages only; a continuation block ("OCHK") counts its signature and checksum.
      const continued = v2 && b > 0;
      if (continued && block.toString("latin1", 0, 4) !== "OCHK")
        this.fail("not an object header continuation", at);
      let p = continued ? 4 : 0;
      const end = continued ? length - 4 : length;
      const headerSize = v2 ? 4 + (creationOrder ? 2 : 0) : 8;
      while (p + headerSize <= end) {
        const type = v2 ? block[p]! : block.readUInt16LE(p);
        const size = v2 ? block.readUInt16LE(p + 1) : block.readUInt16LE(p + 2);
        const data = block.subarray(p + headerSize, p + headerSize + size);
        if (data.length !== size) this.fail("an object header message runs past its block", at + p);
        out.push({ type, data, at: at + p });
        if (type === 0x10) {
          const next = this.base + this.uint(data, 0, this.offsetSize);
          const nextLength = this.uint(data, this.offsetSize, this.lengthSize);
          blocks.push({ at: next, length: nextLength, v2 });
        }
        p += headerSize + size;
      }
    }
    return out;
  }

  /** One object of a global heap collection, at most `length` bytes of it (a string's byte length). */
  private heapString(collection: number, index: number, length: number): string {
    let heap = this.heaps.get(collection);
    if (heap === undefined) {
      heap = this.readCollection(this.base + collection);
      this.heaps.set(collection, heap);
    }
    const start = heap.starts[index] ?? -1;
    if (start < 0 || heap.sizes[index]! < length)
      this.fail(`string ${index} of the global heap collection is missing or short`, this.base + collection);
    return heap.data.toString("utf8", start, start + length);
  }

  /**
   * A global heap collection: its bytes and where each object starts, by object index (h5py numbers a
   * collection's strings 1, 2, 3, …, so arrays beat a map of a million small views).
   */
  private readCollection(address: number): HeapCollection {
    const l = this.lengthSize;
    const head = this.bytes(address, 8 + l);
    if (head.toString("latin1", 0, 4) !== "GCOL") this.fail("not a global heap collection", address);
    const size = this.uint(head, 8, l);
    const data = this.bytes(address, size);
    const starts: number[] = [];
    const sizes: number[] = [];
    let p = 8 + l;
    while (p + 8 + l <= size) {
      const index = data.readUInt16LE(p);
      if (index === 0) break; // free space: the rest of the collection is unused
      const objectSize = this.uint(data, p + 8, l);
      const start = p + 8 + l;
      if (start + objectSize > size)
        this.fail(`global heap object ${index} runs past its collection`, address + p);
      starts[index] = start;
      sizes[index] = objectSize;
      p = start + Math.ceil(objectSize / 8) * 8;
    }
    return { data, starts, sizes };
  }

  /** `length` bytes at `position`, in a buffer of their own (never one a later read reuses). */
  private bytes(position: number, length: number, what = "the file ends early"): Buffer {
    if (length > MAX_STRUCTURE)
      this.fail(`a structure of ${length} bytes at byte ${position} is implausibly large`, position);
    const out = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, out, done, length - done, position + done);
      if (n === 0) this.fail(`${what}: ${length} bytes wanted at byte ${position}`, position);
      done += n;
    }
    return out;
  }

  /** A little-endian unsigned integer of 1–8 bytes; all bits set (HDF5's undefined address) gives UNDEFINED_ADDRESS. */
  private uint(buf: Buffer, at: number, size: number): number {
    if (at + size > buf.length) this.fail("a structure is shorter than its fields", 0);
    if (size === 8) {
      const v = buf.readBigUInt64LE(at);
      if (v === 0xffffffffffffffffn) return UNDEFINED_ADDRESS;
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail("an address is beyond 2^53", 0);
      return Number(v);
    }
    if (size > 6) this.fail(`a ${size}-byte integer field is not supported`, 0);
    const v = buf.readUIntLE(at, size);
    return v === 2 ** (8 * size) - 1 ? UNDEFINED_ADDRESS : v;
  }

  /** A valid file laid out in a way this reader does not walk (h5py writes it only when asked for libver="latest"). */
  private unsupported(what: string, byteOffset: number): never {
    throw new FormatError(
      "h5ad_unsupported",
      `dataset ${this.key} holds variable-length strings compressed with the HDF5 filter "lzf", and omicslake reads those itself, but not this one: ${what}`,
      {
        file: this.file,
        key: this.key,
        byteOffset,
        hint: 'Write the file again with h5py\'s default file format (no libver="latest"), or with gzip: adata.write_h5ad(path, compression="gzip")',
      },
    );
  }

  private fail(what: string, byteOffset: number, cause?: unknown): never {
    throw new FormatError("invalid_hdf5", `cannot read the LZF-compressed strings: ${what}`, {
      file: this.file,
      key: this.key,
      byteOffset,
      ...(cause !== undefined ? { cause } : {}),
    });
  }
}

interface Message {
  readonly type: number;
  readonly data: Buffer;
  /** File offset of the message, for errors. */
  readonly at: number;
}

interface HeapCollection {
  readonly data: Buffer;
  /** Byte offset in `data` of each object, by object index (holes for indexes not present). */
  readonly starts: readonly number[];
  readonly sizes: readonly number[];
}

interface Chunk {
  /** Index of the chunk's first element. */
  readonly start: number;
  readonly address: number;
  readonly size: number;
  readonly filterMask: number;
}

interface Layout {
  readonly chunkLength: number;
  readonly elementSize: number;
  readonly chunks: readonly Chunk[];
}
