// `omicslake parse sra FILE` end to end (the built CLI: start-up, reading, parsing, NDJSON written to a file) on
// one thread and on every core, against the Python ElementTree iterparse peer of xml-parsers.bench.mjs (OmicIDX's
// approach) on the same file, in the same run. Also the gzip file on every core, and a check that the NDJSON of
// every thread count is byte for byte the one-thread NDJSON.
// Build first: npm run build
// Env: BENCH_PARSE_MB  size of the generated SRA package file in MB (default 120)
//      BENCH_RUNS      runs per measurement, the median is printed (default 3)
//      BENCH_FIXTURES  directory of the real NCBI fixtures (default ../shared/fixtures/ncbi from the repository root)
// The input is built under bench/.data/ by replicating the real fixture packages with fresh accessions (as
// xml-parsers.bench.mjs does); the peer script is the one xml-parsers.bench.mjs writes there (it is run on a
// 1 MB input first when the script is missing).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
} from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { PYTHON, dataDir, median, repoRoot } from "./lib/bench-kit.mjs";

const MB = Number(process.env.BENCH_PARSE_MB ?? 120);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const fixtures = process.env.BENCH_FIXTURES ?? join(repoRoot, "../shared/fixtures/ncbi");
const MAIN = join(repoRoot, "apps/cli/dist/main.js");
const peerScript = join(dataDir, "xml_iterparse_peer.py");

if (!existsSync(fixtures)) {
  console.log(`parse-parallel: skipped, fixtures not found at ${fixtures}`);
  process.exit(0);
}
if (!existsSync(MAIN)) throw new Error("build first: npm run build");
if (!existsSync(peerScript)) {
  const made = spawnSync(process.execPath, [join(repoRoot, "bench/xml-parsers.bench.mjs")], {
    env: { ...process.env, BENCH_XML_MB: "1", BENCH_RUNS: "1" },
    encoding: "utf8",
  });
  if (made.status !== 0 || !existsSync(peerScript))
    throw new Error(`could not write the peer script:\n${made.stderr}`);
}

/** Every `<EXPERIMENT_PACKAGE>…</EXPERIMENT_PACKAGE>` block of a fixture. */
function packagesOf(file) {
  const text = readFileSync(join(fixtures, file), "utf8");
  const out = [];
  for (let from = 0; ;) {
    const start = text.indexOf("<EXPERIMENT_PACKAGE>", from);
    if (start === -1) return out;
    const end = text.indexOf("</EXPERIMENT_PACKAGE>", start) + "</EXPERIMENT_PACKAGE>".length;
    out.push(text.slice(start, end));
    from = end;
  }
}

// Fresh accessions per copy, so ids stay unique and well-formed.
const renumber = (block, copy) =>
  block.replace(
    /\b([SED]R[APXSR]|SAM[NED]A?|PRJ[NED][A-Z]|GS[EM])(\d+)\b/g,
    (_, p, n) => `${p}${String(Number(n) + copy * 10_000_000).padStart(n.length, "0")}`,
  );

async function generate(path) {
  if (existsSync(path) && Math.abs(statSync(path).size / 1e6 - MB) < MB * 0.05) return;
  mkdirSync(dataDir, { recursive: true });
  const blocks = [
    "sra_pkgset_87pkgs.xml",
    "sra_pkgset_ERS3331676_srafiles.xml",
    "sra_pkgset_SRR5100239_qualities.xml",
    "sra_pkg_ERR1662611_ena.xml",
    "sra_pkg_SRR3001915_taxanalysis.xml",
  ].flatMap(packagesOf);
  const out = createWriteStream(`${path}.tmp`);
  const write = (s) => (out.write(s) ? Promise.resolve() : new Promise((r) => out.once("drain", r)));
  const head = '<?xml version="1.0" encoding="UTF-8"?>\n<EXPERIMENT_PACKAGE_SET>\n';
  await write(head);
  let bytes = head.length;
  for (let copy = 0; bytes < MB * 1e6; copy++) {
    const chunk = blocks.map((b) => renumber(b, copy)).join("\n") + "\n";
    bytes += Buffer.byteLength(chunk);
    await write(chunk);
  }
  await write("</EXPERIMENT_PACKAGE_SET>\n");
  await new Promise((resolve, reject) => out.end((e) => (e ? reject(e) : resolve())));
  renameSync(`${path}.tmp`, path);
}

const file = join(dataDir, `sra-packages-${MB}mb.xml`);
const gz = `${file}.gz`;
await generate(file);
if (!existsSync(gz) || statSync(gz).mtimeMs < statSync(file).mtimeMs) {
  const made = spawnSync("sh", ["-c", `gzip -6 -c '${file}' > '${gz}.tmp' && mv '${gz}.tmp' '${gz}'`]);
  if (made.status !== 0) throw new Error(`gzip failed: ${made.stderr}`);
}
const out = join(dataDir, "parse-parallel.ndjson");

/** Wall, CPU (user + system of the process and its threads) and peak RSS of one command, from GNU time. */
function timed(command, args, stdoutPath) {
  const redirect = stdoutPath === undefined ? "" : ` > '${stdoutPath}'`;
  const quoted = [command, ...args].map((a) => `'${a}'`).join(" ");
  const r = spawnSync("sh", ["-c", `/usr/bin/time -f '%e %U %S %M' ${quoted}${redirect}`], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} failed:\n${r.stderr}`);
  const [wall, user, sys, rssKB] = r.stderr.trim().split("\n").pop().split(" ").map(Number);
  return { wall, cpu: user + sys, rssMB: rssKB / 1024 };
}

async function sha256(path) {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest("hex");
}

const cores = availableParallelism();
const mb = statSync(file).size / 1e6;
const summary = (runs) => ({
  wall: median(runs.map((r) => r.wall)),
  cpu: median(runs.map((r) => r.cpu)),
  rssMB: median(runs.map((r) => r.rssMB)),
});
const measure = (args) =>
  summary(Array.from({ length: RUNS }, () => timed(process.execPath, [MAIN, ...args], out)));

const startup = summary(
  Array.from({ length: RUNS }, () => timed(process.execPath, [MAIN, "parse", "--help"], "/dev/null")),
);
const one = measure(["parse", "sra", "--threads", "1", file]);
const oneHash = await sha256(out);
const all = measure(["parse", "sra", "--threads", String(cores), file]);
const allHash = await sha256(out);
const allGz = measure(["parse", "sra", "--threads", String(cores), gz]);
const gzHash = await sha256(out);
const peer = summary(Array.from({ length: RUNS }, () => timed(PYTHON, [peerScript, "sra", file])));

const line = (label, r) =>
  console.log(
    `parse-parallel ${label}: ${r.wall.toFixed(2)} s wall (${(mb / r.wall).toFixed(0)} MB/s), ${r.cpu.toFixed(2)} CPU-s, peak RSS ${r.rssMB.toFixed(0)} MB`,
  );
console.log(
  `parse-parallel input: ${mb.toFixed(0)} MB of SRA experiment packages; ${cores} cores; median of ${RUNS}`,
);
line("omicslake parse --help (start-up)", startup);
line("omicslake parse sra --threads 1", one);
line(`omicslake parse sra --threads ${cores}`, all);
line(`omicslake parse sra --threads ${cores} (.gz)`, allGz);
line("python ElementTree iterparse peer", peer);
console.log(
  `parse-parallel ratio peer/omicslake, end to end: ${(peer.wall / one.wall).toFixed(1)}x on one thread (target >= 4x), ${(peer.wall / all.wall).toFixed(1)}x on ${cores} threads, ${(peer.wall / allGz.wall).toFixed(1)}x on ${cores} threads from .gz`,
);
console.log(
  `parse-parallel NDJSON identical across thread counts: ${oneHash === allHash && oneHash === gzHash ? "yes" : `NO (${oneHash} ${allHash} ${gzHash})`}`,
);
console.log(
  `parse-parallel load average during the run: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}`,
);
