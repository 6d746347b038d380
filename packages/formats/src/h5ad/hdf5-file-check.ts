import { open } from "node:fs/promises";
import { FormatError } from "../convert/format-error.js";

const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Checks an HDF5 file before the library opens it: the signature (at 0, or after a user block at 512, 1024, …) and
 * that the file is as long as its superblock says. HDF5 itself only prints diagnostics to stderr and throws an
 * opaque error for a truncated download; this names the file and the missing bytes instead.
 */
export async function checkHdf5File(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (cause) {
    throw new FormatError(
      "invalid_hdf5",
      `cannot open the file (${(cause as NodeJS.ErrnoException).code ?? String(cause)})`,
      { file: path, cause },
    );
  }
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(64);
    let base = -1;
    for (let offset = 0; offset + SIGNATURE.length <= size; offset = offset === 0 ? 512 : offset * 2) {
      const { bytesRead } = await handle.read(head, 0, head.length, offset);
      if (bytesRead >= SIGNATURE.length && head.subarray(0, SIGNATURE.length).equals(SIGNATURE)) {
        base = offset;
        break;
      }
    }
    if (base < 0) {
      throw new FormatError(
        "invalid_hdf5",
        size === 0 ? "the file is empty" : "not an HDF5 file (no HDF5 signature)",
        {
          file: path,
          byteOffset: 0,
          hint: "Check the file type: h5ad and 10x .h5 files are HDF5",
        },
      );
    }
    const version = head[8]!;
    let offsetSize: number;
    let eofAt: number;
    if (version === 0 || version === 1) {
      offsetSize = head[13]!;
      // signature 8, versions 4, reserved 1, shared 1, sizes 2, reserved 1, K values 4, flags 4 (+4 in v1)
      const addresses = version === 0 ? 24 : 28;
      eofAt = addresses + 2 * offsetSize;
    } else if (version === 2 || version === 3) {
      offsetSize = head[9]!;
      eofAt = 12 + 2 * offsetSize;
    } else return;
    if (offsetSize !== 8 && offsetSize !== 4) return;
    const read = (at: number): number =>
      offsetSize === 8 ? Number(head.readBigUInt64LE(at)) : head.readUInt32LE(at);
    // Addresses (the end-of-file one included) are relative to the base address, normally where the superblock is.
    const baseAddress = read(eofAt - 2 * offsetSize);
    const eof = read(eofAt);
    const expected = baseAddress + eof;
    if (eof > 0 && eof < Number.MAX_SAFE_INTEGER && size < expected) {
      throw new FormatError(
        "invalid_hdf5",
        `the file is truncated: ${size} bytes, but its HDF5 superblock says ${expected}`,
        {
          file: path,
          byteOffset: size,
          hint: "The download or copy was cut short; fetch the file again",
        },
      );
    }
  } finally {
    await handle.close();
  }
}
