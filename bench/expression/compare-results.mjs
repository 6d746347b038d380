// How far an engine's statistics are from numpy's on the same data: the largest relative difference of each
// statistic, and how many genes are ranked differently (ties may swap places; a gene missing is a real miss).

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
  let moved = 0;
  engine.rows.forEach((row, i) => {
    if (!peerR.has(row.gene_idx)) missing++;
    else r = Math.max(r, relDiff(row.r, peerR.get(row.gene_idx)));
    if (peer.rows[i]?.gene_idx !== row.gene_idx) moved++;
  });
  return { r, missing, moved, rows: engine.rows.length, peerRows: peer.rows.length };
}

/** Over every gene both list: cv, mean, variance and fraction. */
export function compareVariability(engine, peer) {
  const byGene = new Map(peer.rows.map((row) => [row.gene_idx, row]));
  const worst = { cv: 0, mean: 0, variance: 0, fraction: 0, missing: 0, moved: 0 };
  engine.rows.forEach((row, i) => {
    const ref = byGene.get(row.gene_idx);
    if (ref === undefined) {
      worst.missing++;
      return;
    }
    for (const key of ["cv", "mean", "variance", "fraction"])
      worst[key] = Math.max(worst[key], relDiff(row[key], ref[key]));
    if (peer.rows[i]?.gene_idx !== row.gene_idx) worst.moved++;
  });
  return { ...worst, rows: engine.rows.length, peerRows: peer.rows.length };
}
