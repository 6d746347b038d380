import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, stat } from "node:fs/promises";
import { dirname, isAbsolute, posix, resolve, sep } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import * as zlib from "node:zlib";
import { createGunzip } from "node:zlib";
import tar from "tar-stream";
import yauzl from "yauzl";
import { verifyCompressedFile } from "../compression/compressed-file.js";
import { compressedInputError, isZlibTruncation } from "../compression/compressed-input-error.js";
import { FormatError } from "../convert/format-error.js";

/** Limits that keep a hostile archive from filling the disk or the inode table. */
export interface ArchiveLimits {
  /** Total bytes written for all members (default 64 GiB). */
  readonly maxTotalBytes: number;
  /** Number of file members (default 10,000). */
  readonly maxMembers: number;
  /**
   * Uncompressed / compressed size, per zip member and for a compressed tar overall (default 200). Real omics
   * files compress 3–30×; bombs compress 1,000× and more.
   */
  readonly maxRatio: number;
  /** Ratios are only enforced past this many bytes, so tiny highly-compressible files pass (default 1 MiB). */
  readonly ratioGraceBytes: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxTotalBytes: 64 * 1024 ** 3,
  maxMembers: 10_000,
  maxRatio: 200,
  ratioGraceBytes: 1024 * 1024,
};

export interface ExtractedMember {
  /** Normalised path inside the archive (`/`-separated, no leading `./`). */
  readonly path: string;
  /** Where it was written (inside the destination directory). */
  readonly file: string;
  readonly bytes: number;
}

export interface ExtractionResult {
  readonly members: ExtractedMember[];
  /** Members not extracted and why (directories are not listed; links inside the archive are). */
  readonly skipped: { readonly path: string; readonly reason: string }[];
}

/**
 * Unpacks a tar, tar.gz or zip into `dest` (which must exist and be empty) as a sandbox: member paths are
 * checked (no `..`, no absolute paths), links are never created (one pointing outside the archive is an
 * error), and sizes, member count and compression ratio are capped while writing, not only as declared.
 */
export async function extractArchive(
  archive: string,
  dest: string,
  kind: "tar" | "zip",
  options: {
    readonly compressed?: "gzip";
    readonly limits?: Partial<ArchiveLimits>;
    /** Bytes read from a tar at a time (default 64 KiB); tests lower it to probe chunk edges. */
    readonly readChunkSize?: number;
  } = {},
): Promise<ExtractionResult> {
  const limits = { ...DEFAULT_ARCHIVE_LIMITS, ...options.limits };
  const sandbox = new Sandbox(archive, dest, limits);
  if (kind === "zip") await extractZip(archive, sandbox);
  else
    await extractTar(
      archive,
      sandbox,
      options.compressed === "gzip",
      (await stat(archive)).size,
      options.readChunkSize ?? 64 * 1024,
    );
  return { members: sandbox.members, skipped: sandbox.skipped };
}

class Sandbox {
  readonly members: ExtractedMember[] = [];
  readonly skipped: { path: string; reason: string }[] = [];
  total = 0;
  private readonly root: string;

  constructor(
    readonly archive: string,
    dest: string,
    readonly limits: ArchiveLimits,
  ) {
    this.root = resolve(dest);
  }

  /** The safe destination of a member, or an `archive_unsafe_member` error. */
  target(name: string): { path: string; file: string } {
    const raw = name.replaceAll("\\", "/");
    if (raw.startsWith("/") || /^[a-zA-Z]:/.test(raw) || isAbsolute(name)) {
      throw this.unsafe(name, "has an absolute path");
    }
    const parts = raw.split("/").filter((p) => p !== "" && p !== ".");
    if (parts.includes("..")) throw this.unsafe(name, "climbs out of the archive with '..'");
    const path = parts.join("/");
    const file = resolve(this.root, ...parts);
    if (file !== this.root && !file.startsWith(this.root + sep))
      throw this.unsafe(name, "resolves outside the extraction directory");
    return { path, file };
  }

  /** A link member: never created; refused when its target leaves the archive, otherwise skipped. */
  link(name: string, target: string, hard: boolean): void {
    const { path } = this.target(name);
    const base = hard ? "" : posix.dirname(path);
    const normalized = posix.normalize(posix.join(base, target.replaceAll("\\", "/")));
    if (target.startsWith("/") || normalized === ".." || normalized.startsWith("../")) {
      throw this.unsafe(name, `is a ${hard ? "hard" : "symbolic"} link to "${target}" outside the archive`);
    }
    this.skipped.push({
      path,
      reason: `${hard ? "hard" : "symbolic"} link to ${target} (links are not extracted)`,
    });
  }

  counter(
    member: string,
    compressedSize: number | undefined,
    check?: (member: string) => FormatError | undefined,
    expectedCrc32?: number,
  ): Transform {
    let written = 0;
    let crc = 0;
    return new Transform({
      // zip readers do not check a member's CRC-32 (yauzl says so): a damaged member, stored or deflated, would
      // otherwise be extracted as good.
      flush: (done) => {
        if (expectedCrc32 === undefined || crc >>> 0 === expectedCrc32 >>> 0) {
          done();
          return;
        }
        done(
          new FormatError(
            "archive_malformed",
            `the member is damaged: its CRC-32 is ${hex(crc)}, the archive says ${hex(expectedCrc32)}`,
            {
              file: this.archive,
              member,
              hint: "The archive is corrupt; fetch it again.",
            },
          ),
        );
      },
      transform: (chunk: Buffer, _enc, done) => {
        written += chunk.length;
        if (expectedCrc32 !== undefined) crc = crc32(chunk, crc);
        this.total += chunk.length;
        if (this.total > this.limits.maxTotalBytes) {
          done(this.limit(member, `total uncompressed size exceeds ${this.limits.maxTotalBytes} bytes`));
          return;
        }
        if (
          compressedSize !== undefined &&
          written > this.limits.ratioGraceBytes &&
          written > compressedSize * this.limits.maxRatio
        ) {
          done(
            this.limit(
              member,
              `expands more than ${this.limits.maxRatio}× (${written} bytes from ${compressedSize} compressed)`,
            ),
          );
          return;
        }
        const failure = check?.(member);
        if (failure !== undefined) {
          done(failure);
          return;
        }
        done(null, chunk);
      },
    });
  }

  async write(
    name: string,
    source: Readable,
    compressedSize: number | undefined,
    check?: (member: string) => FormatError | undefined,
    expectedCrc32?: number,
  ): Promise<void> {
    const { path, file } = this.target(name);
    if (this.members.length + 1 > this.limits.maxMembers)
      throw this.limit(path, `more than ${this.limits.maxMembers} members`);
    await mkdir(dirname(file), { recursive: true });
    const before = this.total;
    const counter = this.counter(path, compressedSize, check, expectedCrc32);
    // "wx": never follow or overwrite something already there (e.g. a duplicate member name).
    await pipeline(source, counter, createWriteStream(file, { flags: "wx" }));
    this.members.push({ path, file, bytes: this.total - before });
  }

  unsafe(member: string, reason: string): FormatError {
    return new FormatError("archive_unsafe_member", `${reason}; refusing to extract`, {
      file: this.archive,
      member: member,
      hint: "Re-create the archive with relative paths inside one folder and without links.",
    });
  }

  limit(member: string, reason: string): FormatError {
    return new FormatError("archive_limit_exceeded", `${reason}; extraction stopped`, {
      file: this.archive,
      member: member,
      hint: "If the archive is genuine, raise the archive limits (maxTotalBytes, maxMembers, maxRatio) for this conversion.",
    });
  }
}

async function extractZip(archive: string, sandbox: Sandbox): Promise<void> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(archive, {
      lazyEntries: true,
      autoClose: false,
      validateEntrySizes: true,
      decodeStrings: true,
    });
  } catch (cause) {
    throw new FormatError("archive_malformed", `zip: ${(cause as Error).message}`, {
      file: archive,
      hint: "The zip is truncated or corrupt.",
      cause,
    });
  }
  try {
    await extractZipEntries(zip, archive, sandbox);
  } catch (cause) {
    if (cause instanceof FormatError) throw cause;
    const message = (cause as Error).message;
    // yauzl checks names itself while listing entries; report those as the unsafe members they are.
    const unsafeName = /^(invalid relative path|absolute path): (.*)$/.exec(message);
    if (unsafeName !== null)
      throw sandbox.unsafe(
        unsafeName[2] ?? "?",
        "has a path that leaves the archive (absolute or with '..')",
      );
    throw new FormatError("archive_malformed", `zip: ${message}`, {
      file: archive,
      hint: "The zip is truncated or corrupt.",
      cause,
    });
  } finally {
    zip.close();
  }
}

async function extractZipEntries(zip: yauzl.ZipFile, archive: string, sandbox: Sandbox): Promise<void> {
  {
    if (zip.entryCount > sandbox.limits.maxMembers) {
      throw sandbox.limit(`(${zip.entryCount} entries)`, `more than ${sandbox.limits.maxMembers} members`);
    }
    for await (const entry of zip.eachEntry()) {
      const name = entry.fileName;
      const mode = (entry.externalFileAttributes >>> 16) & 0o170000;
      if (name.endsWith("/")) {
        sandbox.target(name); // a directory entry with a bad path is as suspicious as a file
        continue;
      }
      if (mode === 0o120000) {
        const target = (await readAll(await zip.openReadStreamPromise(entry))).toString("utf8");
        sandbox.link(name, target, false);
        continue;
      }
      // Declared sizes first (cheap), then the counter enforces the same limits on the real bytes.
      const declaredRatio = entry.uncompressedSize / Math.max(1, entry.compressedSize);
      if (
        entry.uncompressedSize > sandbox.limits.ratioGraceBytes &&
        declaredRatio > sandbox.limits.maxRatio
      ) {
        throw sandbox.limit(
          name,
          `declares a ${Math.round(declaredRatio)}× expansion (${entry.uncompressedSize} bytes from ${entry.compressedSize}), above the ${sandbox.limits.maxRatio}× limit`,
        );
      }
      if (sandbox.total + entry.uncompressedSize > sandbox.limits.maxTotalBytes) {
        throw sandbox.limit(
          name,
          `total uncompressed size would exceed ${sandbox.limits.maxTotalBytes} bytes`,
        );
      }
      try {
        const member = await zip.openReadStreamPromise(entry);
        // yauzl inflates as soon as the stream is opened and re-emits an inflate error on it with a bare emit,
        // possibly before the pipeline below listens: turn it into a real destroy, which the pipeline then sees.
        member.on("error", (error: Error) => {
          if (!member.destroyed) member.destroy(error);
        });
        await sandbox.write(name, member, entry.compressedSize, undefined, entry.crc32);
      } catch (cause) {
        if (cause instanceof FormatError) throw cause;
        throw new FormatError("archive_malformed", `zip: ${(cause as Error).message}`, {
          file: archive,
          member: name,
          hint: "The zip is truncated or corrupt.",
          cause,
        });
      }
    }
  }
}

async function extractTar(
  archive: string,
  sandbox: Sandbox,
  gzip: boolean,
  compressedBytes: number,
  readChunkSize: number,
): Promise<void> {
  const extract = tar.extract();
  const input = createReadStream(archive, { highWaterMark: readChunkSize });
  // tar-stream is built on streamx: feed it with pipe() and forward source errors so the iterator below fails.
  const gunzip = gzip ? createGunzip() : undefined;
  const fail = (error: Error): void => {
    extract.destroy(error);
  };
  let fed = 0;
  input.on("data", (b: string | Buffer) => {
    fed += b.length;
  });
  // tar's end-of-archive blocks can be read before the gzip trailer is checked: the extraction is only complete
  // once the gzip stream ended cleanly, so its outcome is awaited after the last member.
  const inflated = new Promise<void>((resolve, reject) => {
    if (gunzip === undefined) return resolve();
    gunzip.on("end", resolve);
    gunzip.on("error", (e: NodeJS.ErrnoException) => {
      const error =
        typeof e.code === "string" && e.code.startsWith("Z_")
          ? compressedInputError({
              compression: "gzip",
              file: archive,
              truncated: isZlibTruncation(e),
              byteOffset: isZlibTruncation(e) ? fed : gunzip.bytesWritten,
              detail: e.message,
              cause: e,
            })
          : e;
      reject(error);
      fail(error);
    });
  });
  inflated.catch(() => undefined); // observed below; never unhandled while the members are written
  input.on("error", (e) => {
    gunzip?.destroy(e);
    fail(e);
  });
  (gunzip === undefined ? input : input.pipe(gunzip)).pipe(extract);
  // A compressed tar has no per-member compressed size: the ratio applies to everything written so far.
  const overallRatio = (member: string): FormatError | undefined => {
    if (
      gzip &&
      sandbox.total > sandbox.limits.ratioGraceBytes &&
      sandbox.total > compressedBytes * sandbox.limits.maxRatio
    ) {
      return sandbox.limit(
        member,
        `the archive expands more than ${sandbox.limits.maxRatio}× (${sandbox.total} bytes from ${compressedBytes} compressed)`,
      );
    }
    return undefined;
  };
  try {
    for await (const entry of extract) {
      const h = entry.header;
      switch (h.type) {
        case "file":
        case "contiguous-file":
        case undefined:
        case null:
          await sandbox.write(h.name, Readable.from(entry), undefined, overallRatio);
          break;
        case "directory":
          sandbox.target(h.name);
          entry.resume();
          break;
        case "symlink":
        case "link":
          sandbox.link(h.name, h.linkname ?? "", h.type === "link");
          entry.resume();
          break;
        default:
          sandbox.skipped.push({
            path: h.name,
            reason: `tar member of type ${h.type} (devices, fifos and the like are not extracted)`,
          });
          entry.resume();
      }
    }
    await inflated;
  } catch (cause) {
    input.destroy();
    gunzip?.destroy();
    extract.destroy();
    // Damaged gzip data can inflate to garbage that tar rejects before zlib's checksum would: report the damage.
    if (gzip && !(cause instanceof FormatError && cause.code.startsWith("compressed_")))
      await verifyCompressedFile(archive, "gzip");
    if (cause instanceof FormatError) throw cause;
    throw new FormatError("archive_malformed", `tar: ${(cause as Error).message}`, {
      file: archive,
      hint: "The tar is truncated or corrupt.",
      cause,
    });
  }
}

const hex = (n: number): string => (n >>> 0).toString(16).padStart(8, "0");

const CRC_TABLE = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

/** CRC-32 (as zip and gzip use it) of `bytes`, continuing from `crc`; Node's own when it has one (20.15+). */
function crc32(bytes: Uint8Array, crc: number): number {
  const native = (zlib as { crc32?: (data: Uint8Array, value: number) => number }).crc32;
  if (native !== undefined) return native(bytes, crc);
  let c = ~crc;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
