// `omicslake process` per-item cost: N single-file items through ingest and one command step
// (`cat {input} > {output}`) on a filesystem + PGlite lake, first run (every item runs: a run record, a
// verified read of the input, a shell, a stored output, provenance and an item_runs row each), then a rerun
// (every item skipped by its fingerprint). The peer is the bare work: the same N `sh -c 'cat … > …'` spawned
// one after another with nothing recorded. Build first: npm run build
// Env: BENCH_PROCESS_ITEMS (default 200), BENCH_PROCESS_JOBS (default 2), BENCH_RUNS (default 3; median).
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openLake, parseConfig } from "@omicslake/core";
import { addSourceKind, processDatasets } from "@omicslake/sources";
import { dataDir, median, peakRssMB } from "./lib/bench-kit.mjs";

const ITEMS = Number(process.env.BENCH_PROCESS_ITEMS ?? 200);
const JOBS = Number(process.env.BENCH_PROCESS_JOBS ?? 2);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const fmt = (x) => x.toFixed(1);

addSourceKind({
  spec: {
    kind: "bench-flat",
    description: "a flat directory, one item per file",
    sourceKeys: {},
    dataKeys: {},
    layouts: ["files"],
    path: "required",
    url: "refused",
    steps: ["ingest"],
  },
  async items(context) {
    const dir = join(context.root, context.dataset.directory);
    const items = readdirSync(dir)
      .sort()
      .map((name) => ({
        dataset: context.dataset.name,
        key: name,
        files: [{ name, path: join(dir, name) }],
        paired: false,
        subdir: `${context.dataset.role}/${context.dataset.directory}/${name}`,
      }));
    return { items, problems: [] };
  },
});

const refuse = () => Promise.reject(new Error("not configured in this benchmark"));
const handlers = {
  parseMetadata: refuse,
  convert: refuse,
  consolidate: refuse,
  snapshot: refuse,
  load: refuse,
};

function seed(dir) {
  mkdirSync(join(dir, "tree", "reads"), { recursive: true });
  for (let i = 0; i < ITEMS; i++) {
    writeFileSync(
      join(dir, "tree", "reads", `item${String(i).padStart(5, "0")}.fq`),
      `@r${i}\n${"ACGT".repeat(64)}\n`,
    );
  }
  return parseConfig(
    `[lake]
root = "lake"
[source.tree]
kind = "bench-flat"
path = "tree"
[processing.copy]
steps = ["ingest", { name = "copy", command = "cat {input} > {output}", output = "copy.fq" }]
[role.seq]
run = ["copy"]
[data.reads]
source = "tree"
role = "seq"
`,
    { baseDir: dir, env: {} },
  );
}

async function measureLake(dir) {
  const config = seed(dir);
  const lake = await openLake(config);
  try {
    let started = performance.now();
    const first = await processDatasets(lake, config, { handlers, jobs: JOBS });
    const firstSeconds = (performance.now() - started) / 1000;
    if (first.failed || first.steps.at(-1).ran !== ITEMS)
      throw new Error(`first run: ${JSON.stringify(first.steps)}`);
    started = performance.now();
    const again = await processDatasets(lake, config, { handlers, jobs: JOBS });
    const rerunSeconds = (performance.now() - started) / 1000;
    if (again.steps.at(-1).skipped !== ITEMS) throw new Error(`rerun: ${JSON.stringify(again.steps)}`);
    return { firstSeconds, rerunSeconds };
  } finally {
    await lake.close();
  }
}

function sh(command) {
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/sh", ["-c", command], { stdio: "ignore" });
    child.once("error", reject);
    child.once("close", (code) => (code === 0 ? resolve() : reject(new Error(`${command}: ${code}`))));
  });
}

async function measurePeer(dir) {
  seed(dir);
  const out = join(dir, "out");
  mkdirSync(out);
  const files = readdirSync(join(dir, "tree", "reads")).sort();
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const name = files[next++];
      await sh(`cat '${join(dir, "tree", "reads", name)}' > '${join(out, name)}'`);
    }
  };
  await Promise.all(Array.from({ length: JOBS }, worker));
  return (performance.now() - started) / 1000;
}

const firsts = [];
const reruns = [];
const peers = [];
for (let run = 0; run < RUNS; run++) {
  const dir = join(dataDir, `process-${process.pid}-${run}`);
  rmSync(dir, { recursive: true, force: true });
  try {
    const { firstSeconds, rerunSeconds } = await measureLake(dir);
    firsts.push(firstSeconds);
    reruns.push(rerunSeconds);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const peerDir = join(dataDir, `process-peer-${process.pid}-${run}`);
  rmSync(peerDir, { recursive: true, force: true });
  try {
    peers.push(await measurePeer(peerDir));
  } finally {
    rmSync(peerDir, { recursive: true, force: true });
  }
}
const first = median(firsts);
const rerun = median(reruns);
const peer = median(peers);
console.log(`items ${ITEMS}, jobs ${JOBS}, median of ${RUNS}`);
console.log(
  `process, first run (ingest + command)  ${fmt(ITEMS / first)} items/s  (${fmt((first / ITEMS) * 1000)} ms/item)`,
);
console.log(
  `process, rerun (all skipped)           ${fmt(ITEMS / rerun)} items/s  (${fmt((rerun / ITEMS) * 1000)} ms/item)`,
);
console.log(
  `peer: bare sh -c cat, nothing recorded ${fmt(ITEMS / peer)} items/s  (${fmt((peer / ITEMS) * 1000)} ms/item)`,
);
console.log(
  `peak RSS ${Math.round(peakRssMB())} MB (flat in the item count: the embedded catalog dominates it)`,
);
