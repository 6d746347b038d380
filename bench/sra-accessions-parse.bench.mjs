// SRA_Accessions.tab -> typed records, against Python's csv reader building the same records (`-` as None,
// counts as int) on the same file in the same run: the way a Python pipeline reads NCBI's file.
// Build first: npx tsc -b packages/parsers
// Env: BENCH_SRA_ACCESSIONS_MB (default 200), BENCH_RUNS (default 3), BENCH_PEER_RUNS (default 1).
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
  const { parseSraAccessions } = await import("@omicslake/parsers");
  const input = process.argv[3];
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let records = 0;
  let live = 0;
  let bases = 0;
  for await (const r of parseSraAccessions(createReadStream(input, { highWaterMark: 1 << 20 }), {
    file: input,
  })) {
    records++;
    if (r.status === "live") live++;
    bases += r.bases ?? 0;
  }
  const seconds = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu0);
  const cpuSeconds = (used.user + used.system) / 1e6;
  process.stdout.write(
    JSON.stringify({ seconds, cpuSeconds, records, live, bases, maxRssMB: peakRssMB() }) + "\n",
  );
  process.exit(0);
}

const targetMB = Number(process.env.BENCH_SRA_ACCESSIONS_MB ?? 200);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const peerRuns = Number(process.env.BENCH_PEER_RUNS ?? 1);

const HEADER =
  "Accession\tSubmission\tStatus\tUpdated\tPublished\tReceived\tType\tCenter\tVisibility\tAlias\tExperiment\tSample\tStudy\tLoaded\tSpots\tBases\tMd5sum\tBioSample\tBioProject\tReplacedBy\n";
const STATUSES = ["live", "live", "live", "live", "live", "live", "suppressed", "unpublished", "withdrawn"];
const CENTERS = ["GEO", "BI", "Wellcome Sanger Institute", "Université de Montréal", "BGI", "JGI"];

/** One submission's objects as NCBI lists them: submission, study, then per sample its experiment and runs. */
function submissionRows(random, n) {
  const date = (base) => new Date(base + Math.floor(random() * 3e10)).toISOString().replace(/\.\d{3}Z$/, "Z");
  const t = Date.UTC(2012, 0, 1) + Math.floor(random() * 3e11);
  const center = CENTERS[Math.floor(random() * CENTERS.length)];
  const sub = `SRA${100000 + n}`;
  const study = `SRP${200000 + n}`;
  const project = `PRJNA${300000 + n}`;
  const status = () => STATUSES[Math.floor(random() * STATUSES.length)];
  const row = (acc, type, alias, links, counts) =>
    [
      acc,
      sub,
      status(),
      date(t),
      date(t),
      date(t - 1e9),
      type,
      center,
      random() < 0.9 ? "public" : "controlled_access",
      alias,
      links.experiment ?? "-",
      links.sample ?? "-",
      links.study ?? "-",
      ...(counts ?? ["-", "-", "-", "-"]),
      links.biosample ?? "-",
      project,
      random() < 0.02 ? `SRR${9000000 + n}` : "-",
    ].join("\t") + "\n";
  const out = [row(sub, "SUBMISSION", `GEO: GSE${n}`, {}), row(study, "STUDY", `GSE${n}`, {})];
  for (let s = 0; s < 4; s++) {
    const sample = `SRS${n * 4 + s + 1000000}`;
    const biosample = `SAMN${n * 4 + s + 10000000}`;
    const experiment = `SRX${n * 4 + s + 2000000}`;
    out.push(row(sample, "SAMPLE", `GSM${n * 4 + s}`, { study, biosample }));
    out.push(row(experiment, "EXPERIMENT", `GSM${n * 4 + s}`, { study, sample, biosample }));
    for (let r = 0; r < 2; r++) {
      const spots = Math.floor(random() * 5e7);
      const md5 = Array.from({ length: 4 }, () =>
        Math.floor(random() * 2 ** 32)
          .toString(16)
          .padStart(8, "0"),
      ).join("");
      out.push(
        row(
          `SRR${n * 8 + s * 2 + r + 3000000}`,
          "RUN",
          `GSM${n * 4 + s}_r${r + 1}`,
          { experiment, sample, study, biosample },
          ["1", String(spots), String(spots * 150), md5],
        ),
      );
    }
  }
  return out.join("");
}

mkdirSync(dataDir, { recursive: true });
const file = join(dataDir, `SRA_Accessions-${targetMB}MB.tab`);
if (!existsSync(file)) {
  const tmp = `${file}.tmp`;
  const out = createWriteStream(tmp);
  const random = rng(13);
  let bytes = out.write(HEADER) ? HEADER.length : HEADER.length;
  for (let n = 0; bytes < targetMB * 1e6; n++) {
    const chunk = submissionRows(random, n);
    bytes += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await new Promise((resolve) => out.once("drain", resolve));
  }
  await new Promise((resolve, reject) => out.end((error) => (error ? reject(error) : resolve())));
  renameSync(tmp, file);
}
const sizeMB = statSync(file).size / 1e6;
const script = fileURLToPath(import.meta.url);

const ours = [];
for (let i = 0; i < runs; i++) {
  const child = spawnSync(process.execPath, [script, "--child", file], { encoding: "utf8" });
  if (child.status !== 0) throw new Error(`parse failed:\n${child.stderr}`);
  ours.push(JSON.parse(lastLine(child.stdout)));
}
const m = ours[0];
const oursMBs = median(ours.map((r) => sizeMB / r.seconds));
const oursCpu = median(ours.map((r) => sizeMB / r.cpuSeconds));
console.log(
  `sra-accessions ${sizeMB.toFixed(0)} MB, ${m.records} rows: omicslake ${oursMBs.toFixed(1)} MB/s (median of ${runs}), ${oursCpu.toFixed(1)} MB per CPU-second, peak RSS ${median(ours.map((r) => r.maxRssMB)).toFixed(0)} MB`,
);

const PEER = `
import csv, json, os, resource, sys, time
INTS = {"Loaded", "Spots", "Bases"}
t0 = time.perf_counter(); c0 = os.times()
records = live = bases = 0
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    reader = csv.reader(f, delimiter="\\t", quoting=csv.QUOTE_NONE)
    header = next(reader)
    for fields in reader:
        r = {k: (None if v == "-" or v == "" else (int(v) if k in INTS else v)) for k, v in zip(header, fields)}
        records += 1
        live += r["Status"] == "live"
        bases += r["Bases"] or 0
c1 = os.times()
print(json.dumps({"seconds": time.perf_counter() - t0, "cpuSeconds": (c1.user - c0.user) + (c1.system - c0.system),
  "records": records, "live": live, "bases": bases, "maxRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
`;
if (peerRuns < 1) {
  console.log("sra-accessions python csv peer: skipped (BENCH_PEER_RUNS=0)");
} else {
  const peerScript = join(dataDir, "sra_accessions_peer.py");
  writeFileSync(peerScript, PEER);
  const peer = [];
  for (let i = 0; i < peerRuns; i++) {
    const child = spawnSync(PYTHON, [peerScript, file], { encoding: "utf8" });
    if (child.status !== 0) {
      console.log(`sra-accessions python csv peer: unavailable (${lastError(child)})`);
      break;
    }
    peer.push(JSON.parse(lastLine(child.stdout)));
  }
  if (peer.length > 0) {
    const p = peer[0];
    const same = p.records === m.records && p.live === m.live && p.bases === m.bases;
    const peerMBs = median(peer.map((r) => sizeMB / r.seconds));
    const peerCpu = median(peer.map((r) => sizeMB / r.cpuSeconds));
    console.log(
      `sra-accessions same counts as the python peer: ${same ? "yes" : `NO (peer ${JSON.stringify(p)})`}`,
    );
    console.log(
      `sra-accessions python csv peer: ${peerMBs.toFixed(1)} MB/s, ${peerCpu.toFixed(1)} MB per CPU-second; omicslake/peer ${(oursMBs / peerMBs).toFixed(2)}x wall, ${(oursCpu / peerCpu).toFixed(2)}x per CPU-second`,
    );
  }
}
