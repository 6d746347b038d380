import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openInput } from "../src/io/open-input.js";
import { recordParser, type RecordFormat } from "../src/parse/record-parsers.js";
import { reusedBufferChunks } from "./helpers/byte-streams.js";
import { fixture, fixtures, haveFixtures } from "./helpers/ncbi-fixtures.js";

/*
 * Every parser, fed every fixture it reads in chunks of many sizes down to one byte, must give exactly the records
 * of a single-chunk read. Chunks come through one reused buffer that is scribbled over before each refill, the way
 * a reader with a fixed read buffer delivers them: a parser that keeps a view of a chunk instead of a copy fails.
 * The gzip paths of openInput (worker and in-thread) are read at the chunk sizes zlib allows.
 */

if (!haveFixtures) console.warn(`chunk-boundary tests skipped: NCBI fixtures not found at ${fixtures}`);

const CHUNK_SIZES = [1, 2, 3, 7, 64, 4093, 65_536, (1 << 20) + 1];
/** Most chunks one file is cut into: keeps 1-byte feeding to the small files (the runtime stays in seconds). */
const MAX_CHUNKS = 12_000;

function formatOf(name: string): RecordFormat | undefined {
  if (name.endsWith(".soft")) return "geo";
  if (!name.endsWith(".xml")) return undefined;
  const prefix = name.split("_")[0];
  return prefix === "sra" || prefix === "biosample" || prefix === "bioproject" || prefix === "pubmed"
    ? prefix
    : undefined;
}

const files = haveFixtures
  ? readdirSync(fixtures)
      .filter((name) => formatOf(name) !== undefined)
      .sort()
  : [];

/** sha256 of the records as JSON (with their order): identical output means an identical hash. */
async function recordsHash(
  format: RecordFormat,
  input: AsyncIterable<Uint8Array>,
  file: string,
): Promise<{ hash: string; count: number }> {
  const hash = createHash("sha256");
  let count = 0;
  for await (const record of recordParser(format)(input, { file })) {
    hash.update(JSON.stringify(record, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
    hash.update("\n");
    count++;
  }
  return { hash: hash.digest("hex"), count };
}

async function* whole(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

describe.skipIf(!haveFixtures)("parsers at every chunk boundary", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "omicslake-chunks-"));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("covers a fixture of every parser", () => {
    expect(new Set(files.map(formatOf))).toEqual(
      new Set(["sra", "biosample", "bioproject", "pubmed", "geo"]),
    );
  });

  for (const name of files) {
    const format = formatOf(name)!;
    it(`${name} (${format}): the same records in chunks of ${CHUNK_SIZES.join(", ")} bytes, plain and gzip`, async () => {
      const bytes = readFileSync(fixture(name));
      const reference = await recordsHash(format, whole(bytes), name);
      expect(reference.count, "the fixture yields records").toBeGreaterThan(0);
      let sizesRun = 0;
      for (const size of CHUNK_SIZES) {
        if (bytes.length / size > MAX_CHUNKS) continue;
        sizesRun++;
        expect(await recordsHash(format, reusedBufferChunks(bytes, size), name), `chunks of ${size}`).toEqual(
          reference,
        );
      }
      expect(sizesRun).toBeGreaterThanOrEqual(4);
      // The real file paths: plain reads, and gzip inflated in a worker and on this thread (zlib's smallest chunk is 64).
      const plain = join(dir, name);
      const gz = join(dir, `${name}.gz`);
      writeFileSync(plain, bytes);
      writeFileSync(gz, gzipSync(bytes));
      for (const chunkSize of [64, 65_536]) {
        for (const [path, worker] of [
          [plain, false],
          [gz, true],
          [gz, false],
        ] as const) {
          const got = await recordsHash(format, openInput(path, { chunkSize, worker }), name);
          expect(got, `${path} in chunks of ${chunkSize} (worker: ${worker})`).toEqual(reference);
        }
      }
    });
  }
});
