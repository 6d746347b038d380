// FASTQ (plain and .gz) -> read statistics Parquet, end to end, against `seqkit stats -a` on the same files in the
// same run (falling back to `wc -l` / `gzip -dc | wc -l` when seqkit is not installed, which only count lines).
// The numbers both report (reads, bases, N50, Q20, Q30, GC) are compared, not only the times.
// Build first: npx tsc -b packages/formats
// Env: BENCH_READS_MB (default 200, uncompressed FASTQ size), BENCH_RUNS (default 3), BENCH_PEER_RUNS (default = BENCH_RUNS).
import { spawnSync } from "node:child_process";
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createGzip } from "node:zlib";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { dataDir, lastError, lastLine, median, peakRssMB, repoRoot, rng } from "./lib/bench-kit.mjs";

if (process.argv[2] === "--child") {
  // One conversion per process so that peak RSS belongs to it alone.
  const { convertReads } = await import("@omicslake/formats");
  if (typeof convertReads !== "function") throw new Error("build @omicslake/formats first (npx tsc -b)");
  const [, , , input, outDir, compressed] = process.argv;
  rmSync(outDir, { recursive: true, force: true });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const result = await convertReads(input, outDir, {
    format: "fastq",
    ...(compressed === "gzip" ? { compressed: "gzip" } : {}),
  });
  const seconds = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu0);
  const { reads, bases } = result.manifest.reads;
  process.stdout.write(
    JSON.stringify({
      seconds,
      cpuSeconds: (used.user + used.system) / 1e6,
      reads,
      bases,
      maxRssMB: peakRssMB(),
    }) + "\n",
  );
  process.exit(0);
}

const targetMB = Number(process.env.BENCH_READS_MB ?? 200);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const peerRuns = Number(process.env.BENCH_PEER_RUNS ?? runs);

/**
 * Illumina-like 2x150 reads: lengths 150 mostly, some trimmed down to 35; ~0.1% N; Phred+33 qualities that fall
 * along the read, written as one stream to `path` (and `path.gz` at gzip level 6).
 */
async function generate(path, bytesTarget) {
  const random = rng(11);
  const bases = "ACGT";
  function* chunks() {
    let written = 0;
    let r = 0;
    while (written < bytesTarget) {
      let text = "";
      for (let k = 0; k < 2000; k++, r++) {
        const length = random() < 0.85 ? 150 : 35 + Math.floor(random() * 115);
        let seq = "";
        let qual = "";
        for (let i = 0; i < length; i++) {
          seq += random() < 0.001 ? "N" : bases[(random() * 4) | 0];
          const q = Math.max(2, Math.min(41, Math.round(38 - (i / length) * 12 + (random() - 0.5) * 14)));
          qual += String.fromCharCode(33 + q);
        }
        text += `@BENCH:1:FC:1:${r >> 10}:${r & 1023}:${r} 1:N:0:ACGT\n${seq}\n+\n${qual}\n`;
      }
      written += text.length;
      yield Buffer.from(text, "latin1");
    }
  }
  const tmp = `${path}.tmp`;
  await pipeline(Readable.from(chunks()), createWriteStream(tmp));
  renameSync(tmp, path);
  await pipeline(createReadStream(path), createGzip({ level: 6 }), createWriteStream(`${path}.gz.tmp`));
  renameSync(`${path}.gz.tmp`, `${path}.gz`);
}

mkdirSync(dataDir, { recursive: true });
const plain = join(dataDir, `bench-${targetMB}mb.fastq`);
if (!existsSync(plain) || !existsSync(`${plain}.gz`)) {
  const t0 = performance.now();
  await generate(plain, targetMB * 1e6);
  console.log(`generated ${plain} (+ .gz) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
const plainMB = statSync(plain).size / 1e6;
console.log(
  `input: ${plainMB.toFixed(1)} MB FASTQ, ${(statSync(`${plain}.gz`).size / 1e6).toFixed(1)} MB gzip`,
);

const hasSeqkit = spawnSync("seqkit", ["version"], { encoding: "utf8" }).status === 0;
if (!hasSeqkit) console.log("seqkit: not installed (apt-get install seqkit); peer is line counting only");

for (const [input, compressed] of [
  [plain, "none"],
  [`${plain}.gz`, "gzip"],
]) {
  const label = compressed === "gzip" ? "fastq.gz" : "fastq";
  const seconds = [];
  const cpuSeconds = [];
  let rss = 0;
  let ours;
  for (let i = 0; i < runs; i++) {
    const child = spawnSync(
      process.execPath,
      [fileURLToPath(import.meta.url), "--child", input, join(dataDir, "read-stats-out"), compressed],
      { encoding: "utf8" },
    );
    if (child.status !== 0) throw new Error(`conversion failed: ${child.stderr}`);
    ours = JSON.parse(lastLine(child.stdout));
    seconds.push(ours.seconds);
    cpuSeconds.push(ours.cpuSeconds);
    rss = Math.max(rss, ours.maxRssMB);
  }
  rmSync(join(dataDir, "read-stats-out"), { recursive: true, force: true });
  const s = median(seconds);
  console.log(
    `omicslake ${label} -> read stats parquet: ${(plainMB / s).toFixed(1)} MB/s of FASTQ, ${(ours.reads / s / 1e6).toFixed(2)} M reads/s (median of ${runs}: ${s.toFixed(2)} s, CPU ${median(cpuSeconds).toFixed(2)} s, ${ours.reads} reads)`,
  );
  console.log(`omicslake ${label} peak RSS: ${rss.toFixed(0)} MB`);

  const peer = [];
  const peerCpu = [];
  let peerLabel;
  let peerOutput = "";
  for (let i = 0; i < peerRuns; i++) {
    const t0 = performance.now();
    // Through bash so that its `times` reports the peer's CPU time (user + system of its children): on a shared
    // machine CPU time says more than wall time.
    const command = hasSeqkit
      ? `seqkit stats -a -T -j 1 '${input}'`
      : compressed === "gzip"
        ? `gzip -dc '${input}' | wc -l`
        : `wc -l '${input}'`;
    const p = spawnSync("bash", ["-c", `${command}; status=$?; times >&2; exit $status`], {
      encoding: "utf8",
    });
    const t = (performance.now() - t0) / 1000;
    if (p.status !== 0) {
      console.log(`peer: unavailable (${lastError(p)})`);
      break;
    }
    peerLabel = hasSeqkit ? "seqkit stats -a -j 1" : compressed === "gzip" ? "gzip -dc | wc -l" : "wc -l";
    peerOutput = p.stdout;
    peer.push(t);
    peerCpu.push(childCpuSeconds(p.stderr));
  }
  if (peer.length === 0) continue;
  const ps = median(peer);
  console.log(
    `${peerLabel} (${label}): ${(plainMB / ps).toFixed(1)} MB/s (median of ${peer.length}: ${ps.toFixed(2)} s)`,
  );
  console.log(`ratio omicslake / ${peerLabel}: ${(ps / s).toFixed(2)}x (above 1: omicslake faster)`);
  const pc = median(peerCpu);
  console.log(
    `CPU time: omicslake ${median(cpuSeconds).toFixed(2)} s, ${peerLabel} ${pc.toFixed(2)} s; ratio ${(pc / median(cpuSeconds)).toFixed(2)}x`,
  );
  if (hasSeqkit) compareWithSeqkit(peerOutput, input, compressed);
}

/** The children's user + system seconds from the second line of bash's `times` ("0m0.423s 0m0.068s"). */
function childCpuSeconds(stderr) {
  const line = stderr.trim().split("\n").slice(-1)[0] ?? "";
  return [...line.matchAll(/(\d+)m([\d.]+)s/g)].reduce((sum, m) => sum + Number(m[1]) * 60 + Number(m[2]), 0);
}

/** Prints whether seqkit and omicslake agree on the numbers both report. */
function compareWithSeqkit(tsv, input, compressed) {
  const [header, row] = tsv.trim().split("\n");
  const seqkit = Object.fromEntries(header.split("\t").map((k, i) => [k, row.split("\t")[i]]));
  const child = spawnSync(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `const { readStats } = await import("@omicslake/formats");
       const s = await readStats(${JSON.stringify(input)}, "fastq", ${compressed === "gzip" ? '{ compressed: "gzip" }' : "{}"});
       console.log(JSON.stringify({ reads: s.reads, bases: s.bases, n50: s.n50, gc: s.gcFraction, q20: s.quality.q20Fraction, q30: s.quality.q30Fraction }));`,
    ],
    { encoding: "utf8", cwd: repoRoot },
  );
  if (child.status !== 0) {
    console.log(`agreement with seqkit: not checked (${lastError(child)})`);
    return;
  }
  const ours = JSON.parse(lastLine(child.stdout));
  const pct = (x) => (x * 100).toFixed(2);
  const pairs = [
    ["reads", String(ours.reads), seqkit.num_seqs],
    ["bases", String(ours.bases), seqkit.sum_len],
    ["N50", String(ours.n50), seqkit.N50],
    ["Q20(%)", pct(ours.q20), Number(seqkit["Q20(%)"]).toFixed(2)],
    ["Q30(%)", pct(ours.q30), Number(seqkit["Q30(%)"]).toFixed(2)],
    ["GC(%)", pct(ours.gc), Number(seqkit["GC(%)"]).toFixed(2)],
  ];
  const differ = pairs.filter(([, a, b]) => a !== b);
  console.log(
    differ.length === 0
      ? `agreement with seqkit: reads, bases, N50, Q20, Q30, GC all equal`
      : `agreement with seqkit: DIFFER ${differ.map(([k, a, b]) => `${k} ours ${a} seqkit ${b}`).join("; ")}`,
  );
}
