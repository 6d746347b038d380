import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { convertPath } from "../src/convert/convert-path.js";
import { FormatError } from "../src/convert/format-error.js";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const fixtures = resolve(repoRoot, "../shared/fixtures/formats");
const haveFixtures = existsSync(fixtures);
const PYTHON = "/usr/bin/python3";
const havePython = existsSync(PYTHON);
if (!haveFixtures) console.warn(`convert tests: skipping fixture cases, ${fixtures} is absent`);
if (!havePython)
  console.warn("convert tests: skipping zip cases, /usr/bin/python3 (zipfile) is not installed");

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "omicslake-convert-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Zip via Python's zipfile: values are a path on disk ({file}), text, or {zeros: n}. */
function makeZip(path: string, members: Record<string, string | { file: string } | { zeros: number }>): void {
  const code = `
import json, sys, zipfile
members = json.loads(sys.argv[2])
with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
    for name, v in members.items():
        if isinstance(v, dict) and 'file' in v: z.write(v['file'], name)
        elif isinstance(v, dict): z.writestr(name, b'\\0' * v['zeros'])
        else: z.writestr(name, v)
`;
  execFileSync(PYTHON, ["-c", code, path, JSON.stringify(members)]);
}

/** Nothing of a failed conversion may remain: no outDir, no staging or extraction folder next to it. */
async function expectNoTrace(outDir: string): Promise<void> {
  expect(existsSync(outDir)).toBe(false);
  const leftovers = (await readdir(dir)).filter((n) => n.startsWith("."));
  expect(leftovers).toEqual([]);
}

async function failure(p: Promise<unknown>): Promise<FormatError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(FormatError);
  return e as FormatError;
}

describe.skipIf(!haveFixtures)("convertPath on single files", () => {
  it("converts an RDS data.frame and always writes manifest.json", async () => {
    const out = join(dir, "df");
    const r = await convertPath(join(fixtures, "rds", "df.rds"), out);
    expect(r.format).toBe("rds");
    expect(r.outputs.map((o) => o.name)).toEqual(["table.parquet", "manifest.json"]);
    expect(r.outputs.every((o) => o.path.startsWith(out))).toBe(true);
    expect((await readdir(out)).sort()).toEqual(["manifest.json", "table.parquet"]);
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8")) as Record<
      string,
      unknown
    >;
    expect(manifest).toMatchObject({
      format: "rds",
      detected: { format: "rds", compressed: "gzip" },
      rds: { version: 3 },
    });
    expect((manifest["outputs"] as { name: string; rows: number }[])[0]).toMatchObject({
      name: "table.parquet",
      rows: 4,
    });
    expect(await readdir(dir)).toEqual(["df"]);
  });

  it("converts a pickle and a gzip CSV by content whatever their names", async () => {
    await writeFile(join(dir, "mystery.dat"), await readFile(join(fixtures, "pickle", "df_p4.pkl")));
    expect((await convertPath(join(dir, "mystery.dat"), join(dir, "p"))).format).toBe("pickle");
    await writeFile(join(dir, "table.xyz"), gzipSync("g\tv\nA\t1\nB\t2\n"));
    const t = await convertPath(join(dir, "table.xyz"), join(dir, "t"));
    expect(t.format).toBe("tsv");
    expect(t.outputs[0]).toMatchObject({ name: "table.parquet", rows: 2 });
  });

  it("refuses to write into a non-empty output directory", async () => {
    await mkdir(join(dir, "busy"));
    await writeFile(join(dir, "busy", "old.txt"), "x");
    const e = await failure(convertPath(join(fixtures, "rds", "df.rds"), join(dir, "busy")));
    expect(e.code).toBe("output_exists");
    expect(await readdir(join(dir, "busy"))).toEqual(["old.txt"]);
  });
});

describe("convertPath failures leave nothing behind", () => {
  it("an RDS holding a closure", async () => {
    const head = Buffer.from("X\n\0\0\0\x03\0\x04\x02\x02\0\x03\x05\0\0\0\0\x05UTF-8\0\0\0\x03", "latin1");
    await writeFile(join(dir, "fn.rds"), gzipSync(head));
    const out = join(dir, "fn");
    const e = await failure(convertPath(join(dir, "fn.rds"), out));
    expect(e).toMatchObject({ code: "unsupported_r_type", location: { byteOffset: 23 } });
    await expectNoTrace(out);
  });

  it("a pickle naming a foreign global", async () => {
    await writeFile(
      join(dir, "evil.pkl"),
      Buffer.from("\x80\x02cposix\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.", "latin1"),
    );
    const out = join(dir, "evil");
    const e = await failure(convertPath(join(dir, "evil.pkl"), out));
    expect(e.code).toBe("unsafe_pickle_global");
    expect(e.message).toContain("posix.system");
    await expectNoTrace(out);
  });

  it("an unknown binary", async () => {
    await writeFile(join(dir, "x.bin"), Buffer.from([0, 159, 146, 150, 0, 1]));
    const out = join(dir, "x");
    expect((await failure(convertPath(join(dir, "x.bin"), out))).code).toBe("unsupported_format");
    await expectNoTrace(out);
  });

  it.skipIf(!haveFixtures)("a truncated HDF5 file", async () => {
    const whole = await readFile(join(fixtures, "h5ad", "sparse.h5ad"));
    await writeFile(join(dir, "cut.h5ad"), whole.subarray(0, Math.floor(whole.length / 3)));
    const out = join(dir, "cut");
    const e = await convertPath(join(dir, "cut.h5ad"), out).then(
      () => undefined,
      (err: unknown) => err as Error & { code?: unknown; file?: unknown },
    );
    expect(e).toBeInstanceOf(Error);
    expect(typeof e?.code).toBe("string");
    expect(e?.file).toBe(join(dir, "cut.h5ad"));
    await expectNoTrace(out);
  });

  it.skipIf(!havePython)("a zip bomb", async () => {
    makeZip(join(dir, "bomb.zip"), { "big.csv": { zeros: 40 * 1024 * 1024 } });
    const out = join(dir, "bomb");
    const e = await failure(convertPath(join(dir, "bomb.zip"), out));
    expect(e).toMatchObject({ code: "archive_limit_exceeded", location: { member: "big.csv" } });
    await expectNoTrace(out);
  });
});

describe.skipIf(!haveFixtures || !havePython)("convertPath on archives", () => {
  it("routes each member by content and recognises a 10x triplet as one matrix", async () => {
    const tenx = join(fixtures, "10x_v3");
    makeZip(join(dir, "upload.zip"), {
      "r/frame.bin": { file: join(fixtures, "rds", "df.rds") },
      "py/df.pickle": { file: join(fixtures, "pickle", "df_p5.pkl") },
      "sample1/matrix.mtx.gz": { file: join(tenx, "matrix.mtx.gz") },
      "sample1/barcodes.tsv.gz": { file: join(tenx, "barcodes.tsv.gz") },
      "sample1/features.tsv.gz": { file: join(tenx, "features.tsv.gz") },
      "notes.txt": "Some prose that is not a table, really.\nSecond line of prose here.\n",
    });
    const out = join(dir, "upload");
    const r = await convertPath(join(dir, "upload.zip"), out);
    expect(r.format).toBe("archive");
    const names = r.outputs.map((o) => o.name);
    expect(names).toContain("r/frame.bin/table.parquet");
    expect(names).toContain("py/df.pickle/table.parquet");
    expect(names.at(-1)).toBe("manifest.json");
    for (const o of r.outputs) expect(existsSync(o.path), o.path).toBe(true);
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8")) as {
      archive: { members: { path: string; format: string; status: string; error?: { code: string } }[] };
    };
    const byPath = new Map(manifest.archive.members.map((m) => [m.path, m]));
    expect(byPath.get("r/frame.bin")).toMatchObject({ format: "rds", status: "converted" });
    expect(byPath.get("py/df.pickle")).toMatchObject({ format: "pickle", status: "converted" });
    expect(byPath.get("notes.txt")).toMatchObject({ format: "unknown", status: "skipped" });
    // The three 10x files are one member of the manifest, not three.
    expect(manifest.archive.members.filter((m) => m.path.startsWith("sample1"))).toHaveLength(1);
    const matrix = byPath.get("sample1")!;
    expect(matrix.format).toBe("10x-mtx-dir");
    expect(matrix.status).toBe("converted");
    expect(names).toContain("sample1/matrix.X.parquet");
    expect(r.warnings.some((w) => w.startsWith("notes.txt: skipped"))).toBe(true);
  });

  it("converts a plain folder file by file and leaves the user's files in place", async () => {
    const src = join(dir, "folder");
    await mkdir(join(src, "s1"), { recursive: true });
    await mkdir(join(src, "py"));
    await copyFile(join(fixtures, "rds", "df.rds"), join(src, "df.rds"));
    await copyFile(join(fixtures, "pickle", "df_p4.pkl"), join(src, "py", "frame"));
    for (const f of ["matrix.mtx.gz", "barcodes.tsv.gz", "features.tsv.gz"]) {
      await copyFile(join(fixtures, "10x_v3", f), join(src, "s1", f));
    }
    await writeFile(join(src, ".DS_Store"), "junk");
    const out = join(dir, "folder-out");
    const r = await convertPath(src, out);
    expect(r.format).toBe("directory");
    const names = r.outputs.map((o) => o.name);
    expect(names).toContain("df.rds/table.parquet");
    expect(names).toContain("py/frame/table.parquet");
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8")) as {
      archive: { kind: string; members: { path: string; format: string }[] };
    };
    expect(manifest.archive.kind).toBe("directory");
    expect(manifest.archive.members.map((m) => `${m.path}:${m.format}`).sort()).toEqual([
      "df.rds:rds",
      "py/frame:pickle",
      "s1:10x-mtx-dir",
    ]);
    expect((await readdir(join(src, "s1"))).sort()).toEqual([
      "barcodes.tsv.gz",
      "features.tsv.gz",
      "matrix.mtx.gz",
    ]);
    expect((await readdir(dir)).filter((n) => n.startsWith("."))).toEqual([]);
  });

  it("finds a triplet with unusual names by the matrix's dimensions", async () => {
    const tenx = join(fixtures, "10x_v3");
    makeZip(join(dir, "odd.zip"), {
      "run/counts.bin": { file: join(tenx, "matrix.mtx.gz") },
      "run/cells.gz": { file: join(tenx, "barcodes.tsv.gz") },
      "run/genes-list.gz": { file: join(tenx, "features.tsv.gz") },
    });
    const out = join(dir, "odd");
    const r = await convertPath(join(dir, "odd.zip"), out);
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8")) as {
      archive: { members: { path: string; format: string; status: string }[] };
    };
    expect(manifest.archive.members).toEqual([
      expect.objectContaining({ path: "run", format: "10x-mtx-dir", status: "converted" }),
    ]);
    // Barcodes and features were told apart by line count: the cells table has one row per barcode.
    const cells = r.outputs.find((o) => o.name === "run/cells.parquet");
    const barcodes = (
      await readFile(join(tenx, "barcodes.tsv.gz")).then((b) => gunzipSync(b).toString("utf8"))
    )
      .split("\n")
      .filter((l) => l.length > 0);
    expect(cells?.rows).toBe(barcodes.length);
  });
});
