import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ParseError } from "../src/errors/parse-error.js";
import { openInput } from "../src/io/open-input.js";
import { recordParser, type RecordFormat } from "../src/parse/record-parsers.js";
import { fixture, fixtures, haveFixtures } from "./helpers/ncbi-fixtures.js";

/*
 * Damage in a gzip file can inflate to garbage that a parser rejects before zlib reaches the CRC that proves the
 * damage. The error must then be the damage (corrupt_gzip with the compressed offset), not a syntax error at an
 * offset of bytes that were never in the file. Stored (level 0) gzip makes the damage inflate silently.
 */

if (!haveFixtures) console.warn(`gzip damage tests skipped: NCBI fixtures not found at ${fixtures}`);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "omicslake-gzip-damage-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function failure(format: RecordFormat, path: string, worker: boolean): Promise<unknown> {
  try {
    for await (const record of recordParser(format)(openInput(path, { chunkSize: 4096, worker }), {
      file: path,
    }))
      void record;
  } catch (error) {
    return error;
  }
  return undefined;
}

describe.skipIf(!haveFixtures)("a damaged gzip file is reported as damaged, not as a syntax error", () => {
  const cases: [RecordFormat, string, string][] = [
    ["sra", "sra_pkgset_87pkgs.xml", "<EXPERIMENT_PACKAGE>"],
    ["geo", "geo_GSE138657_samples_brief.soft", "\n!Sample_title"],
  ];
  for (const [format, name, marker] of cases) {
    for (const worker of [true, false]) {
      test(`${name} (worker: ${worker})`, async () => {
        const stored = gzipSync(readFileSync(fixture(name)), { level: 0 });
        // The marker's first byte after the middle of the file, as stored: replace it so the text stops parsing.
        const at = stored.indexOf(marker, Math.floor(stored.length / 2)) + (marker.startsWith("\n") ? 1 : 0);
        expect(at).toBeGreaterThan(0);
        const damaged = Buffer.from(stored);
        damaged[at] = 0x78; // "x"
        const path = join(dir, `${name}.gz`);
        writeFileSync(path, damaged);
        const error = await failure(format, path, worker);
        expect(error).toBeInstanceOf(ParseError);
        expect((error as ParseError).code).toBe("corrupt_gzip");
        expect((error as ParseError).location.file).toBe(path);
        expect((error as ParseError).location.byteOffset).toBeGreaterThanOrEqual(0);
        // Plain, the same edit is an ordinary syntax error.
        const plain = join(dir, name);
        const text = readFileSync(fixture(name));
        const edited = Buffer.from(text);
        edited[text.indexOf(marker, Math.floor(text.length / 2)) + (marker.startsWith("\n") ? 1 : 0)] = 0x78;
        writeFileSync(plain, edited);
        const syntax = await failure(format, plain, worker);
        expect(syntax).toBeInstanceOf(ParseError);
        expect((syntax as ParseError).code).not.toBe("corrupt_gzip");
      });
    }
  }
});
