import { describe, expect, test } from "vitest";
import { ParseError } from "../errors/parse-error.js";
import { readXmlRecords, type XmlRecord, type XmlRecordReaderOptions } from "./xml-record-reader.js";
import { textAt } from "./xml-node.js";

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collect(
  xml: string | Uint8Array,
  options: XmlRecordReaderOptions,
  chunkSize = 1 << 16,
): Promise<XmlRecord[]> {
  const bytes = typeof xml === "string" ? Buffer.from(xml, "utf8") : xml;
  const out: XmlRecord[] = [];
  for await (const r of readXmlRecords(chunked(bytes, chunkSize), options)) out.push(r);
  return out;
}

/** Runs `fn` and returns the ParseError it throws together with the records yielded before it. */
async function failure(
  xml: string | Uint8Array,
  options: XmlRecordReaderOptions,
  chunkSize = 1 << 16,
): Promise<{ error: ParseError; records: XmlRecord[] }> {
  const bytes = typeof xml === "string" ? Buffer.from(xml, "utf8") : xml;
  const records: XmlRecord[] = [];
  try {
    for await (const r of readXmlRecords(chunked(bytes, chunkSize), options)) records.push(r);
  } catch (error) {
    if (error instanceof ParseError) return { error, records };
    throw error;
  }
  throw new Error("expected a ParseError");
}

const opts: XmlRecordReaderOptions = { records: ["r"], roots: ["set"], file: "in.xml" };

describe("readXmlRecords", () => {
  const doc =
    `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE set [<!ENTITY x "y">]>\n<!-- c -->\n` +
    `<set><skip a="1"><r>not nested-record</r></skip>` +
    `<r k='v&amp;"' j="&#x263A;é&#233;"> t&lt;&#65;<![CDATA[<z>&amp;]]><b/><!-- ignored --><c x="1">ü</c></r>` +
    `<r/></set>\n`;

  test.each([1, 2, 3, 5, 64, 1 << 16])(
    "decodes entities, CDATA and UTF-8 split at every %i bytes",
    async (size) => {
      const records = await collect(doc, opts, size);
      expect(records).toHaveLength(3);
      const r = records[1]!.node;
      expect(r.name).toBe("r");
      expect(r.attrs).toEqual({ k: 'v&"', j: "☺éé" });
      expect(r.text).toBe(" t<A<z>&amp;");
      expect(r.children.map((c) => c.name)).toEqual(["b", "c"]);
      expect(r.children[1]!.attrs).toEqual({ x: "1" });
      expect(textAt(r, "c")).toBe("ü");
      expect(records[0]!.node.text).toBe("not nested-record");
      expect(records[2]!.node).toMatchObject({ name: "r", text: "", children: [] });
      // Byte offsets are of the UTF-8 input: count them independently of the reader.
      const bytes = Buffer.from(doc, "utf8");
      expect(records[1]!.byteOffset).toBe(bytes.indexOf("<r k="));
      expect(records[2]!.byteOffset).toBe(bytes.indexOf("<r/>"));
    },
  );

  test("a record element that is the document root is emitted", async () => {
    const records = await collect(`<r a="1"><x>1</x></r>`, { records: ["r"], roots: ["set", "r"] });
    expect(records).toHaveLength(1);
    expect(records[0]!.node.attrs.a).toBe("1");
    expect(records[0]!.byteOffset).toBe(0);
  });

  test("unexpected root names the root seen and the ones allowed", async () => {
    const { error } = await failure(`<other/>`, opts);
    expect(error.code).toBe("unexpected_root");
    expect(error.message).toContain("<other>");
    expect(error.message).toContain("<set>");
    expect(error.location.file).toBe("in.xml");
  });

  test("empty input and input without a root element", async () => {
    expect((await failure("", opts)).error.code).toBe("empty_input");
    expect((await failure(`<?xml version="1.0"?>\n<!-- nothing -->\n`, opts)).error.code).toBe("empty_input");
  });

  test("truncated input yields the complete records then fails with the record being read", async () => {
    const xml = `<set><r><acc accession="A1"/></r><r><x accession="SRX2">abc</x><y>de`;
    const { error, records } = await failure(xml, opts, 7);
    expect(records.map((r) => r.node.children[0]!.attrs.accession)).toEqual(["A1"]);
    expect(error.code).toBe("truncated_xml");
    expect(error.location.byteOffset).toBe(Buffer.byteLength(xml));
    expect(error.location.record).toBe("r SRX2");
    expect(error.message).toContain("<y>");
  });

  test("mismatched closing tag is malformed with its byte offset", async () => {
    const xml = `<set><r><a></b></r></set>`;
    const { error } = await failure(xml, opts);
    expect(error.code).toBe("malformed_xml");
    expect(error.location.byteOffset).toBe(xml.indexOf("</b>"));
    expect(error.message).toContain("</b>");
  });

  test("unquoted attribute, text outside the root and a second root are malformed", async () => {
    expect((await failure(`<set><r a=1/></set>`, opts)).error.code).toBe("malformed_xml");
    expect((await failure(`junk<set/>`, opts)).error.code).toBe("malformed_xml");
    expect((await failure(`<set/><set/>`, opts)).error.code).toBe("malformed_xml");
  });

  test("deep nesting stops at maxDepth", async () => {
    const depth = 10_000;
    const xml = `<set>${"<r>".repeat(depth)}`;
    const { error } = await failure(xml, { ...opts, maxDepth: 256 });
    expect(error.code).toBe("too_deep");
    expect(error.location.byteOffset).toBe(5 + 255 * 3);
  });

  test("a huge attribute stops at maxRecordBytes without rescanning", async () => {
    const xml = `<set><r a="${"x".repeat(5_000_000)}`;
    const { error } = await failure(xml, { ...opts, maxRecordBytes: 1_000_000 }, 4096);
    expect(error.code).toBe("record_too_large");
    expect(error.location.byteOffset).toBe(5);
  });

  test("an unterminated tag outside records is bounded too", async () => {
    const { error } = await failure(
      `<set><other a="${"x".repeat(3_000_000)}`,
      { ...opts, maxRecordBytes: 1_000_000 },
      8192,
    );
    expect(error.code).toBe("record_too_large");
  });

  test("billion-laughs DOCTYPE entities are not expanded", async () => {
    const lol =
      `<!DOCTYPE set [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
      `<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><set><r>&lol3;</r></set>`;
    const records = await collect(lol, opts, 3);
    expect(records[0]!.node.text).toBe("&lol3;");
  });

  test("stopping early releases the input", async () => {
    let returned = false;
    const input = {
      async *[Symbol.asyncIterator]() {
        try {
          yield Buffer.from("<set><r/><r/>");
          yield Buffer.from("<r/></set>");
        } finally {
          returned = true;
        }
      },
    };
    for await (const r of readXmlRecords(input, opts)) {
      expect(r.node.name).toBe("r");
      break;
    }
    expect(returned).toBe(true);
  });
});
