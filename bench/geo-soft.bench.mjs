// GEO SOFT family file -> typed records, against a GEOparse-style Python line parser doing the same
// extraction (metadata lists, characteristics split, data tables counted not kept) on the same file.
// Build first: npx tsc -b packages/parsers
// Env: BENCH_SOFT_MB (default 400), BENCH_RUNS (default 3), BENCH_PEER_RUNS (default = BENCH_RUNS),
//      BENCH_FIXTURES (default ../shared/fixtures/ncbi from the repository root).
import { spawnSync } from "node:child_process";
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PYTHON, dataDir, median, peakRssMB, repoRoot, rng } from "./lib/bench-kit.mjs";

async function loadParser() {
  const pkg = await import("@omicslake/parsers");
  if (typeof pkg.parseGeoSoft === "function") return pkg.parseGeoSoft;
  // Until the package index exports it, use the built module directly.
  const mod = await import(join(repoRoot, "packages/parsers/dist/geo/geo-soft-parser.js"));
  return mod.parseGeoSoft;
}

if (process.argv[2] === "--child") {
  // One parse per process so that peak RSS belongs to it alone.
  const parseGeoSoft = await loadParser();
  const input = process.argv[3];
  const t0 = performance.now();
  const counts = { geo_series: 0, geo_sample: 0, geo_platform: 0, geo_dataset: 0, geo_subset: 0 };
  let tableRows = 0;
  let characteristics = 0;
  for await (const r of parseGeoSoft(createReadStream(input, { highWaterMark: 1 << 20 }), { file: input })) {
    counts[r.kind]++;
    if ("table" in r && r.table !== undefined) tableRows += r.table.rowCount;
    if (r.kind === "geo_sample") for (const ch of r.channels) characteristics += ch.characteristics.length;
  }
  const seconds = (performance.now() - t0) / 1000;
  const out = { seconds, counts, tableRows, characteristics, maxRssMB: peakRssMB() };
  process.stdout.write(JSON.stringify(out) + "\n");
  process.exit(0);
}

const targetMB = Number(process.env.BENCH_SOFT_MB ?? 400);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const peerRuns = Number(process.env.BENCH_PEER_RUNS ?? runs);
const fixtures = process.env.BENCH_FIXTURES ?? join(repoRoot, "../shared/fixtures/ncbi");

/** The entity blocks of a real SOFT file, by type, each as its list of lines without data tables. */
function entityBlocks(path) {
  const blocks = [];
  let current;
  let inTable = false;
  for (const raw of readFileSync(path, "utf8").split("\n")) {
    const line = raw.replace(/\r+$/, "");
    if (inTable) {
      if (line.startsWith("!") && line.endsWith("_table_end")) inTable = false;
      continue;
    }
    if (line.startsWith("!") && line.endsWith("_table_begin")) {
      inTable = true;
      continue;
    }
    if (line.startsWith("^")) {
      current = {
        type: line.slice(1, line.indexOf(" = ")),
        accession: line.slice(line.indexOf(" = ") + 3),
        lines: [],
      };
      blocks.push(current);
    } else if (current !== undefined && line.startsWith("!")) current.lines.push(line);
  }
  return blocks;
}

/**
 * A family file shaped like GEO's GSEnnn_family.soft for an array series: each family has a series, its
 * platform with an annotation table and 24 samples with 20,000-row VALUE tables. Metadata comes from the
 * real fixtures with fresh accessions.
 */
function generate(path, bytesTarget) {
  const samples = [
    ...entityBlocks(join(fixtures, "geo_GSE138657_samples_brief.soft")),
    ...entityBlocks(join(fixtures, "geo_GSE146537_samples_brief.soft")),
  ].filter((b) => b.type === "SAMPLE");
  const series = entityBlocks(join(fixtures, "geo_GSE146537_series_brief.soft")).find(
    (b) => b.type === "SERIES",
  );
  const platform = entityBlocks(join(fixtures, "geo_GPL20814_family.soft")).find(
    (b) => b.type === "PLATFORM",
  );
  const random = rng(42);
  const probes = 20_000;
  const probeIds = Array.from({ length: probes }, (_, i) => `ILMN_${1_343_291 + i * 7}`);
  // A few distinct value tables, reused: the parser's cost does not depend on the digits.
  const tables = Array.from({ length: 4 }, () => {
    const rows = ["ID_REF\tVALUE\tDetection Pval"];
    for (const id of probeIds) rows.push(`${id}\t${(random() * 16).toFixed(4)}\t${random().toFixed(5)}`);
    return rows.join("\n") + "\n";
  });
  const platformRows = ["ID\tSymbol\tSEQUENCE\tSPOT_ID"];
  for (const id of probeIds)
    platformRows.push(
      `${id}\tGENE${(random() * 30000) | 0}\tACGTTGCAACGTTGCAACGTTGCAACGTTGCAACGTTGCAACGTTGCA\t`,
    );
  const platformTable = platformRows.join("\n") + "\n";

  const tmp = `${path}.tmp`;
  const fd = createWriteStream(tmp);
  const chunks = [];
  let written = 0;
  let family = 0;
  const flush = () => {
    const text = chunks.join("");
    chunks.length = 0;
    written += Buffer.byteLength(text);
    fd.write(text);
  };
  const block = (type, oldAccession, accession, lines) =>
    `^${type} = ${accession}\n${lines.map((l) => l.split(oldAccession).join(accession)).join("\n")}\n`;

  chunks.push(
    "^DATABASE = GeoMiame\n!Database_name = Gene Expression Omnibus (GEO)\n!Database_institute = NCBI NLM NIH\n",
  );
  while (written < bytesTarget) {
    const gse = `GSE${900_000 + family}`;
    const gpl = `GPL${90_000 + family}`;
    const gsms = Array.from({ length: 24 }, (_, i) => `GSM${9_000_000 + family * 24 + i}`);
    const seriesLines = series.lines
      .filter((l) => !l.startsWith("!Series_sample_id"))
      .map((l) => l.replace(/GPL\d+/g, gpl))
      .concat(gsms.map((g) => `!Series_sample_id = ${g}`));
    chunks.push(block("SERIES", series.accession, gse, seriesLines));
    chunks.push(block("PLATFORM", platform.accession, gpl, platform.lines));
    chunks.push(
      "#ID = \n#Symbol = gene symbol\n#SEQUENCE = probe sequence\n#SPOT_ID = \n!platform_table_begin\n",
    );
    chunks.push(platformTable, "!platform_table_end\n");
    gsms.forEach((gsm, i) => {
      const sample = samples[(family * 24 + i) % samples.length];
      const lines = sample.lines.map((l) => l.replace(/GPL\d+/g, gpl).replace(/GSE\d+/g, gse));
      chunks.push(block("SAMPLE", sample.accession, gsm, lines));
      chunks.push(
        "#ID_REF = \n#VALUE = normalized signal\n#Detection Pval = detection p-value\n!sample_table_begin\n",
      );
      chunks.push(tables[(family + i) % tables.length], "!sample_table_end\n");
    });
    flush();
    family++;
  }
  return new Promise((resolve, reject) => {
    fd.end(() => {
      renameSync(tmp, path);
      resolve();
    });
    fd.on("error", reject);
  });
}

// The peer: how GEOparse reads SOFT (line loop, "!key = value" split, dict of lists per entity), doing the
// same extraction as omicslake and, like it, counting table rows instead of building a DataFrame.
const PEER = String.raw`
import sys, time, re
def parse(path):
    counts = {}; table_rows = 0; characteristics = 0
    entity = None; meta = None; in_table = False; header_seen = False
    def finish():
        nonlocal characteristics
        if entity is None: return
        counts[entity] = counts.get(entity, 0) + 1
        chars = []
        for key, values in meta.items():
            if '_characteristics_ch' in key:
                for v in values:
                    tag, sep, value = v.partition(': ')
                    chars.append((tag, value) if sep else (None, v))
        characteristics += len(chars)
    with open(path, 'r', encoding='utf-8') as f:
        for line in f:
            if in_table:
                if line.startswith('!') and line.rstrip().endswith('_table_end'):
                    in_table = False
                elif not header_seen:
                    header_seen = True
                elif line.strip():
                    table_rows += 1
                continue
            line = line.rstrip('\r\n')
            if not line: continue
            c = line[0]
            if c == '^':
                finish()
                kind, _, acc = line[1:].partition(' = ')
                entity = kind; meta = {}
            elif c == '!':
                if line.endswith('_table_begin'):
                    in_table = True; header_seen = False; continue
                key, sep, value = line[1:].partition(' = ')
                if not sep: raise ValueError('malformed line: ' + line)
                meta.setdefault(key, []).append(value)
            elif c == '#':
                key, sep, value = line[1:].partition(' = ')
                meta.setdefault('#' + key, []).append(value)
            else:
                raise ValueError('malformed line: ' + line)
        finish()
    return counts, table_rows, characteristics
t0 = time.perf_counter()
counts, rows, chars = parse(sys.argv[1])
seconds = time.perf_counter() - t0
import json
print(json.dumps({'seconds': seconds, 'counts': counts, 'tableRows': rows, 'characteristics': chars,
                  'maxRssMB': int(re.search(r'VmHWM:\s+(\d+) kB', open('/proc/self/status').read()).group(1)) / 1024}))
`;

mkdirSync(dataDir, { recursive: true });
const file = join(dataDir, `geo-family-${targetMB}mb.soft`);
if (!existsSync(file)) {
  process.stderr.write(`generating ${file}\n`);
  await generate(file, targetMB * 1e6);
}
const sizeMB = statSync(file).size / 1e6;

const ours = [];
for (let i = 0; i < runs; i++) {
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--child", file], {
    encoding: "utf8",
  });
  if (child.status !== 0) throw new Error(`omicslake run failed:\n${child.stderr}`);
  ours.push(JSON.parse(child.stdout.trim().split("\n").at(-1)));
}
const peerScript = join(dataDir, "geo_soft_peer.py");
writeFileSync(peerScript, PEER);
const peer = [];
for (let i = 0; i < peerRuns; i++) {
  const child = spawnSync(PYTHON, [peerScript, file], { encoding: "utf8" });
  if (child.status !== 0) throw new Error(`python peer failed:\n${child.stderr}`);
  peer.push(JSON.parse(child.stdout.trim()));
}

const o = ours[0];
const p = peer[0];
const samplesMatch =
  o.counts.geo_sample === p.counts.SAMPLE &&
  o.tableRows === p.tableRows &&
  o.characteristics === p.characteristics;
const oursMBs = median(ours.map((r) => sizeMB / r.seconds));
const peerMBs = median(peer.map((r) => sizeMB / r.seconds));
console.log(
  `geo-soft input: ${sizeMB.toFixed(1)} MB, ${o.counts.geo_series} series, ${o.counts.geo_platform} platforms, ${o.counts.geo_sample} samples, ${o.tableRows} table rows skipped`,
);
console.log(`geo-soft same extraction as peer: ${samplesMatch ? "yes" : `NO (peer ${JSON.stringify(p)})`}`);
console.log(
  `geo-soft omicslake: ${oursMBs.toFixed(0)} MB/s (median of ${runs}; runs ${ours.map((r) => (sizeMB / r.seconds).toFixed(0)).join(", ")})`,
);
console.log(`geo-soft omicslake peak RSS: ${median(ours.map((r) => r.maxRssMB)).toFixed(0)} MB`);
console.log(
  `geo-soft python peer: ${peerMBs.toFixed(0)} MB/s (median of ${peerRuns}), peak RSS ${median(peer.map((r) => r.maxRssMB)).toFixed(0)} MB`,
);
console.log(`geo-soft ratio omicslake/python: ${(oursMBs / peerMBs).toFixed(1)}x (target >= 200 MB/s)`);
