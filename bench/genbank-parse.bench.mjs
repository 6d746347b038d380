// GenBank flat file -> typed records (metadata and feature summary; then again with sequences), against
// Biopython's Bio.SeqIO.parse(…, "genbank") on the same file when Biopython is installed.
// Build first: npx tsc -b packages/parsers
// Env: BENCH_GENBANK_MB (default 200), BENCH_RUNS (default 3), BENCH_PEER_RUNS (default 1).
import { spawnSync } from "node:child_process";
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PYTHON, dataDir, lastError, lastLine, median, peakRssMB, rng } from "./lib/bench-kit.mjs";

if (process.argv[2] === "--child") {
  // One parse per process so that peak RSS belongs to it alone.
  const { parseGenbank } = await import("@omicslake/parsers");
  const [, , , input, mode] = process.argv;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let records = 0;
  let cds = 0;
  let bases = 0;
  for await (const r of parseGenbank(createReadStream(input, { highWaterMark: 1 << 20 }), {
    file: input,
    withSequence: mode === "sequence",
  })) {
    records++;
    cds += r.features.counts["CDS"] ?? 0;
    bases += r.sequence?.length ?? 0;
  }
  const seconds = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu0);
  // CPU time says more than wall time on a shared machine.
  const cpuSeconds = (used.user + used.system) / 1e6;
  process.stdout.write(
    JSON.stringify({ seconds, cpuSeconds, records, cds, bases, maxRssMB: peakRssMB() }) + "\n",
  );
  process.exit(0);
}

const targetMB = Number(process.env.BENCH_GENBANK_MB ?? 200);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const peerRuns = Number(process.env.BENCH_PEER_RUNS ?? 1);

/** Wraps `text` at spaces into qualifier lines, the first after `prefix`. */
const wrap = (prefix, text, width = 50) => {
  const words = text.split(" ");
  const lines = [];
  let line = "";
  for (const w of words) {
    if (line.length + w.length + 1 > width && line !== "") {
      lines.push(line);
      line = w;
    } else line = line === "" ? w : `${line} ${w}`;
  }
  lines.push(line);
  return lines.map((l, i) => (i === 0 ? prefix : " ".repeat(21)) + l).join("\n");
};

/**
 * One bacterial-contig-like entry: header, two references, a source feature with taxon, gene/CDS pairs with
 * wrapped products and translations, and an ORIGIN block of `length` bases in NCBI's 60-per-line layout.
 */
function entry(n, random) {
  const acc = `XZ${String(990000 + n).padStart(6, "0")}`;
  const genes = 5 + Math.floor(random() * 40);
  const length = genes * 1000 + Math.floor(random() * 1000);
  const out = [];
  out.push(
    // NCBI's columns: name in 13–28, length right-aligned to 40, " bp " at 41–44.
    `LOCUS       ${acc.padEnd(16)} ${String(length).padStart(11)} bp    DNA     linear   BCT 26-JUL-2016`,
    "DEFINITION  Testella coli strain T" + n + " contig_" + n + ", whole genome shotgun",
    "            sequence.",
    `ACCESSION   ${acc}`,
    `VERSION     ${acc}.1`,
    "DBLINK      BioProject: PRJNA990001",
    `            BioSample: SAMN${String(9900000 + n)}`,
    "KEYWORDS    WGS.",
    "SOURCE      Testella coli",
    "  ORGANISM  Testella coli",
    "            Bacteria; Pseudomonadota; Gammaproteobacteria; Enterobacterales;",
    "            Testellaceae; Testella.",
    `REFERENCE   1  (bases 1 to ${length})`,
    "  AUTHORS   Doe,J., Roe,R. and Poe,P.",
    "  TITLE     Made-up genomes for a parser benchmark",
    "  JOURNAL   Unpublished",
    `REFERENCE   2  (bases 1 to ${length})`,
    "  AUTHORS   Doe,J.",
    "  TITLE     Direct Submission",
    "  JOURNAL   Submitted (01-JUN-2016) Test Institute, Testville",
    "FEATURES             Location/Qualifiers",
    `     source          1..${length}`,
    '                     /organism="Testella coli"',
    '                     /mol_type="genomic DNA"',
    `                     /strain="T${n}"`,
    '                     /db_xref="taxon:990201"',
  );
  const aa = "ACDEFGHIKLMNPQRSTVWY";
  for (let g = 0; g < genes; g++) {
    const start = g * 1000 + 1;
    const end = start + 899;
    const loc = g % 2 === 0 ? `${start}..${end}` : `complement(${start}..${end})`;
    const tag = `TC${n}_${String(g * 5).padStart(5, "0")}`;
    let protein = "M";
    for (let i = 0; i < 299; i++) protein += aa[Math.floor(random() * 20)];
    out.push(
      `     gene            ${loc}`,
      `                     /locus_tag="${tag}"`,
      `     CDS             ${loc}`,
      `                     /locus_tag="${tag}"`,
      "                     /codon_start=1",
      "                     /transl_table=11",
      wrap(
        "                     /product=",
        `"putative transport protein family member ${g} of a made-up operon"`,
      ),
      `                     /protein_id="WP_${String(n * 100 + g).padStart(9, "0")}.1"`,
      // Translations wrap without spaces, 58 characters a line.
      `/translation="${protein}"`.replace(/.{1,58}/g, (piece) => `${" ".repeat(21)}${piece}\n`).trimEnd(),
    );
  }
  out.push("ORIGIN      ");
  const bases = "acgt";
  let seqLine = "";
  for (let p = 0; p < length; p += 60) {
    seqLine = String(p + 1).padStart(9);
    for (let b = 0; b < 60 && p + b < length; b += 10) {
      let block = "";
      for (let k = 0; k < 10 && p + b + k < length; k++) block += bases[Math.floor(random() * 4)];
      seqLine += ` ${block}`;
    }
    out.push(seqLine);
  }
  out.push("//");
  return { text: out.join("\n") + "\n", length };
}

function generate(path, bytesTarget) {
  const random = rng(7);
  const tmp = `${path}.tmp`;
  const fd = createWriteStream(tmp);
  let written = 0;
  let n = 0;
  let pending = [];
  let pendingBytes = 0;
  fd.write(
    "GBBCT1.SEQ          Genetic Sequence Data Bank\n                          October 15 2026\n\n                NCBI-GenBank Flat File Release 999.0\n\n                     Bacterial Sequences (Part 1)\n\n",
  );
  while (written < bytesTarget) {
    const { text } = entry(n++, random);
    pending.push(text);
    pendingBytes += text.length;
    written += text.length;
    if (pendingBytes > 8 << 20) {
      fd.write(pending.join(""));
      pending = [];
      pendingBytes = 0;
    }
  }
  fd.write(pending.join(""));
  return new Promise((resolve, reject) => {
    fd.end(() => {
      renameSync(tmp, path);
      resolve();
    });
    fd.on("error", reject);
  });
}

// Biopython as people use it: SeqIO.parse yields SeqRecords with annotations, features (locations parsed) and
// the sequence; the same counts are taken from them.
const PEER = String.raw`
import sys, time, re, json
from Bio import SeqIO
t0 = time.perf_counter()
c0 = time.process_time()
records = cds = bases = 0
for r in SeqIO.parse(sys.argv[1], "genbank"):
    records += 1
    cds += sum(1 for f in r.features if f.type == "CDS")
    bases += len(r.seq)
seconds = time.perf_counter() - t0
cpu_seconds = time.process_time() - c0
rss = int(re.search(r'VmHWM:\s+(\d+) kB', open('/proc/self/status').read()).group(1)) / 1024
print(json.dumps({'seconds': seconds, 'cpuSeconds': cpu_seconds, 'records': records, 'cds': cds, 'bases': bases, 'maxRssMB': rss}))
`;

mkdirSync(dataDir, { recursive: true });
const file = join(dataDir, `genbank-${targetMB}mb.gbff`);
if (!existsSync(file)) {
  process.stderr.write(`generating ${file}\n`);
  await generate(file, targetMB * 1e6);
}
const sizeMB = statSync(file).size / 1e6;

function measure(mode) {
  const results = [];
  for (let i = 0; i < runs; i++) {
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--child", file, mode], {
      encoding: "utf8",
    });
    if (child.status !== 0) throw new Error(`omicslake run failed:\n${child.stderr}`);
    results.push(JSON.parse(lastLine(child.stdout)));
  }
  return results;
}

const meta = measure("metadata");
const seq = measure("sequence");
const m = meta[0];
console.log(
  `genbank input: ${sizeMB.toFixed(1)} MB, ${m.records} records, ${m.cds} CDS, ${seq[0].bases} bases`,
);
for (const [label, rs] of [
  ["metadata", meta],
  ["with sequence", seq],
]) {
  console.log(
    `genbank omicslake ${label}: ${median(rs.map((r) => sizeMB / r.seconds)).toFixed(0)} MB/s (median of ${runs}; runs ${rs.map((r) => (sizeMB / r.seconds).toFixed(0)).join(", ")}), ${median(rs.map((r) => sizeMB / r.cpuSeconds)).toFixed(0)} MB per CPU-second, peak RSS ${median(rs.map((r) => r.maxRssMB)).toFixed(0)} MB`,
  );
}

const probe = spawnSync(PYTHON, ["-c", "import Bio; print(Bio.__version__)"], { encoding: "utf8" });
if (peerRuns < 1) {
  console.log("genbank biopython peer: skipped (BENCH_PEER_RUNS=0)");
} else if (probe.status !== 0) {
  console.log(`genbank biopython peer: unavailable (${lastError(probe)}); apt-get install python3-biopython`);
} else {
  const peerScript = join(dataDir, "genbank_peer.py");
  writeFileSync(peerScript, PEER);
  const peer = [];
  for (let i = 0; i < peerRuns; i++) {
    const child = spawnSync(PYTHON, [peerScript, file], { encoding: "utf8" });
    if (child.status !== 0) throw new Error(`biopython peer failed:\n${child.stderr}`);
    peer.push(JSON.parse(lastLine(child.stdout)));
  }
  const p = peer[0];
  const same = p.records === m.records && p.cds === m.cds && p.bases === seq[0].bases;
  const peerMBs = median(peer.map((r) => sizeMB / r.seconds));
  const seqMBs = median(seq.map((r) => sizeMB / r.seconds));
  console.log(`genbank same counts as biopython: ${same ? "yes" : `NO (peer ${JSON.stringify(p)})`}`);
  console.log(
    `genbank biopython ${probe.stdout.trim()} SeqIO.parse: ${peerMBs.toFixed(1)} MB/s (median of ${peerRuns}), ${median(peer.map((r) => sizeMB / r.cpuSeconds)).toFixed(1)} MB per CPU-second, peak RSS ${median(peer.map((r) => r.maxRssMB)).toFixed(0)} MB`,
  );
  const seqCpu = median(seq.map((r) => sizeMB / r.cpuSeconds));
  const peerCpu = median(peer.map((r) => sizeMB / r.cpuSeconds));
  console.log(
    `genbank ratio omicslake (with sequence)/biopython: ${(seqMBs / peerMBs).toFixed(1)}x wall, ${(seqCpu / peerCpu).toFixed(1)}x per CPU-second`,
  );
}
