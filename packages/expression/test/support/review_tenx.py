"""Writes a 10x v3 matrix folder with scipy.io.mmwrite and prints numpy/scipy reference statistics as JSON.

Usage: review_tenx.py OUT_DIR CASE. Cases:
  mixed  - counts with explicit stored zeros, unsorted entries, an empty cell and gene, a gene equal in every
           cell, ties, repeated symbols, a one-cell group and a barcode without a metadata row;
  v2     - the mixed matrix as a 10x v2 folder: matrix.mtx, genes.tsv (id, symbol), barcodes.tsv, uncompressed;
  offset - two correlated genes near 1e5 with a spread of 1, where a co-moment taken as
           dot - sum*sum/n cancels.
"""
import gzip
import json
import os
import sys

import numpy as np
import scipy.io
import scipy.sparse
import scipy.stats

out, case = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(7)
n_genes, n_cells = 10, 40

dense = np.zeros((n_genes, n_cells), dtype=np.int64)
for g in (0, 1, 6, 7):
    mask = rng.random(n_cells) < 0.5
    dense[g, mask] = rng.integers(1, 30, mask.sum())
dense[1] += (dense[0] // 3)
dense[2, :] = 3  # equal in every cell
# gene 3 never expressed
dense[4, rng.random(n_cells) < 0.4] = 1  # heavy ties
dense[4, rng.random(n_cells) < 0.2] = 2
dense[5, :] = rng.integers(0, 4, n_cells)
dense[8, rng.random(n_cells) < 0.3] = rng.integers(1, 5, 1)[0]
dense[9, rng.random(n_cells) < 0.6] = rng.integers(1, 1000, 1)[0]
dense[:, 6] = 0  # an empty cell (ACTB stays equal in every T cell)
x = dense.astype(np.float64)
if case == "offset":
    # Two correlated genes near 1e5 with a spread of 1, in steps of 0.001 (exact at 16 digits).
    noise = rng.uniform(0, 3, n_cells)
    x[5, :] = 1e5 + np.round(noise, 3)
    x[9, :] = 1e5 + np.round(noise + rng.uniform(0, 3, n_cells), 3)

barcodes = [f"AAAC{i:04d}-1" for i in range(n_cells)]
symbols = ["CD3E", "CD3D", "ACTB", "EMPTY", "TIES", "OFFSET", "LYZ", "LYZ", "S100A8", "MALAT1"]
ids = [f"ENSG{i:011d}" for i in range(n_genes)]

# Triplets: every nonzero plus a few explicit zeros, written in shuffled order.
rows, cols = np.nonzero(x)
vals = x[rows, cols] if case == "offset" else dense[rows, cols]
zero_at = [(3, 0), (3, 1), (0, 6)]
rows = np.concatenate([rows, [g for g, _ in zero_at]])
cols = np.concatenate([cols, [c for _, c in zero_at]])
vals = np.concatenate([vals, [0] * len(zero_at)])
order = rng.permutation(len(vals))
coo = scipy.sparse.coo_matrix((vals[order], (rows[order], cols[order])), shape=dense.shape)
os.makedirs(out, exist_ok=True)
v2 = case == "v2"
opener = open if v2 else gzip.open
suffix = "" if v2 else ".gz"
with opener(os.path.join(out, "matrix.mtx" + suffix), "wb") as f:
    # The MatrixMarket integer field has no width, but the converter takes only 32-bit integers there.
    scipy.io.mmwrite(f, coo, field="real" if case == "offset" else "integer", precision=16)
with opener(os.path.join(out, "genes.tsv" if v2 else "features.tsv.gz"), "wt") as f:
    for i, s in zip(ids, symbols):
        f.write(f"{i}\t{s}\n" if v2 else f"{i}\t{s}\tGene Expression\n")
with opener(os.path.join(out, "barcodes.tsv" + suffix), "wt") as f:
    f.write("\n".join(barcodes) + "\n")

clusters = ["B" if i % 3 == 0 else "T" for i in range(n_cells)]
clusters[7] = "Solo"
n_count = dense.sum(axis=0)  # the offset gene left out: nCount stays small
with open(os.path.join(out, "cells.tsv"), "w") as f:
    f.write("NAME\tCluster\tnCount\n")
    for i, b in enumerate(barcodes):
        if i == 9:
            continue  # no metadata row: in no cluster
        f.write(f"{b}\t{clusters[i]}\t{n_count[i]}\n")

sets = {
    "all": list(range(n_cells)),
    "T": [i for i in range(n_cells) if clusters[i] == "T" and i != 9],
    "B": [i for i in range(n_cells) if clusters[i] == "B" and i != 9],
    "Solo": [7],
    "TB": [i for i in range(n_cells) if clusters[i] in ("T", "B") and i != 9],
    "nCount>=40": [i for i in range(n_cells) if i != 9 and n_count[i] >= 40],
}


def stats(cells):
    m = x[:, cells]
    n = m.shape[1]
    mean = m.mean(axis=1)
    var = m.var(axis=1, ddof=1) if n > 1 else np.full(n_genes, np.nan)
    cv = [None if (n < 2 or mu == 0) else float(np.sqrt(v) / mu) for mu, v in zip(mean, var)]
    pearson, spearman = {}, {}
    for q in range(n_genes):
        pr, sr = [], []
        for g in range(n_genes):
            a, b = m[q], m[g]
            if n < 2 or a.std() == 0 or b.std() == 0:
                pr.append(None)
                sr.append(None)
                continue
            pr.append(float(np.corrcoef(a, b)[0, 1]))
            sr.append(float(scipy.stats.spearmanr(a, b).statistic))
        pearson[q], spearman[q] = pr, sr
    return {
        "n": n,
        "mean": mean.tolist(),
        "variance": [None if n < 2 else float(v) for v in var],
        "cv": cv,
        "n_expressing": (m != 0).sum(axis=1).tolist(),
        "pearson": pearson,
        "spearman": spearman,
    }


print(json.dumps({"symbols": symbols, "sets": {k: stats(v) for k, v in sets.items()}}))
