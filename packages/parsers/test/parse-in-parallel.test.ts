import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ParseError } from "../src/errors/parse-error.js";
import { openInput } from "../src/io/open-input.js";
import { parseInParallel, type ParallelParseOptions } from "../src/parallel/parse-in-parallel.js";
import { ParseWorkerPool } from "../src/parallel/parse-worker-pool.js";
import { scanPreamble, UNSURE } from "../src/parallel/xml-preamble.js";
import { recordParser, type RecordFormat } from "../src/parse/record-parsers.js";
import { writeNdjson } from "../src/parse/write-ndjson.js";
import { SRA_RECORD_ELEMENTS } from "../src/sra/sra-parser.js";
import { reusedBufferChunks } from "./helpers/byte-streams.js";
import { fixture, fixtures, haveFixtures } from "./helpers/ncbi-fixtures.js";

/*
 * A file parsed on several threads must give the NDJSON one thread gives, byte for byte, and fail with the error
 * one thread reports (code, message, byte offset) after the same records. Each fixture is replicated to several
 * records and cut at many slice sizes, down to one byte (a cut before every record); cuts before nested record
 * names (STUDY inside EXPERIMENT_PACKAGE) are wrong cuts that the workers must catch and mend.
 */

if (!haveFixtures) console.warn(`parallel parse tests skipped: NCBI fixtures not found at ${fixtures}`);

const ALL_RECORD_NAMES = [...SRA_RECORD_ELEMENTS, "BioSample", "Package", "DocumentSummary", "PubmedArticle"];

function formatOf(name: string): RecordFormat | undefined {
  const prefix = name.split("_")[0];
  return name.endsWith(".xml") &&
    (prefix === "sra" || prefix === "biosample" || prefix === "bioproject" || prefix === "pubmed")
    ? prefix
    : undefined;
}

/** A small fixture with its records written three times over (when a record boundary is found), so it has slices. */
function replicated(bytes: Buffer): Buffer {
  const scan = scanPreamble(bytes, ALL_RECORD_NAMES);
  if (typeof scan === "string" || bytes.byteLength > 100_000) return bytes;
  const close = Buffer.from(`</${scan.record}>`);
  const end = bytes.lastIndexOf(close) + close.byteLength;
  const body = bytes.subarray(scan.length, end);
  return Buffer.concat([bytes.subarray(0, scan.length), body, body, body, bytes.subarray(end)]);
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

interface Outcome {
  readonly ndjson: string;
  readonly error?: { code: string; message: string; location: unknown };
}

function outcomeOf(text: string, error: unknown): Outcome {
  if (error === undefined) return { ndjson: text };
  if (error instanceof Error && !(error instanceof ParseError)) throw error;
  if (!(error instanceof ParseError)) throw new Error("the parse failed with a value that is not an Error");
  return { ndjson: text, error: { code: error.code, message: error.message, location: error.location } };
}

async function serial(
  format: RecordFormat,
  file: string,
  input: AsyncIterable<Uint8Array>,
): Promise<Outcome> {
  const out = new PassThrough();
  const parts: Buffer[] = [];
  out.on("data", (c: Buffer) => parts.push(c));
  let error: unknown;
  try {
    await writeNdjson(recordParser(format)(input, { file }), out);
  } catch (e) {
    error = e;
  }
  return outcomeOf(Buffer.concat(parts).toString(), error);
}

async function parallel(
  format: RecordFormat,
  inputs: { file: string; input: AsyncIterable<Uint8Array> }[],
  options: ParallelParseOptions,
): Promise<Outcome> {
  const parts: Uint8Array[] = [];
  let error: unknown;
  try {
    for await (const piece of parseInParallel(format, inputs, options)) parts.push(piece.ndjson);
  } catch (e) {
    error = e;
  }
  return outcomeOf(Buffer.concat(parts).toString(), error);
}

const files = haveFixtures
  ? readdirSync(fixtures)
      .filter((name) => formatOf(name) !== undefined)
      .sort()
  : [];

let pool: ParseWorkerPool;
let dir: string;
beforeAll(() => {
  pool = new ParseWorkerPool(2);
  dir = mkdtempSync(join(tmpdir(), "omicslake-parallel-"));
});
afterAll(async () => {
  await pool.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!haveFixtures)("parsing on several threads gives one thread's output", () => {
  it.each(files)("%s, at every slice size", async (name) => {
    const format = formatOf(name)!;
    const bytes = replicated(readFileSync(fixture(name)));
    const expected = await serial(format, name, once(bytes));
    expect(expected.error).toBeUndefined();
    for (const sliceBytes of [1, 4096, 1 << 20]) {
      const got = await parallel(format, [{ file: name, input: reusedBufferChunks(bytes, 65_536) }], {
        pool,
        sliceBytes,
      });
      expect(got, `slices of ${sliceBytes} bytes`).toEqual(expected);
    }
    // Cuts before every record name, nested ones included: most are wrong and must be mended (the small files
    // only: each mend parses a slice again).
    if (bytes.byteLength > 100_000) return;
    const wrongCuts = await parallel(format, [{ file: name, input: once(bytes) }], {
      pool,
      sliceBytes: 1,
      cutBefore: ALL_RECORD_NAMES,
    });
    expect(wrongCuts).toEqual(expected);
  });

  it("cuts the multi-record fixtures, so the slices really are parsed apart", () => {
    for (const name of ["sra_pkgset_87pkgs.xml", "biosample_120060.xml", "pubmed_set_2articles_b.xml"])
      expect(scanPreamble(readFileSync(fixture(name)), ALL_RECORD_NAMES)).not.toBe(UNSURE);
  });

  it("is not fooled by a record's tag inside a comment, a CDATA section or an attribute value", async () => {
    const original = readFileSync(fixture("biosample_120060.xml"), "latin1");
    const tricky = replicated(Buffer.from(original, "latin1"))
      .toString("latin1")
      .replace("<Title>", '<Title><![CDATA[ <BioSample id="1"> ]]>')
      .replace(/(<BioSample [^>]*>)/, '$1<!-- <BioSample id="2"> -->')
      .replace("<Description>", `<Description><Comment note="<BioSample id='3'>"/>`);
    const bytes = Buffer.from(tricky, "latin1");
    const expected = await serial("biosample", "t.xml", once(bytes));
    expect(expected.ndjson).toContain('<BioSample id=\\"1\\">');
    expect(
      await parallel("biosample", [{ file: "t.xml", input: once(bytes) }], { pool, sliceBytes: 1 }),
    ).toEqual(expected);
  });

  it("reports a syntax error at the serial parser's byte offset, after the same records", async () => {
    const bytes = readFileSync(fixture("sra_pkgset_87pkgs.xml"));
    // Damage the closing tag of a package two thirds in: a worker meets it in the middle of its slice.
    const at = bytes.indexOf("</EXPERIMENT_PACKAGE>", Math.floor((bytes.byteLength * 2) / 3));
    const damaged = Buffer.from(bytes);
    damaged.write("</EXPERIMENT_PACKAGX>", at, "latin1");
    const expected = await serial("sra", "bad.xml", once(damaged));
    expect(expected.error?.code).toBe("malformed_xml");
    for (const sliceBytes of [1, 10_000]) {
      const got = await parallel("sra", [{ file: "bad.xml", input: once(damaged) }], { pool, sliceBytes });
      expect(got).toEqual(expected);
    }
    // A file that stops in the middle: the last slice reports the truncation at the file's end.
    const truncated = bytes.subarray(0, at);
    const cut = await serial("sra", "cut.xml", once(truncated));
    expect(cut.error?.code).toBe("truncated_xml");
    expect(
      await parallel("sra", [{ file: "cut.xml", input: once(truncated) }], { pool, sliceBytes: 5000 }),
    ).toEqual(cut);
  });

  it("parses several files at once, gzip among them, in their order", async () => {
    const names = ["sra_pkgset_87pkgs.xml", "sra_study_set_SRP178136.xml", "sra_pkg_ERR1662611_ena.xml"];
    const paths = names.map((name, i) => {
      const path = join(dir, `${i}-${name}${i === 0 ? ".gz" : ""}`);
      const bytes = replicated(readFileSync(fixture(name)));
      writeFileSync(path, i === 0 ? gzipSync(bytes) : bytes);
      return path;
    });
    let expected = "";
    for (const path of paths) expected += (await serial("sra", path, openInput(path))).ndjson;
    const got = await parallel(
      "sra",
      paths.map((path) => ({ file: path, input: openInput(path, { chunkSize: 4096 }) })),
      { pool, sliceBytes: 50_000 },
    );
    expect(got).toEqual({ ndjson: expected });
    expect(expected.split("\n").length).toBeGreaterThan(400);
  });

  it("reports damage in a gzip file as the serial parser does", async () => {
    const bytes = gzipSync(readFileSync(fixture("sra_pkgset_87pkgs.xml")), { level: 0 });
    const damaged = Buffer.from(bytes);
    damaged.fill(0x41, Math.floor(bytes.byteLength / 2), Math.floor(bytes.byteLength / 2) + 64);
    const path = join(dir, "damaged.xml.gz");
    writeFileSync(path, damaged);
    const expected = await serial("sra", path, openInput(path, { chunkSize: 4096 }));
    expect(expected.error?.code).toBe("corrupt_gzip");
    const got = await parallel("sra", [{ file: path, input: openInput(path, { chunkSize: 4096 }) }], {
      pool,
      sliceBytes: 8192,
    });
    expect(got.error).toEqual(expected.error);
  });

  it("fails cleanly, without hanging, when a worker thread dies", async () => {
    const bytes = readFileSync(fixture("sra_pkgset_87pkgs.xml"));
    const got = parallel("sra", [{ file: "x.xml", input: once(bytes) }], {
      threads: 1,
      sliceBytes: 10_000,
      workerUrl: new URL("./helpers/crashing-parse-worker.ts", import.meta.url),
    });
    await expect(got).rejects.toThrow(/parse worker thread failed: crashed on purpose/);
  });
});
