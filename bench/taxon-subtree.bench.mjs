// A taxon's subtree from a nodes.dmp the size of NCBI's taxonomy (2.7 M nodes by default): time and peak RSS
// of taxonSubtree, which must stay flat (typed arrays indexed by taxid), whatever the subtree's size.
// Build first: npx tsc -b packages/sources
// Env: BENCH_TAXA (default 2700000), BENCH_RUNS (default 3).
import { spawnSync } from "node:child_process";
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { dataDir, lastError, lastLine, median, peakRssMB, rng } from "./lib/bench-kit.mjs";

if (process.argv[2] === "--child") {
  const { taxonSubtree } = await import("@omicslake/sources");
  const [input, taxid] = [process.argv[3], Number(process.argv[4])];
  const t0 = performance.now();
  const ids = await taxonSubtree(createReadStream(input, { highWaterMark: 1 << 20 }), taxid);
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(`${JSON.stringify({ seconds, subtree: ids.length, maxRssMB: peakRssMB() })}\n`);
  process.exit(0);
}

const taxa = Number(process.env.BENCH_TAXA ?? 2_700_000);
const runs = Number(process.env.BENCH_RUNS ?? 3);

/**
 * A random recursive tree over `taxa` nodes whose taxids are spread up to 1.3× the count (NCBI's are
 * sparse too); node k's parent is a uniformly chosen earlier node, so depths are logarithmic. Returns the
 * file and two taxids: a top-level node (a large subtree) and a leaf.
 */
async function nodesDmp() {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, `nodes-${taxa}.dmp`);
  const random = rng(4479);
  const ids = new Uint32Array(taxa);
  const span = Math.floor(taxa * 1.3);
  const used = new Uint8Array(span + 2);
  ids[0] = 1;
  used[1] = 1;
  for (let k = 1; k < taxa; k++) {
    let id;
    do id = 2 + Math.floor(random() * span);
    while (used[id]);
    used[id] = 1;
    ids[k] = id;
  }
  const parents = new Uint32Array(taxa);
  parents[0] = 1;
  for (let k = 1; k < taxa; k++) parents[k] = ids[Math.floor(random() * k)];
  const large = ids[1];
  const leaf = ids[taxa - 1];
  if (!existsSync(file)) {
    const out = createWriteStream(`${file}.tmp`);
    let block = "";
    for (let k = 0; k < taxa; k++) {
      block += `${ids[k]}\t|\t${parents[k]}\t|\tspecies\t|\t\t|\t0\t|\t1\t|\t11\t|\t1\t|\t0\t|\t1\t|\t0\t|\t0\t|\t\t|\n`;
      if (block.length > 1 << 20) {
        if (!out.write(block)) await new Promise((resolve) => out.once("drain", resolve));
        block = "";
      }
    }
    out.end(block);
    await new Promise((resolve, reject) => out.on("finish", resolve).on("error", reject));
    renameSync(`${file}.tmp`, file);
  }
  return { file, large, leaf };
}

const { file, large, leaf } = await nodesDmp();
const script = fileURLToPath(import.meta.url);
for (const [label, taxid] of [
  ["large subtree", large],
  ["single leaf", leaf],
]) {
  const results = [];
  for (let run = 0; run < runs; run++) {
    const child = spawnSync(process.execPath, [script, "--child", file, String(taxid)], { encoding: "utf8" });
    if (child.status !== 0) throw new Error(`child failed: ${lastError(child)}`);
    results.push(JSON.parse(lastLine(child.stdout)));
  }
  const seconds = median(results.map((r) => r.seconds));
  const rss = median(results.map((r) => r.maxRssMB));
  process.stdout.write(
    `taxonSubtree ${taxa} nodes, ${label} (taxid ${taxid}, ${results[0].subtree} taxids): ` +
      `${seconds.toFixed(2)} s, ${(taxa / seconds / 1e6).toFixed(2)} M nodes/s, peak RSS ${rss.toFixed(0)} MB (median of ${runs})\n`,
  );
}
