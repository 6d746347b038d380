import fc from "fast-check";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ParseError } from "../../src/errors/parse-error.js";
import { chunksOf } from "./byte-streams.js";
import { fixture, haveFixtures } from "./ncbi-fixtures.js";

/** Byte values that break XML: its delimiters and entity characters, a letter and a byte never valid in UTF-8. */
export const XML_MUTATION_BYTES: readonly number[] = [
  ...[..."<>/=\"'&;! \n"].map((c) => c.charCodeAt(0)),
  0x61,
  0xff,
];

export interface MutatedInputOptions {
  /** Real files to mutate. */
  sources: readonly Uint8Array[];
  /** Byte values written over random positions: the format's delimiters plus a few fillers. */
  values: readonly number[];
  numRuns: number;
  /** Parses the whole input, validating every record against its schema. */
  consume: (input: AsyncIterable<Uint8Array>) => Promise<void>;
}

/**
 * Property: after up to six byte edits, an optional cut in half and any chunking, the parser either yields
 * schema-valid records or stops with a ParseError — never another exception.
 */
export async function checkMutatedInputs({
  sources,
  values,
  numRuns,
  consume,
}: MutatedInputOptions): Promise<void> {
  await fc.assert(
    fc.asyncProperty(
      fc.nat({ max: sources.length - 1 }),
      fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(...values)), {
        maxLength: 6,
      }),
      fc.nat({ max: 1 }),
      fc.integer({ min: 1, max: 257 }),
      async (which, edits, cut, chunk) => {
        const bytes = Buffer.from(sources[which]!);
        for (const [where, value] of edits) bytes[Math.floor(where * (bytes.length - 1))] = value;
        const input = cut === 1 ? bytes.subarray(0, Math.floor(bytes.length / 2)) : bytes;
        try {
          await consume(chunksOf(input, chunk));
        } catch (error) {
          expect(error).toBeInstanceOf(ParseError);
        }
      },
    ),
    { numRuns, seed: 20251122 },
  );
}

/** The property above as a parser's own test over named real NCBI fixtures, skipped when they are absent. */
export function describeMutatedFixtures(
  parser: string,
  files: readonly string[],
  options: Omit<MutatedInputOptions, "sources">,
): void {
  describe.skipIf(!haveFixtures)(`${parser} on mutated real files (property)`, () => {
    it("either yields schema-valid records or stops with a ParseError, for any byte edits and chunking", async () => {
      await checkMutatedInputs({ ...options, sources: files.map((name) => readFileSync(fixture(name))) });
    });
  });
}
