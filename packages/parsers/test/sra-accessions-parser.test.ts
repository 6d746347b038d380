import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { ParseError } from "../src/errors/parse-error.js";
import type { ParseWarning } from "../src/errors/parse-warning.js";
import { openInput } from "../src/io/open-input.js";
import { recordParser } from "../src/parse/record-parsers.js";
import { parseSraAccessions } from "../src/sra-accessions/sra-accessions-parser.js";
import {
  sraAccessionsSchema,
  type SraAccessionsRecord,
} from "../src/sra-accessions/sra-accessions-records.js";
import { reusedBufferChunks } from "./helpers/byte-streams.js";

/*
 * The sample is SRA_Accessions.tab as NCBI writes it (its real header, tab-separated, `-` for empty) over the
 * accessions of the SRA fixtures and how they link (submission → study → sample → experiment → run, BioSample,
 * BioProject). Statuses, dates, spot counts and checksums are illustrative; one center name is not ASCII so a
 * multi-byte character straddles chunk boundaries.
 */
const SAMPLE_NAME = "SRA_Accessions.sample.tab";
const sample = readFileSync(fileURLToPath(new URL(`./data/${SAMPLE_NAME}`, import.meta.url)));
const sampleLines = sample.toString("utf8").trimEnd().split("\n");

async function* whole(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

async function collect(input: AsyncIterable<Uint8Array>, file = SAMPLE_NAME): Promise<SraAccessionsRecord[]> {
  const out: SraAccessionsRecord[] = [];
  for await (const r of parseSraAccessions(input, { file })) out.push(r);
  return out;
}

function hashOf(records: readonly SraAccessionsRecord[]): string {
  return createHash("sha256").update(JSON.stringify(records)).digest("hex");
}

async function failure(input: AsyncIterable<Uint8Array>, file = SAMPLE_NAME): Promise<ParseError> {
  try {
    await collect(input, file);
  } catch (error) {
    expect(error).toBeInstanceOf(ParseError);
    return error as ParseError;
  }
  throw new Error("expected a ParseError");
}

describe("parseSraAccessions", () => {
  test("one schema-valid record per row, `-` left out, counts as numbers, linked accessions kept", async () => {
    const records = await collect(whole(sample));
    expect(records).toHaveLength(sampleLines.length - 1);
    for (const r of records) expect(() => sraAccessionsSchema.parse(r)).not.toThrow();
    expect(records.map((r) => r.accession)).toEqual(sampleLines.slice(1).map((l) => l.split("\t")[0]));
    const run = records.find((r) => r.accession === "SRR5100239");
    expect(run).toEqual({
      kind: "sra_accessions",
      accession: "SRR5100239",
      submission: "SRA502713",
      status: "live",
      updated: "2016-12-14T16:12:25Z",
      published: "2016-12-14T16:12:25Z",
      received: "2016-12-13T21:04:02Z",
      type: "RUN",
      center: "GEO",
      visibility: "public",
      alias: "GSM2425536_r1",
      experiment: "SRX2416970",
      sample: "SRS1854358",
      study: "SRP094985",
      loaded: 1,
      spots: 25818690,
      bases: 2581869000,
      md5sum: "0b7d52ac4b5cc5d4cbc7e1b8d1b2b3f9",
      biosample: "SAMN06134387",
      bioproject: "PRJNA357158",
      replacedBy: undefined,
    });
    // JSON (what processing writes) carries no key for an empty field.
    const study = records.find((r) => r.accession === "SRP094985")!;
    expect(JSON.parse(JSON.stringify(study))).toEqual({
      kind: "sra_accessions",
      accession: "SRP094985",
      submission: "SRA502713",
      status: "live",
      updated: "2019-10-09T07:41:13Z",
      published: "2016-12-16T00:00:00Z",
      received: "2016-12-13T20:51:24Z",
      type: "STUDY",
      center: "GEO",
      visibility: "public",
      alias: "GSE92305",
      bioproject: "PRJNA357158",
    });
    expect(records.find((r) => r.accession === "SRR8426357")).toMatchObject({
      status: "suppressed",
      replacedBy: "SRR8426398",
    });
    expect(records.find((r) => r.accession === "SRR11217925")).toMatchObject({
      status: "unpublished",
      visibility: "controlled_access",
      center: "Université de Montréal",
      published: undefined,
      loaded: 0,
    });
  });

  test("the same records at chunk sizes from 1 byte to the whole file, through a reused buffer", async () => {
    const reference = hashOf(await collect(whole(sample)));
    // Every size up to a line and a half (each line break at each position of a chunk), then larger steps.
    for (let size = 1; size <= sample.length; size += size < 300 ? 1 : 61) {
      expect(hashOf(await collect(reusedBufferChunks(sample, size))), `chunks of ${size}`).toBe(reference);
    }
  });

  test("a Latin-1 line is read as Latin-1 with a warning naming the line, its UTF-8 neighbours stay right, at every chunk size", async () => {
    // Line 24 (UTF-8 "Université de Montréal") is kept; line 3 gets a centre written in Latin-1 and a CRLF.
    const lines = sample.toString("latin1").trimEnd().split("\n");
    const fields = lines[2]!.split("\t");
    fields[7] = "Universit\xe4t M\xfcnchen \x96 LMU";
    const bytes = Buffer.concat([
      Buffer.from(lines.slice(0, 2).join("\n") + "\n", "latin1"),
      Buffer.from(fields.join("\t") + "\r\n", "latin1"),
      Buffer.from(lines.slice(3).join("\n") + "\n", "latin1"),
    ]);
    const offset = Buffer.byteLength(lines.slice(0, 2).join("\n")) + 1;
    const reference = await collect(whole(sample));
    for (const size of [1, 2, 3, 7, 64, 333, bytes.length]) {
      const warnings: ParseWarning[] = [];
      const records: SraAccessionsRecord[] = [];
      for await (const r of parseSraAccessions(reusedBufferChunks(bytes, size), {
        file: "a.tab",
        onWarning: (w) => warnings.push(w),
      }))
        records.push(r);
      expect(records[1]!.center, `chunks of ${size}`).toBe("Universität München – LMU");
      expect(
        records.filter((_, k) => k !== 1),
        `chunks of ${size}`,
      ).toEqual(reference.filter((_, k) => k !== 1));
      expect(warnings, `chunks of ${size}`).toEqual([
        {
          code: "latin1_decoded",
          message: `SRA_Accessions.tab a.tab line 3 (${fields[0]}): not valid UTF-8; decoded as Latin-1 (Windows-1252)`,
          location: { file: "a.tab", line: 3, byteOffset: offset, record: fields[0] },
        },
      ]);
    }
  });

  test("the registry's parser, gzip inflated in a worker and on this thread, CRLF lines, no final newline", async () => {
    const reference = hashOf(await collect(whole(sample)));
    const dir = mkdtempSync(join(tmpdir(), "omicslake-sra-accessions-"));
    try {
      const gz = join(dir, `${SAMPLE_NAME}.gz`);
      writeFileSync(gz, gzipSync(sample));
      for (const worker of [true, false]) {
        const records: SraAccessionsRecord[] = [];
        for await (const r of recordParser("sra-accessions")(openInput(gz, { chunkSize: 64, worker }), {}))
          records.push(r as SraAccessionsRecord);
        expect(hashOf(records), `gzip, worker: ${worker}`).toBe(reference);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const crlf = Buffer.from(sample.toString("utf8").replaceAll("\n", "\r\n"));
    for (const size of [1, 2, 3, 4711])
      expect(hashOf(await collect(reusedBufferChunks(crlf, size))), `CRLF in chunks of ${size}`).toBe(
        reference,
      );
    const unterminated = sample.subarray(0, sample.length - 1);
    expect(hashOf(await collect(reusedBufferChunks(unterminated, 5)))).toBe(reference);
  });

  test("a row with the wrong number of fields names the file, line, byte offset and accession, at any chunk size", async () => {
    const lines = [...sampleLines];
    // Line 6 of the file (the run) loses its last field, as a cut or hand-edited file would.
    lines[5] = lines[5]!.split("\t").slice(0, 19).join("\t");
    const damaged = Buffer.from(`${lines.join("\n")}\n`);
    const offset = Buffer.byteLength(`${lines.slice(0, 5).join("\n")}\n`);
    for (const size of [1, 7, damaged.length]) {
      const records: SraAccessionsRecord[] = [];
      let error: unknown;
      try {
        for await (const r of parseSraAccessions(reusedBufferChunks(damaged, size), { file: "damaged.tab" }))
          records.push(r);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ParseError);
      expect(error).toMatchObject({
        code: "malformed_tab_line",
        location: { file: "damaged.tab", line: 6, byteOffset: offset, record: "SRR5100239" },
      });
      expect((error as Error).message).toContain("19 tab-separated fields, the header has 20");
      // The rows before it were handed out whole.
      expect(records.map((r) => r.accession)).toEqual(sampleLines.slice(1, 5).map((l) => l.split("\t")[0]));
    }
  });

  test("a count that is not a number, a wrong header and an empty file are refused clearly", async () => {
    const lines = [...sampleLines];
    lines[5] = lines[5]!.replace("\t25818690\t", "\t25,818,690\t");
    const badCount = await failure(whole(Buffer.from(lines.join("\n"))));
    expect(badCount).toMatchObject({
      code: "malformed_tab_line",
      location: { line: 6, record: "SRR5100239" },
    });
    expect(badCount.message).toContain('Spots is "25,818,690"');

    const renamed = Buffer.from(sample.toString("utf8").replace("ReplacedBy", "Replaced"));
    const header = await failure(whole(renamed));
    expect(header).toMatchObject({ code: "unexpected_tab_header", location: { line: 1, byteOffset: 0 } });
    expect(header.message).toContain('missing ReplacedBy; unknown "Replaced"');

    expect(await failure(whole(Buffer.alloc(0)))).toMatchObject({ code: "empty_input" });
    // A file that never ends a line is cut off before it can eat memory.
    const endless = await failure(whole(Buffer.alloc((1 << 20) + 10, 0x41)));
    expect(endless).toMatchObject({ code: "record_too_large", location: { line: 1, byteOffset: 0 } });
  });
});
