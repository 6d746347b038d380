"""Recomputes the matrix of the anndata sparse fixture (or, given `dense`, the dense one) from its seeds and prints reference statistics as JSON:
per cell type (and all cells) the mean, CV (ddof=1) and Pearson/Spearman r of gene 0 with every gene, over X
as float32 values widened to float64. The caller checks the regenerated matrix against the built store first
(per-gene sums), since another scipy could draw different numbers."""
import json
import sys

import numpy as np
import scipy.sparse as sp
import scipy.stats

rng = np.random.default_rng(0)
n_obs, n_var = 100, 50
X = sp.random(n_obs, n_var, density=0.1, format="csr", dtype=np.float32, random_state=0)
cell_type = rng.choice(["T", "B", "NK"], n_obs)
x = X.toarray().astype(np.float64).T  # genes x cells
rng.random(n_obs)  # n_counts
if sys.argv[1:] == ["dense"]:
    # dense.h5ad: a 20 x 10 float32 X with no obs columns.
    n_obs, n_var = 20, 10
    x = rng.random((n_obs, n_var)).astype(np.float32).astype(np.float64).T
    cell_type = ["all"] * n_obs
out = {"gene_sums": x.sum(axis=1).tolist(), "sets": {}}
for name in ["all"] if sys.argv[1:] == ["dense"] else ["all", "T", "B", "NK"]:
    cells = [i for i in range(n_obs) if name == "all" or cell_type[i] == name]
    m = x[:, cells]
    mean = m.mean(axis=1)
    sd = m.std(axis=1, ddof=1)
    q = m[0]
    pearson, spearman = [], []
    for g in range(n_var):
        if q.std() == 0 or m[g].std() == 0:
            pearson.append(None)
            spearman.append(None)
        else:
            pearson.append(float(np.corrcoef(q, m[g])[0, 1]))
            spearman.append(float(scipy.stats.spearmanr(q, m[g]).statistic))
    out["sets"][name] = {
        "n": len(cells),
        "mean": mean.tolist(),
        "cv": [None if mu == 0 else float(s / mu) for mu, s in zip(mean, sd)],
        "pearson0": pearson,
        "spearman0": spearman,
    }
print(json.dumps(out))
