import { describe, expect, test } from "vitest";
import { ParseError } from "../errors/parse-error.js";
import {
  readXmlRecords,
  XmlRecordTokenizer,
  type XmlRecord,
  type XmlRecordReaderOptions,
} from "./xml-record-reader.js";
import { textAt } from "./xml-node.js";
import { reusedBufferChunks } from "../../test/helpers/byte-streams.js";

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

describe("readXmlRecords mixed content (inline elements folded into text)", () => {
  const inline = { ...opts, inline: ["i", "b", "sup", "sub", "mml:math"] };
  const math =
    `<mml:math xmlns:mml="http://www.w3.org/1998/Math/MathML"><mml:msub><mml:mi>V</mml:mi>` +
    `<mml:mrow><mml:mi>O</mml:mi><mml:mn>2</mml:mn></mml:mrow></mml:msub></mml:math>`;
  const doc =
    `<set><r><t>maximal oxygen uptake (${math}) 67.6 ml</t>` +
    `<t><i>start</i> middle <b>bold <i>nested</i> &amp; more</b> end <sup>2</sup></t>` +
    `<t>H<sub>2</sub>O<i><![CDATA[<cdata> & ]]>&lt;x&gt;&#233;</i>.<i/></t>` +
    `<t a="1">plain<c>child</c></t></r></set>`;

  test.each([1, 2, 3, 7, 64, 1 << 16])(
    "keeps inline text where it stands, in document order, at every %i bytes",
    async (size) => {
      const [record] = await collect(doc, inline, size);
      const texts = record!.node.children.map((t) => t.text);
      expect(texts).toEqual([
        "maximal oxygen uptake (VO2) 67.6 ml",
        "start middle bold nested & more end 2",
        "H2O<cdata> & <x>é.",
        "plain",
      ]);
      // Only the element that is not inline markup stays a child; inline elements leave no node behind.
      expect(record!.node.children.map((t) => t.children.map((c) => c.name))).toEqual([[], [], [], ["c"]]);
      expect(record!.node.children[3]!.attrs).toEqual({ a: "1" });
    },
  );

  test("without the option, inline elements stay children", async () => {
    const [record] = await collect(`<set><r>a <i>b</i> c</r></set>`, opts);
    expect(record!.node.text).toBe("a  c");
    expect(record!.node.children.map((c) => [c.name, c.text])).toEqual([["i", "b"]]);
  });

  test("inline elements outside records are ordinary markup", async () => {
    const records = await collect(`<set><i>x</i><r><i>y</i></r></set>`, inline);
    expect(records.map((r) => r.node.text)).toEqual(["y"]);
  });

  test("a mismatched inline closing tag is malformed at its exact byte offset", async () => {
    const xml = `<set><r><t>é <b>x <i>y</b></i></t></r></set>`;
    for (const size of [1, 5, 1 << 16]) {
      const { error } = await failure(xml, inline, size);
      expect(error.code).toBe("malformed_xml");
      expect(error.message).toContain("</b> does not match the open element <i>");
      expect(error.location.byteOffset).toBe(Buffer.from(xml).indexOf("</b>"));
    }
  });

  test("input ending inside an inline element names it", async () => {
    const { error } = await failure(`<set><r><t>a <mml:math><mml:mi>x`, inline, 3);
    expect(error.code).toBe("truncated_xml");
    expect(error.message).toContain("<mml:mi>");
  });
});

describe("readXmlRecords encodings named by the XML declaration", () => {
  const latin1Doc = (encoding: string, body: number[]): Buffer =>
    Buffer.concat([
      Buffer.from(`<?xml version="1.0" encoding="${encoding}"?>\n<set><r a="`),
      Buffer.from(body),
      Buffer.from(`"><t>`),
      Buffer.from(body),
      Buffer.from(`</t></r></set>`),
    ]);

  test.each([1, 2, 3, 1 << 16])("ISO-8859-1 is decoded as declared at every %i bytes", async (size) => {
    // "Café 10°C ±" and a C1 byte, which ISO-8859-1 maps to U+0080 (windows-1252 would make it €).
    const body = [0x43, 0x61, 0x66, 0xe9, 0x20, 0x31, 0x30, 0xb0, 0x43, 0x20, 0xb1, 0x80];
    const [record] = await collect(latin1Doc("ISO-8859-1", body), opts, size);
    expect(record!.node.attrs.a).toBe("Café 10°C ±\u0080");
    expect(record!.node.children[0]!.text).toBe("Café 10°C ±\u0080");
    const [lower] = await collect(latin1Doc("latin1", body), opts, size);
    expect(lower!.node.attrs.a).toBe("Café 10°C ±\u0080");
  });

  test("windows-1252 and ISO-8859-15 are decoded by their own tables", async () => {
    const [cp] = await collect(latin1Doc("windows-1252", [0x80, 0x93, 0x41, 0x94]), opts, 2);
    expect(cp!.node.attrs.a).toBe("€“A”");
    const [l9] = await collect(latin1Doc("ISO-8859-15", [0xa4, 0xe9]), opts, 1);
    expect(l9!.node.children[0]!.text).toBe("€é");
  });

  test.each([1, 2, 3, 5, 1 << 16])(
    "a multi-byte encoding (Shift_JIS) is never cut inside a character at %i bytes",
    async (size) => {
      // 日本語 テスト in Shift_JIS; 0x96 0x7b has an ASCII-range trail byte ({).
      const sjis = [0x93, 0xfa, 0x96, 0x7b, 0x8c, 0xea, 0x20, 0x83, 0x65, 0x83, 0x58, 0x83, 0x67];
      const [record] = await collect(latin1Doc("Shift_JIS", sjis), opts, size);
      expect(record!.node.attrs.a).toBe("日本語 テスト");
      expect(record!.node.children[0]!.text).toBe("日本語 テスト");
    },
  );

  test("bytes invalid in the declared encoding are an error at their offset", async () => {
    const xml = latin1Doc("Shift_JIS", [0x41, 0x81]);
    const { error } = await failure(
      Buffer.concat([xml.subarray(0, xml.indexOf("<t>") + 3), Buffer.from("x")]),
      opts,
    );
    expect(error.code).toBe("malformed_xml");
    expect(error.message).toContain("shift_jis");
    expect(error.location.byteOffset).toBe(xml.indexOf('"', xml.indexOf("<r a=")) + 1);
  });

  test("an unknown or unreadable declared encoding is refused naming the file", async () => {
    for (const encoding of ["x-no-such-encoding", "UTF-16", "ISO-2022-JP"]) {
      const { error } = await failure(latin1Doc(encoding, [0x41]), opts);
      expect(error.code).toBe("unsupported_format");
      expect(error.message).toContain(encoding);
      expect(error.message).toContain("in.xml");
      expect(error.location.byteOffset).toBe(0);
    }
  });

  test("UTF-16 input and a byte order mark that contradicts the declaration are refused", async () => {
    const utf16 = Buffer.from("\ufeff<set/>", "utf16le");
    expect((await failure(utf16, opts)).error.code).toBe("unsupported_format");
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), latin1Doc("ISO-8859-1", [0xe9])]);
    const { error } = await failure(bom, opts);
    expect(error.code).toBe("malformed_xml");
    expect(error.message).toContain("byte order mark");
  });

  test("decoded strings are copies: chunks come through one reused buffer", async () => {
    const doc = latin1Doc("Shift_JIS", [0x93, 0xfa, 0x96, 0x7b, 0x20, 0x41]);
    for (const size of [1, 4, 64]) {
      const records: XmlRecord[] = [];
      for await (const r of readXmlRecords(reusedBufferChunks(doc, size), opts)) records.push(r);
      expect(records[0]!.node.attrs.a).toBe("日本 A");
      expect(records[0]!.node.children[0]!.text).toBe("日本 A");
    }
  });

  test.each([1, 3, 1 << 16])(
    "a declaration after leading whitespace is honoured, and an unreadable encoding value is refused, at %i bytes",
    async (size) => {
      // "Café" in ISO-8859-1 behind a blank first line: read as UTF-8 the é would become U+FFFD, silently.
      for (const lead of ["\n", " \r\n\t"]) {
        const doc = Buffer.concat([Buffer.from(lead), latin1Doc("ISO-8859-1", [0x43, 0x61, 0x66, 0xe9])]);
        const [record] = await collect(doc, opts, size);
        expect(record!.node.attrs.a).toBe("Café");
        expect(record!.node.children[0]!.text).toBe("Café");
      }
      // Quotes that do not match: the encoding cannot be read, which must not fall back to UTF-8 unnoticed.
      const bad = Buffer.concat([
        Buffer.from(`<?xml version="1.0" encoding="ISO-8859-1'?>`),
        Buffer.from("<set/>"),
      ]);
      const { error } = await failure(bad, opts, size);
      expect(error.code).toBe("malformed_xml");
      expect(error.message).toContain("encoding");
      expect(error.location.byteOffset).toBe(0);
    },
  );

  test("a UTF-8 declaration, and an encoding-like text later in the document, change nothing", async () => {
    const xml = `<?xml version="1.0" encoding="utf-8"?><set><?xml encoding="ISO-8859-1"?><r>é</r></set>`;
    const [record] = await collect(xml, opts, 2);
    expect(record!.node.text).toBe("é");
  });
});

describe("XmlRecordTokenizer encoding for a reader started inside a document", () => {
  test("the encoding read from the declaration is reported, and can be given to a reader that starts later", () => {
    const head = new XmlRecordTokenizer(opts);
    head.write(Buffer.from(`<?xml version="1.0" encoding="ISO-8859-1"?><set>`), []);
    expect(head.encoding).toBe("ISO-8859-1");
    const later = new XmlRecordTokenizer({ ...opts, encoding: head.encoding });
    const out: XmlRecord[] = [];
    later.write(Buffer.from([...Buffer.from("<set><r>caf"), 0xe9, ...Buffer.from("</r></set>")]), out);
    later.end(out);
    expect(out[0]!.node.text).toBe("café");
    expect(new XmlRecordTokenizer(opts).encoding).toBe("UTF-8");
  });

  test("an unknown encoding option is refused", () => {
    expect(() => new XmlRecordTokenizer({ ...opts, encoding: "x-nothing" })).toThrow(
      /the encoding option names encoding "x-nothing"/,
    );
  });
});
