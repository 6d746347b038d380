// How far an engine's statistics are from numpy's on the same data: the largest relative difference of each
// statistic, genes the reference does not list, and neighbours the engine ranks in an order the reference's
// values contradict (genes tied on a value may come in either order, so a plain position check would not do).

const TOLERANCE = 1e-9;

/** Adjacent pairs of `values` (the reference's, in the engine's order) that increase: ranked wrongly. */
function misordered(values) {
  let count = 0;
  for (let i = 1; i < values.length; i++) {
    const [a, b] = [values[i - 1], values[i]];
    if (a === undefined || b === undefined) continue;
    // Undefined (null) ranks after every defined value.
    if (a === null ? b !== null : b !== null && b - a > TOLERANCE * Math.abs(a)) count++;
  }
  return count;
}

/** |a - b| / |b|; 0 when both are 0 or both null; Infinity when only one is null. */
export function relDiff(a, b) {
  if (a === null || a === undefined || b === null || b === undefined) return a == b ? 0 : Infinity;
  if (a === b) return 0;
  return Math.abs(a - b) / Math.max(Math.abs(b), Number.MIN_VALUE);
}

export function comparePair(engine, peer) {
  return { r: relDiff(engine.r, peer.r), n: engine.n === peer.n ? 0 : Infinity };
}

export function compareTop(engine, peer) {
  const peerR = new Map(peer.rows.map((row) => [row.gene_idx, row.r]));
  let r = 0;
  let missing = 0;
  engine.rows.forEach((row) => {
    if (!peerR.has(row.gene_idx)) missing++;
    else r = Math.max(r, relDiff(row.r, peerR.get(row.gene_idx)));
  });
  const misorderedRows = misordered(engine.rows.map((row) => peerR.get(row.gene_idx)));
  return { r, missing, misordered: misorderedRows, rows: engine.rows.length, peerRows: peer.rows.length };
}

/** Over every gene both list: cv, mean, variance and fraction. */
export function compareVariability(engine, peer) {
  const byGene = new Map(peer.rows.map((row) => [row.gene_idx, row]));
  const worst = { cv: 0, mean: 0, variance: 0, fraction: 0, missing: 0 };
  engine.rows.forEach((row) => {
    const ref = byGene.get(row.gene_idx);
    if (ref === undefined) {
      worst.missing++;
      return;
    }
    for (const key of ["cv", "mean", "variance", "fraction"])
      worst[key] = Math.max(worst[key], relDiff(row[key], ref[key]));
  });
  const misorderedRows = misordered(engine.rows.map((row) => byGene.get(row.gene_idx)?.cv));
  return { ...worst, misordered: misorderedRows, rows: engine.rows.length, peerRows: peer.rows.length };
}
