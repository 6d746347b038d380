import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { lstat, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { extractArchive } from "../src/archive/archive-extractor.js";
import { FormatError } from "../src/convert/format-error.js";
import { makeTar } from "./helpers/make-tar.js";

const PYTHON = "/usr/bin/python3";
const havePython = existsSync(PYTHON);
if (!havePython)
  console.warn("archive tests: skipping zip cases, /usr/bin/python3 (zipfile) is not installed");

let dir: string;
let dest: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "omicslake-archive-"));
  dest = join(dir, "sandbox", "x");
  await mkdir(dest, { recursive: true });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Builds a zip with Python's zipfile: `members` maps names to text, or to {symlink: target} / {zeros: n}. */
function makeZip(
  path: string,
  members: Record<string, string | { symlink: string } | { zeros: number }>,
): void {
  const code = `
import json, sys, zipfile
members = json.loads(sys.argv[2])
with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
    for name, v in members.items():
        if isinstance(v, dict) and 'symlink' in v:
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o120777 << 16)
            z.writestr(info, v['symlink'])
        elif isinstance(v, dict):
            z.writestr(name, b'\\0' * v['zeros'])
        else:
            z.writestr(name, v)
`;
  execFileSync(PYTHON, ["-c", code, path, JSON.stringify(members)]);
}

async function extractError(promise: Promise<unknown>): Promise<FormatError> {
  const e = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(FormatError);
  return e as FormatError;
}

describe("tar extraction sandbox", () => {
  it("extracts ordinary members with their folders", async () => {
    await writeFile(
      join(dir, "ok.tar"),
      await makeTar([
        { name: "./data/a.txt", body: "alpha" },
        { name: "data/sub/b.txt", body: "beta" },
      ]),
    );
    const r = await extractArchive(join(dir, "ok.tar"), dest, "tar");
    expect(r.members.map((m) => [m.path, m.bytes])).toEqual([
      ["data/a.txt", 5],
      ["data/sub/b.txt", 4],
    ]);
    expect(await readFile(join(dest, "data", "sub", "b.txt"), "utf8")).toBe("beta");
  });

  it("refuses ../ traversal and writes nothing outside", async () => {
    await writeFile(join(dir, "evil.tar"), await makeTar([{ name: "../evil", body: "x" }]));
    const e = await extractError(extractArchive(join(dir, "evil.tar"), dest, "tar"));
    expect(e.code).toBe("archive_unsafe_member");
    expect(e.message).toContain('"../evil"');
    expect(existsSync(join(dir, "sandbox", "evil"))).toBe(false);
  });

  it("refuses absolute paths", async () => {
    await writeFile(
      join(dir, "abs.tar"),
      await makeTar([{ name: "/tmp/omicslake-absolute-test", body: "x" }]),
    );
    const e = await extractError(extractArchive(join(dir, "abs.tar"), dest, "tar"));
    expect(e.code).toBe("archive_unsafe_member");
    expect(e.message).toContain("absolute path");
  });

  it("refuses a symlink escaping the archive and a hard link to a system file", async () => {
    await writeFile(
      join(dir, "sym.tar"),
      await makeTar([{ name: "data/passwd", type: "symlink", linkname: "../../../etc/passwd" }]),
    );
    const sym = await extractError(extractArchive(join(dir, "sym.tar"), dest, "tar"));
    expect(sym).toMatchObject({ code: "archive_unsafe_member", location: { member: "data/passwd" } });
    await writeFile(
      join(dir, "hard.tar"),
      await makeTar([{ name: "h", type: "link", linkname: "/etc/passwd" }]),
    );
    expect((await extractError(extractArchive(join(dir, "hard.tar"), dest, "tar"))).code).toBe(
      "archive_unsafe_member",
    );
    expect(await readdir(dest)).toEqual([]);
  });

  it("skips a link that stays inside and never creates it", async () => {
    await writeFile(
      join(dir, "in.tar"),
      await makeTar([
        { name: "d/real.txt", body: "r" },
        { name: "d/alias", type: "symlink", linkname: "real.txt" },
      ]),
    );
    const r = await extractArchive(join(dir, "in.tar"), dest, "tar");
    expect(r.members.map((m) => m.path)).toEqual(["d/real.txt"]);
    expect(r.skipped).toEqual([
      { path: "d/alias", reason: expect.stringContaining("symbolic link") as unknown },
    ]);
    await expect(lstat(join(dest, "d", "alias"))).rejects.toThrow();
  });

  it("stops a tar.gz bomb by its overall expansion ratio, naming the member", async () => {
    const tarBytes = await makeTar([{ name: "zeros.bin", body: Buffer.alloc(40 * 1024 * 1024) }]);
    await writeFile(join(dir, "bomb.tar.gz"), gzipSync(tarBytes, { level: 9 }));
    const e = await extractError(
      extractArchive(join(dir, "bomb.tar.gz"), dest, "tar", { compressed: "gzip" }),
    );
    expect(e.code).toBe("archive_limit_exceeded");
    expect(e.message).toContain('"zeros.bin"');
    expect(e.message).toContain("200×");
  });

  it("caps the member count and the total size", async () => {
    await writeFile(
      join(dir, "many.tar"),
      await makeTar(Array.from({ length: 5 }, (_, i) => ({ name: `f${i}`, body: "12345" }))),
    );
    const many = await extractError(
      extractArchive(join(dir, "many.tar"), dest, "tar", { limits: { maxMembers: 3 } }),
    );
    expect(many.code).toBe("archive_limit_exceeded");
    expect(many.message).toContain("more than 3 members");
    await rm(dest, { recursive: true });
    await mkdir(dest);
    const big = await extractError(
      extractArchive(join(dir, "many.tar"), dest, "tar", { limits: { maxTotalBytes: 12 } }),
    );
    expect(big).toMatchObject({ code: "archive_limit_exceeded", location: { member: "f2" } });
  });
});

describe.skipIf(!havePython)("zip extraction sandbox", () => {
  it("stops a zip bomb before writing it, naming the member and the limit", async () => {
    makeZip(join(dir, "bomb.zip"), {
      "readme.txt": "hello",
      "payload/zeros.bin": { zeros: 50 * 1024 * 1024 },
    });
    const e = await extractError(extractArchive(join(dir, "bomb.zip"), dest, "zip"));
    expect(e.code).toBe("archive_limit_exceeded");
    expect(e.location?.member).toBe("payload/zeros.bin");
    expect(e.message).toMatch(/above the 200× limit/);
    expect(existsSync(join(dest, "payload", "zeros.bin"))).toBe(false);
  });

  it("refuses ../ names and escaping symlinks in zips", async () => {
    makeZip(join(dir, "trav.zip"), { "a/../../evil.txt": "x" });
    expect((await extractError(extractArchive(join(dir, "trav.zip"), dest, "zip"))).code).toBe(
      "archive_unsafe_member",
    );
    makeZip(join(dir, "link.zip"), { l: { symlink: "../../../../etc/passwd" } });
    expect((await extractError(extractArchive(join(dir, "link.zip"), dest, "zip"))).code).toBe(
      "archive_unsafe_member",
    );
    expect(existsSync(join(dir, "evil.txt"))).toBe(false);
  });

  it("extracts a normal zip", async () => {
    makeZip(join(dir, "ok.zip"), { "x/one.txt": "1", "two.txt": "22" });
    const r = await extractArchive(join(dir, "ok.zip"), dest, "zip");
    expect(r.members.map((m) => [m.path, m.bytes]).sort()).toEqual([
      ["two.txt", 2],
      ["x/one.txt", 1],
    ]);
    expect(await readFile(join(dest, "x", "one.txt"), "utf8")).toBe("1");
  });

  it("refuses a zip member whose bytes no longer match its CRC-32, stored or deflated", async () => {
    const text =
      "barcode,cell_type\n" + Array.from({ length: 400 }, (_, i) => `AAAC${i}-1,T cell`).join("\n");
    for (const method of ["ZIP_STORED", "ZIP_DEFLATED"]) {
      const path = join(dir, `${method}.zip`);
      execFileSync(PYTHON, [
        "-c",
        `import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], 'w', zipfile.${method}) as z: z.writestr('cells.csv', sys.argv[2])`,
        path,
        text,
      ]);
      const bytes = await readFile(path);
      // Flip a bit inside the member's data (after its 30-byte local header and name), not in any header.
      const at = 30 + "cells.csv".length + 40;
      bytes[at] = bytes[at]! ^ 0x01;
      await writeFile(path, bytes);
      const out = join(dir, `out-${method}`);
      await mkdir(out);
      const e = await extractError(extractArchive(path, out, "zip"));
      expect(e.code, method).toBe("archive_malformed");
      expect(e.location?.member, method).toBe("cells.csv");
    }
  });
});
