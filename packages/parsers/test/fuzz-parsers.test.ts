import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { parseBioSample } from "../src/biosample/biosample-parser.js";
import { ParseError } from "../src/errors/parse-error.js";
import { parseSra } from "../src/sra/sra-parser.js";
import type { XmlNode } from "../src/xml/xml-node.js";
import { readXmlRecords } from "../src/xml/xml-record-reader.js";

/*
 * Property-based tests: (1) random well-formed documents, cut into random chunks, come back from the XML
 * reader with exactly their names, attributes and text; (2) random byte mutations of every real fixture,
 * fed to the parser for its format, either parse or fail with a ParseError, and always finish.
 */

const SEED = 20_261_122;
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const fixtures = join(repoRoot, "..", "shared", "fixtures", "ncbi");
const haveFixtures = existsSync(fixtures);

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

// ---- 1. round trip of well-formed documents ---------------------------------------------------------

interface Tree {
  readonly name: string;
  readonly attrs: ReadonlyArray<readonly [string, string]>;
  readonly children: ReadonlyArray<Tree | string>;
}

const wellFormed = (s: string): boolean => !/\p{Cs}/u.test(s);
const anyText = fc.string({ unit: "binary", maxLength: 12 }).filter(wellFormed);
const elementName = fc.constantFrom("a", "b", "c_d", "E-1", "ns:x", "\u00e9t\u00e9", "\u4e2d");
const attrName = fc.constantFrom("x", "y", "accession", "z:q", "\u00fc");

const { tree } = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.record({
    name: elementName,
    attrs: fc.uniqueArray(fc.tuple(attrName, anyText), { selector: (t) => t[0], maxLength: 3 }),
    children: fc.array(fc.oneof({ depthSize: "small", maxDepth: 4 }, anyText, tie("tree")), { maxLength: 4 }),
  }),
}));

interface Style {
  readonly quote: '"' | "'";
  readonly cdata: boolean;
  readonly numeric: boolean;
  readonly comments: boolean;
}

function escapeText(text: string, style: Style): string {
  if (style.cdata && !text.includes("]]>") && text !== "") return `<![CDATA[${text}]]>`;
  let out = text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  if (style.numeric)
    out = out.replace(/[\u0080-\u{10ffff}]/gu, (c) => `&#x${c.codePointAt(0)!.toString(16)};`);
  return out;
}

function escapeAttr(value: string, style: Style): string {
  const out = value.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  return style.quote === '"' ? out.replace(/"/g, "&quot;") : out.replace(/'/g, "&apos;");
}

function serialize(t: Tree, style: Style): string {
  const attrs = t.attrs.map(([k, v]) => ` ${k}=${style.quote}${escapeAttr(v, style)}${style.quote}`).join("");
  if (t.children.length === 0) return `<${t.name}${attrs}/>`;
  const inner = t.children
    .map(
      (c, i) =>
        (typeof c === "string" ? escapeText(c, style) : serialize(c, style)) +
        (style.comments && i === 0 ? "<!-- - -->" : ""),
    )
    .join("");
  return `<${t.name}${attrs}>${inner}</${t.name} >`;
}

function expected(t: Tree): XmlNode {
  return {
    name: t.name,
    attrs: Object.fromEntries(t.attrs),
    children: t.children.filter((c): c is Tree => typeof c !== "string").map(expected),
    text: t.children.filter((c): c is string => typeof c === "string").join(""),
  };
}

describe("readXmlRecords round trip", () => {
  test("random documents come back with their names, attributes and text, whatever the chunking", async () => {
    const style = fc.record({
      quote: fc.constantFrom<'"' | "'">('"', "'"),
      cdata: fc.boolean(),
      numeric: fc.boolean(),
      comments: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(tree, { minLength: 1, maxLength: 4 }),
        style,
        fc.integer({ min: 1, max: 48 }),
        async (records, st, size) => {
          const recordTrees = records.map((r) => ({ ...r, name: "rec" }));
          const doc =
            `<?xml version="1.0"?>\n<!DOCTYPE root>\n<root>` +
            recordTrees
              .map((r, i) => (i % 2 === 1 ? `<wrap x="1">${serialize(r, st)}</wrap>` : serialize(r, st)))
              .join("\n") +
            `</root>\n`;
          const got: XmlNode[] = [];
          for await (const r of readXmlRecords(chunked(Buffer.from(doc, "utf8"), size), {
            records: ["rec"],
            roots: ["root"],
          }))
            got.push(r.node);
          expect(got).toEqual(recordTrees.map(expected));
        },
      ),
      { seed: Number(process.env.FUZZ_SEED ?? SEED), numRuns: Number(process.env.FUZZ_RUNS ?? 300) },
    );
  });
});

// ---- 2. mutations of real files -----------------------------------------------------------------------

type Parser = (input: AsyncIterable<Uint8Array>, options: { file?: string }) => AsyncIterable<unknown>;

/** The parser for each fixture family; the other formats' parsers are added when their modules load. */
async function parsers(): Promise<Array<{ prefix: string; parse: Parser }>> {
  const list: Array<{ prefix: string; parse: Parser }> = [
    { prefix: "sra_", parse: parseSra },
    { prefix: "biosample_", parse: parseBioSample },
  ];
  const optional: Array<[string, string, string]> = [
    ["pubmed_", "../src/pubmed/pubmed-parser.js", "parsePubmed"],
    ["bioproject_", "../src/bioproject/bioproject-parser.js", "parseBioProject"],
    ["geo_", "../src/geo/geo-soft-parser.js", "parseGeoSoft"],
  ];
  for (const [prefix, path, name] of optional) {
    const mod = (await import(path).catch(() => undefined)) as Record<string, unknown> | undefined;
    const parse = mod?.[name];
    if (typeof parse === "function") list.push({ prefix, parse: parse as Parser });
  }
  return list;
}

type Mutation =
  | { readonly kind: "set"; readonly at: number; readonly byte: number }
  | { readonly kind: "delete"; readonly at: number; readonly length: number }
  | { readonly kind: "insert"; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: "truncate"; readonly at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant("set" as const),
    at: fc.nat(),
    byte: fc.constantFrom(0x3c, 0x3e, 0x2f, 0x26, 0x22, 0x00, 0xff, 0xc3, 0x5d),
  }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    bytes: fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 16 }),
      fc.constantFrom(
        ...["<x>", "</a>", "<!--", "<![CDATA[", "&amp", '"', "<!DOCTYPE x [", "<?x"].map((s) =>
          Buffer.from(s),
        ),
      ),
    ),
  }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
);

function mutate(bytes: Buffer, mutations: readonly Mutation[]): Buffer {
  let out = Buffer.from(bytes);
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % out.length;
    if (m.kind === "set") out[at] = m.byte;
    else if (m.kind === "delete") out = Buffer.concat([out.subarray(0, at), out.subarray(at + m.length)]);
    else if (m.kind === "insert") out = Buffer.concat([out.subarray(0, at), m.bytes, out.subarray(at)]);
    else out = out.subarray(0, at);
  }
  return out;
}

/**
 * Runs a parse to completion; resolves "ok" or the error, and rejects if it has not finished in time.
 * The bound only catches a parser that loops forever on a mutation: it is far above what any parse of
 * these small files takes even on a heavily loaded machine, so it never decides a passing run.
 */
async function runBounded(parse: Parser, bytes: Buffer, chunkSize: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("parse did not finish within 120 s")), 120_000);
  });
  const run = (async () => {
    try {
      for await (const _ of parse(chunked(bytes, chunkSize), { file: "mutated" })) void _;
      return "ok" as const;
    } catch (error) {
      return error;
    }
  })();
  try {
    return await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe.skipIf(!haveFixtures)("random mutations of the real fixtures", () => {
  const files = haveFixtures ? readdirSync(fixtures).filter((f) => /\.(xml|soft)$/.test(f)) : [];

  test.each(files)("%s parses or fails with a ParseError, never hangs", async (name) => {
    const entry = (await parsers()).find((p) => name.startsWith(p.prefix));
    if (entry === undefined) return;
    const original = readFileSync(join(fixtures, name));
    expect(await runBounded(entry.parse, original, 4096)).toBe("ok");
    const big = original.length > 100_000;
    await fc.assert(
      fc.asyncProperty(
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 8192 }),
        async (mutations, size) => {
          const outcome = await runBounded(
            entry.parse,
            mutate(original, mutations),
            big ? Math.max(size, 1024) : size,
          );
          if (outcome !== "ok") {
            expect(outcome).toBeInstanceOf(ParseError);
            const e = outcome as ParseError;
            expect(e.code).toMatch(/^[a-z_]+$/);
            expect(e.location.file).toBe("mutated");
          }
        },
      ),
      { seed: SEED, numRuns: big ? 25 : 120 },
    );
  });
});
