// SRA EXPERIMENT_PACKAGE_SET and BioSampleSet XML -> typed records, against a Python
// xml.etree.ElementTree.iterparse parser doing the same extraction on the same files (OmicIDX's approach).
// Build first: npx tsc -b packages/parsers
// Env: BENCH_XML_MB   size of each generated XML file in MB (default 500)
//      BENCH_RUNS     runs per measurement, the median is printed (default 3)
//      BENCH_PEER_RUNS  runs of the Python peer (default = BENCH_RUNS)
//      BENCH_FIXTURES directory of the real NCBI fixtures (default ../shared/fixtures/ncbi from the repository root)
// The inputs are built under bench/.data/ by replicating the real fixture records with fresh accessions,
// and reused while their size matches. Each parse runs in its own process so its peak RSS is its own.
import { spawnSync } from "node:child_process";
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PYTHON, dataDir, median, peakRssMB, repoRoot } from "./lib/bench-kit.mjs";

async function loadParsers() {
  const pkg = await import("@omicslake/parsers");
  // Until the package index exports them, use the built modules directly.
  const dist = (p) => import(join(repoRoot, "packages/parsers/dist", p));
  return {
    parseSra: pkg.parseSra ?? (await dist("sra/sra-parser.js")).parseSra,
    parseBioSample: pkg.parseBioSample ?? (await dist("biosample/biosample-parser.js")).parseBioSample,
    openInput: pkg.openInput ?? (await dist("io/open-input.js")).openInput,
    readXmlRecords: pkg.readXmlRecords ?? (await dist("xml/xml-record-reader.js")).readXmlRecords,
  };
}

if (process.argv[2] === "--child") {
  const [, , , mode, file] = process.argv;
  const { parseSra, parseBioSample, openInput, readXmlRecords } = await loadParsers();
  // "sra-warm": the same file is parsed once unmeasured first, so the figure leaves out V8 compiling and
  // optimising the parser (about a second of CPU, a large part of a 100 MB run, little of a 10 GB one).
  const warm = mode.endsWith("-warm");
  const what = warm ? mode.slice(0, -"-warm".length) : mode;
  if (warm) for await (const r of (what === "sra" ? parseSra : parseBioSample)(openInput(file))) void r;
  const input = openInput(file);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const stats = { records: 0, kinds: {}, spots: 0, files: 0, attributes: 0, taxa: 0 };
  if (what === "saxes") {
    // The alternative the decisions table names: saxes events building the same record trees.
    const { SaxesParser } = await import("saxes");
    const parser = new SaxesParser();
    const stack = [];
    parser.on("opentag", (tag) => {
      if (stack.length === 0 && tag.name !== "EXPERIMENT_PACKAGE" && tag.name !== "BioSample") return;
      const node = { name: tag.name, attrs: tag.attributes, children: [], text: "" };
      if (stack.length > 0) stack[stack.length - 1].children.push(node);
      stack.push(node);
    });
    parser.on("text", (t) => {
      if (stack.length > 0) stack[stack.length - 1].text += t;
    });
    parser.on("cdata", (t) => {
      if (stack.length > 0) stack[stack.length - 1].text += t;
    });
    parser.on("closetag", () => {
      const node = stack.pop();
      if (node !== undefined && stack.length === 0) {
        stats.records++;
        stats.kinds[node.name] = (stats.kinds[node.name] ?? 0) + 1;
      }
    });
    const decoder = new TextDecoder();
    for await (const chunk of input) parser.write(decoder.decode(chunk, { stream: true }));
    parser.close();
  } else if (what === "reader") {
    const records = ["EXPERIMENT_PACKAGE", "BioSample"];
    for await (const r of readXmlRecords(input, {
      records,
      roots: ["EXPERIMENT_PACKAGE_SET", "BioSampleSet"],
    })) {
      stats.records++;
      stats.kinds[r.node.name] = (stats.kinds[r.node.name] ?? 0) + 1;
    }
  } else {
    const parse = what === "sra" ? parseSra : parseBioSample;
    for await (const r of parse(input, { file })) {
      stats.records++;
      stats.kinds[r.kind] = (stats.kinds[r.kind] ?? 0) + 1;
      stats.attributes += r.attributes.length;
      if (r.kind === "sra_run") {
        stats.spots += r.totalSpots ?? 0;
        stats.files += r.files.length;
        stats.taxa += r.taxAnalysis?.taxa.length ?? 0;
      }
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  // CPU seconds of the whole process (main thread plus the gzip worker): the "per core" figure, robust to a busy machine.
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  process.stdout.write(JSON.stringify({ seconds, cpuSeconds, stats, maxRssMB: peakRssMB() }) + "\n");
  process.exit(0);
}

const targetMB = Number(process.env.BENCH_XML_MB ?? 500);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const peerRuns = Number(process.env.BENCH_PEER_RUNS ?? runs);
const fixtures = process.env.BENCH_FIXTURES ?? join(repoRoot, "../shared/fixtures/ncbi");

if (!existsSync(fixtures)) {
  console.log(`xml-parsers: skipped, fixtures not found at ${fixtures}`);
  process.exit(0);
}

/** Every `<name …>…</name>` block of a fixture, as text. */
function blocks(file, name) {
  const text = readFileSync(join(fixtures, file), "utf8");
  const out = [];
  let from = 0;
  for (;;) {
    const start = text.indexOf(`<${name}`, from);
    if (start === -1) break;
    const end = text.indexOf(`</${name}>`, start);
    out.push(text.slice(start, end + name.length + 3));
    from = end;
  }
  return out;
}

/** Writes `head`, then copies of the blocks with accession numbers shifted per copy, then `tail`, up to `mb`. */
async function generate(path, mb, head, tail, recordBlocks, renumber) {
  if (existsSync(path) && Math.abs(statSync(path).size / 1e6 - mb) < mb * 0.05) return;
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  const out = createWriteStream(tmp);
  const write = (s) => (out.write(s) ? Promise.resolve() : new Promise((r) => out.once("drain", r)));
  await write(head);
  let bytes = head.length;
  for (let copy = 0; bytes < mb * 1e6; copy++) {
    const chunk = recordBlocks.map((b) => renumber(b, copy)).join("\n") + "\n";
    bytes += Buffer.byteLength(chunk);
    await write(chunk);
  }
  await write(tail);
  await new Promise((resolve, reject) => out.end((e) => (e ? reject(e) : resolve())));
  renameSync(tmp, path);
}

// Fresh accessions per copy: the number part grows by a multiple of 10^7, so ids stay unique and well-formed.
const sraRenumber = (block, copy) =>
  block.replace(
    /\b([SED]R[APXSR]|SAM[NED]A?|PRJ[NED][A-Z]|GS[EM])(\d+)\b/g,
    (_, p, n) => `${p}${String(Number(n) + copy * 10_000_000).padStart(n.length, "0")}`,
  );
const biosampleRenumber = (block, copy) =>
  sraRenumber(block, copy).replace(/ id="(\d+)"/, (_, n) => ` id="${Number(n) + copy * 10_000_000}"`);

const sraFile = join(dataDir, `sra-packages-${targetMB}mb.xml`);
const biosampleFile = join(dataDir, `biosample-set-${targetMB}mb.xml`);
const sraGz = `${sraFile}.gz`;
const packages = [
  ...blocks("sra_pkgset_87pkgs.xml", "EXPERIMENT_PACKAGE"),
  ...blocks("sra_pkgset_ERS3331676_srafiles.xml", "EXPERIMENT_PACKAGE"),
  ...blocks("sra_pkgset_SRR5100239_qualities.xml", "EXPERIMENT_PACKAGE"),
  ...blocks("sra_pkg_ERR1662611_ena.xml", "EXPERIMENT_PACKAGE"),
  ...blocks("sra_pkg_SRR3001915_taxanalysis.xml", "EXPERIMENT_PACKAGE"),
].filter((b) => b.startsWith("<EXPERIMENT_PACKAGE>"));
const biosamples = [
  "biosample_SAMN02981965.xml",
  "biosample_SAMN03502652_dbgap.xml",
  "biosample_SAMN02261463.xml",
  "biosample_120060.xml",
]
  .flatMap((f) => blocks(f, "BioSample"))
  .filter((b) => b.startsWith("<BioSample "));

await generate(
  sraFile,
  targetMB,
  '<?xml version="1.0" encoding="UTF-8"?>\n<EXPERIMENT_PACKAGE_SET>\n',
  "</EXPERIMENT_PACKAGE_SET>\n",
  packages,
  sraRenumber,
);
await generate(
  biosampleFile,
  targetMB,
  '<?xml version="1.0" encoding="UTF-8"?>\n<BioSampleSet>\n',
  "</BioSampleSet>\n",
  biosamples,
  biosampleRenumber,
);
if (!existsSync(sraGz) || statSync(sraGz).mtimeMs < statSync(sraFile).mtimeMs) {
  const gz = spawnSync("sh", [
    "-c",
    `gzip -6 -c '${sraFile}' > '${sraGz}.tmp' && mv '${sraGz}.tmp' '${sraGz}'`,
  ]);
  if (gz.status !== 0) throw new Error(`gzip failed: ${gz.stderr}`);
}

// ---- the Python peer: iterparse, same extraction, elements cleared as it goes -------------------------------------
const peerScript = join(dataDir, "xml_iterparse_peer.py");
writeFileSync(
  peerScript,
  String.raw`import json, re, resource, sys, time
import xml.etree.ElementTree as ET

GEO = re.compile(r"^G(SE|SM|PL|DS)\d+$"); BIOSAMPLE = re.compile(r"^SAM[NED][A-Z]?\d+$"); BIOPROJECT = re.compile(r"^PRJ[NED][A-Z]\d+$")

def text(e, path=None):
    n = e if path is None else e.find(path)
    if n is None or n.text is None: return None
    t = n.text.strip(); return t or None

def num(s):
    try: return float(s) if s is not None and "." in s else (int(s) if s is not None else None)
    except ValueError: return None

def identifiers(e):
    ids = e.find("IDENTIFIERS"); out = {"primary": None, "secondary": [], "external": [], "submitter": []}
    if ids is None: return out
    for i in ids:
        v = (i.text or "").strip()
        if not v: continue
        if i.tag == "PRIMARY_ID": out["primary"] = out["primary"] or v
        elif i.tag == "SECONDARY_ID": out["secondary"].append(v)
        elif i.tag == "EXTERNAL_ID": out["external"].append({"namespace": i.get("namespace"), "label": i.get("label"), "value": v})
        elif i.tag == "SUBMITTER_ID": out["submitter"].append({"namespace": i.get("namespace"), "value": v})
    return out

def attributes(e, container):
    c = e.find(container)
    return [] if c is None else [{"tag": text(a, "TAG"), "value": text(a, "VALUE"), "units": text(a, "UNITS")} for a in c if text(a, "TAG")]

def links(e, container):
    xref, url = [], []
    c = e.find(container)
    for l in ([] if c is None else c):
        for x in l:
            if x.tag in ("XREF_LINK", "ENTREZ_LINK") and text(x, "DB"): xref.append({"db": text(x, "DB"), "id": text(x, "ID"), "label": text(x, "LABEL")})
            elif x.tag == "URL_LINK" and text(x, "URL"): url.append({"label": text(x, "LABEL"), "url": text(x, "URL")})
    return xref, url

def base(e, attr_container, link_container, kind):
    ids = identifiers(e); attrs = attributes(e, attr_container); xref, url = links(e, link_container)
    rec = {"kind": kind, "accession": e.get("accession") or ids["primary"], "alias": e.get("alias"), "centerName": e.get("center_name"),
           "brokerName": e.get("broker_name"), "identifiers": ids, "attributes": attrs, "xrefLinks": xref, "urlLinks": url}
    for v in [x["value"] for x in ids["external"]] + ids["secondary"]:
        if GEO.match(v): rec.setdefault("geoAccession", v)
        elif BIOSAMPLE.match(v): rec.setdefault("biosample", v)
        elif BIOPROJECT.match(v): rec.setdefault("bioproject", v)
    rec["pubmedIds"] = [int(x["id"]) for x in xref if x["db"].lower() == "pubmed" and (x["id"] or "").isdigit()]
    return rec

def platform(e):
    p = e.find("PLATFORM")
    if p is None or len(p) == 0: return {}
    return {"platform": p[0].tag, "instrumentModel": text(p[0], "INSTRUMENT_MODEL")}

def study(e):
    r = base(e, "STUDY_ATTRIBUTES", "STUDY_LINKS", "sra_study"); d = e.find("DESCRIPTOR")
    if d is not None:
        t = d.find("STUDY_TYPE")
        r.update(title=text(d, "STUDY_TITLE"), abstract=text(d, "STUDY_ABSTRACT"), description=text(d, "STUDY_DESCRIPTION"),
                 centerProjectName=text(d, "CENTER_PROJECT_NAME"), studyType=None if t is None else t.get("existing_study_type"))
    return r

def sample(e):
    r = base(e, "SAMPLE_ATTRIBUTES", "SAMPLE_LINKS", "sra_sample"); n = e.find("SAMPLE_NAME")
    r.update(title=text(e, "TITLE"), description=text(e, "DESCRIPTION"))
    if n is not None: r.update(taxonId=num(text(n, "TAXON_ID")), scientificName=text(n, "SCIENTIFIC_NAME"), commonName=text(n, "COMMON_NAME"))
    return r

def experiment(e):
    r = base(e, "EXPERIMENT_ATTRIBUTES", "EXPERIMENT_LINKS", "sra_experiment"); d = e.find("DESIGN"); s = e.find("STUDY_REF")
    r.update(title=text(e, "TITLE"), studyAccession=None if s is None else s.get("accession"), **platform(e))
    if d is not None:
        sd = d.find("SAMPLE_DESCRIPTOR"); lib = d.find("LIBRARY_DESCRIPTOR"); r["sampleAccession"] = None if sd is None else sd.get("accession")
        r["designDescription"] = text(d, "DESIGN_DESCRIPTION")
        if lib is not None:
            lay = lib.find("LIBRARY_LAYOUT"); lay = lay[0] if lay is not None and len(lay) else None
            r["library"] = {"name": text(lib, "LIBRARY_NAME"), "strategy": text(lib, "LIBRARY_STRATEGY"), "source": text(lib, "LIBRARY_SOURCE"),
                            "selection": text(lib, "LIBRARY_SELECTION"), "layout": None if lay is None else lay.tag,
                            "nominalLength": None if lay is None else num(lay.get("NOMINAL_LENGTH")),
                            "constructionProtocol": text(lib, "LIBRARY_CONSTRUCTION_PROTOCOL")}
        spec = d.find("SPOT_DESCRIPTOR/SPOT_DECODE_SPEC")
        r["readSpecs"] = [] if spec is None else [{"index": num(text(x, "READ_INDEX")), "readClass": text(x, "READ_CLASS"), "readType": text(x, "READ_TYPE")} for x in spec.findall("READ_SPEC")]
    return r

def taxa(node, parent, depth, out):
    for t in node:
        if t.tag != "taxon": continue
        out.append({"taxId": num(t.get("tax_id")), "name": t.get("name"), "rank": t.get("rank"), "parentTaxId": parent, "depth": depth,
                    "selfCount": num(t.get("self_count")), "totalCount": num(t.get("total_count"))})
        taxa(t, num(t.get("tax_id")), depth + 1, out)
    return out

def run(e):
    r = base(e, "RUN_ATTRIBUTES", "RUN_LINKS", "sra_run"); x = e.find("EXPERIMENT_REF")
    st = e.find("Statistics"); bases = e.find("Bases"); q = e.find("Run/QualityCount"); tax = e.find("tax_analysis")
    r.update(title=text(e, "TITLE"), experimentAccession=None if x is None else x.get("accession"), totalSpots=num(e.get("total_spots")),
             totalBases=num(e.get("total_bases")), size=num(e.get("size")), published=(e.get("published") or "").replace(" ", "T") or None, **platform(e))
    r["reads"] = [] if st is None else [{"index": num(x.get("index")), "count": num(x.get("count")), "average": num(x.get("average")), "stdev": num(x.get("stdev"))} for x in st.findall("Read")]
    r["baseCounts"] = [] if bases is None else [{"base": b.get("value"), "count": num(b.get("count"))} for b in bases.findall("Base")]
    r["qualityCounts"] = [] if q is None else [{"value": num(b.get("value")), "count": num(b.get("count"))} for b in q.findall("Quality")]
    r["poolMembers"] = [dict(m.attrib) for m in e.findall("Pool/Member")]
    r["files"] = [dict(f.attrib, alternatives=[dict(a.attrib) for a in f.findall("Alternatives")]) for f in e.findall("SRAFiles/SRAFile")]
    r["cloudFiles"] = [dict(c.attrib) for c in e.findall("CloudFiles/CloudFile")]
    if tax is not None: r["taxAnalysis"] = {"identifiedSpotCount": num(tax.get("identified_spot_count")), "taxa": taxa(tax, None, 0, [])}
    return r

def submission(e):
    r = base(e, "SUBMISSION_ATTRIBUTES", "SUBMISSION_LINKS", "sra_submission"); r.update(title=text(e, "TITLE"), labName=e.get("lab_name"))
    return r

def package(p):
    out = []
    for tag, f in (("EXPERIMENT", experiment), ("STUDY", study)):
        e = p.find(tag)
        if e is not None: out.append(f(e))
    out += [sample(s) for s in p.findall("SAMPLE")] + [run(x) for x in p.findall("RUN_SET/RUN")]
    s = p.find("SUBMISSION")
    if s is not None: out.append(submission(s))
    return out

def biosample(b):
    d = b.find("Description"); o = None if d is None else d.find("Organism"); st = b.find("Status")
    ids = [{"db": i.get("db"), "dbLabel": i.get("db_label"), "isPrimary": i.get("is_primary") == "1", "value": (i.text or "").strip()} for i in b.findall("Ids/Id")]
    return {"kind": "biosample", "accession": b.get("accession"), "id": num(b.get("id")), "access": b.get("access"),
            "submissionDate": b.get("submission_date"), "lastUpdate": b.get("last_update"), "publicationDate": b.get("publication_date"), "ids": ids,
            "title": None if d is None else text(d, "Title"),
            "description": None if d is None else "\n\n".join((p.text or "").strip() for p in d.findall("Comment/Paragraph")),
            "organismName": None if o is None else o.get("taxonomy_name"), "taxonomyId": None if o is None else num(o.get("taxonomy_id")),
            "attributes": [{"attributeName": a.get("attribute_name"), "harmonizedName": a.get("harmonized_name"), "displayName": a.get("display_name"),
                            "unit": a.get("unit"), "value": (a.text or "").strip()} for a in b.findall("Attributes/Attribute")],
            "links": [dict(l.attrib, value=(l.text or "").strip()) for l in b.findall("Links/Link")],
            "models": [m.text for m in b.findall("Models/Model")], "package": text(b, "Package"),
            "contacts": [{"email": c.get("email"), "firstName": text(c, "Name/First"), "lastName": text(c, "Name/Last")} for c in b.findall("Owner/Contacts/Contact")],
            "status": None if st is None else st.get("status"),
            "sraAccession": next((i["value"] for i in ids if i["db"] == "SRA"), None), "geoAccession": next((i["value"] for i in ids if i["db"] == "GEO"), None)}

what, path = sys.argv[1], sys.argv[2]
t0 = time.time(); stats = {"records": 0, "kinds": {}, "spots": 0, "files": 0, "attributes": 0, "taxa": 0}
record_tag = "EXPERIMENT_PACKAGE" if what == "sra" else "BioSample"
depth = 0
for event, elem in ET.iterparse(path, events=("start", "end")):
    if event == "start":
        depth += 1; continue
    depth -= 1
    if elem.tag != record_tag or depth != 1: continue
    for r in (package(elem) if what == "sra" else [biosample(elem)]):
        stats["records"] += 1; stats["kinds"][r["kind"]] = stats["kinds"].get(r["kind"], 0) + 1; stats["attributes"] += len(r["attributes"])
        if r["kind"] == "sra_run":
            stats["spots"] += r["totalSpots"] or 0; stats["files"] += len(r["files"]); stats["taxa"] += len(r.get("taxAnalysis", {}).get("taxa", []))
    elem.clear()
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": time.time() - t0, "cpuSeconds": ru.ru_utime + ru.ru_stime, "stats": stats, "maxRssMB": ru.ru_maxrss / 1024}))
`,
);

function child(what, file) {
  const c = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--child", what, file], {
    encoding: "utf8",
    maxBuffer: 1 << 20,
  });
  if (c.status !== 0) throw new Error(`child ${what} failed:\n${c.stderr}`);
  return JSON.parse(c.stdout);
}

function peer(what, file) {
  const c = spawnSync(PYTHON, [peerScript, what, file], { encoding: "utf8", maxBuffer: 1 << 20 });
  if (c.status !== 0) throw new Error(`python peer failed:\n${c.stderr}`);
  return JSON.parse(c.stdout);
}

const sameStats = (a, b) => JSON.stringify(a) === JSON.stringify(b);

for (const [label, what, file] of [
  ["sra", "sra", sraFile],
  ["biosample", "biosample", biosampleFile],
]) {
  const mb = statSync(file).size / 1e6;
  const ours = Array.from({ length: runs }, () => child(what, file));
  const reader = Array.from({ length: runs }, () => child("reader", file));
  const warm = Array.from({ length: runs }, () => child(`${what}-warm`, file));
  const saxes = child("saxes", file);
  const py = Array.from({ length: peerRuns }, () => peer(what, file));
  const oursMBs = mb / median(ours.map((r) => r.seconds));
  const pyMBs = mb / median(py.map((r) => r.seconds));
  // Per CPU-second as well: on a shared machine wall time includes waiting for a core.
  const oursCpu = mb / median(ours.map((r) => r.cpuSeconds));
  const pyCpu = mb / median(py.map((r) => r.cpuSeconds));
  const ourStats = ours[0].stats;
  console.log(
    `xml-parsers ${label} input: ${mb.toFixed(0)} MB, ${ourStats.records} records ${JSON.stringify(ourStats.kinds)}`,
  );
  console.log(
    `xml-parsers ${label} omicslake typed records: ${oursMBs.toFixed(0)} MB/s wall, ${oursCpu.toFixed(0)} MB per CPU-second (median of ${runs}; target >= 150)`,
  );
  console.log(
    `xml-parsers ${label} omicslake typed records, warm (a second pass in the same process): ${(mb / median(warm.map((r) => r.seconds))).toFixed(0)} MB/s wall, ${(mb / median(warm.map((r) => r.cpuSeconds))).toFixed(0)} MB per CPU-second`,
  );
  console.log(
    `xml-parsers ${label} omicslake record reader only: ${(mb / median(reader.map((r) => r.seconds))).toFixed(0)} MB/s wall, ${(mb / median(reader.map((r) => r.cpuSeconds))).toFixed(0)} MB per CPU-second`,
  );
  console.log(
    `xml-parsers ${label} saxes building the same record trees (one run): ${(mb / saxes.seconds).toFixed(0)} MB/s wall, ${(mb / saxes.cpuSeconds).toFixed(0)} MB per CPU-second; record reader ${(median(reader.map((r) => r.cpuSeconds)) > 0 ? saxes.cpuSeconds / median(reader.map((r) => r.cpuSeconds)) : 0).toFixed(1)}x faster per CPU-second`,
  );
  console.log(
    `xml-parsers ${label} omicslake peak RSS: ${median(ours.map((r) => r.maxRssMB)).toFixed(0)} MB`,
  );
  console.log(
    `xml-parsers ${label} python iterparse peer: ${pyMBs.toFixed(0)} MB/s wall, ${pyCpu.toFixed(0)} MB per CPU-second (median of ${peerRuns}), peak RSS ${median(py.map((r) => r.maxRssMB)).toFixed(0)} MB`,
  );
  console.log(
    `xml-parsers ${label} same extraction as peer: ${sameStats(ourStats, py[0].stats) ? "yes" : `NO (ours ${JSON.stringify(ourStats)} peer ${JSON.stringify(py[0].stats)})`}`,
  );
  console.log(
    `xml-parsers ${label} ratio omicslake/python: ${(oursMBs / pyMBs).toFixed(1)}x wall, ${(oursCpu / pyCpu).toFixed(1)}x per CPU-second (target >= 4x)`,
  );
}

{
  const mb = statSync(sraFile).size / 1e6;
  const gz = Array.from({ length: runs }, () => child("sra", sraGz));
  const plain = mb / median(Array.from({ length: runs }, () => child("sra", sraFile)).map((r) => r.seconds));
  const gzMBs = mb / median(gz.map((r) => r.seconds));
  const gzCpu = mb / median(gz.map((r) => r.cpuSeconds));
  console.log(
    `xml-parsers sra .gz end to end: ${gzMBs.toFixed(0)} MB/s of uncompressed XML wall, ${gzCpu.toFixed(0)} MB per CPU-second of both threads (${(statSync(sraGz).size / 1e6).toFixed(0)} MB gzip), peak RSS ${median(gz.map((r) => r.maxRssMB)).toFixed(0)} MB`,
  );
  console.log(`xml-parsers sra .gz / plain: ${(gzMBs / plain).toFixed(2)} (target >= 0.8)`);
}
