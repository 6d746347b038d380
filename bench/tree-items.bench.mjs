// Listing items: pairing the names of one large directory (in memory) and walking a level1 tree on disk
// (stat only) into paired items. Build first: npx tsc -b packages/sources
// Env: BENCH_PAIR_FILES (default 200000 names in one directory), BENCH_TREE_FILES (default 20000 files on
//      disk), BENCH_RUNS (default 3).
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listTreeItems, pairReadFiles } from "@omicslake/sources";
import { median, peakRssMB } from "./lib/bench-kit.mjs";

const pairFiles = Number(process.env.BENCH_PAIR_FILES ?? 200_000);
const treeFiles = Number(process.env.BENCH_TREE_FILES ?? 20_000);
const runs = Number(process.env.BENCH_RUNS ?? 3);

/** Run names as a sequencer writes them: half paired `_1`/`_2`, a quarter lane-split, a quarter single. */
function names(count) {
  const out = [];
  for (let i = 0; out.length < count; i++) {
    const run = `SRR${String(10_000_000 + i)}`;
    if (i % 4 < 2) out.push(`${run}_1.fastq.gz`, `${run}_2.fastq.gz`);
    else if (i % 4 === 2)
      out.push(`${run}_R1_001.fq.gz`, `${run}_R1_002.fq.gz`, `${run}_R2_001.fq.gz`, `${run}_R2_002.fq.gz`);
    else out.push(`${run}.fastq.gz`);
  }
  return out.slice(0, count);
}

const pairTimes = [];
let pairs = 0;
for (let r = 0; r < runs; r++) {
  const list = names(pairFiles);
  const t0 = performance.now();
  pairs = pairReadFiles(list).pairs.length;
  pairTimes.push((performance.now() - t0) / 1000);
}
console.log(
  `pairReadFiles: ${pairFiles} names → ${pairs} pairs, median ${median(pairTimes).toFixed(3)} s (${Math.round(pairFiles / median(pairTimes))} names/s)`,
);

const root = join(tmpdir(), `omicslake-bench-tree-${process.pid}`);
try {
  const perSpecies = Math.ceil(treeFiles / 10);
  for (let s = 0; s < 10; s++) {
    const dir = join(root, "reads", `Species_${s}`);
    mkdirSync(dir, { recursive: true });
    for (const name of names(perSpecies)) writeFileSync(join(dir, name), "");
  }
  const treeTimes = [];
  let items = 0;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const listing = await listTreeItems(join(root, "reads"), {
      layout: "level1",
      dataset: "reads",
      role: "reads",
      directory: "reads",
    });
    treeTimes.push((performance.now() - t0) / 1000);
    items = listing.items.length;
  }
  console.log(
    `listTreeItems level1: ${perSpecies * 10} files → ${items} items, median ${median(treeTimes).toFixed(3)} s; peak RSS ${peakRssMB()} MB`,
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
