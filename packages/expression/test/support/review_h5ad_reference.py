"""Recomputes the matrix of the anndata sparse fixture from its seeds and prints reference statistics as JSON:
per cell type (and all cells) the mean, CV (ddof=1) and Pearson/Spearman r of gene 0 with every gene, over X
as float32 values widened to float64. The caller checks the regenerated matrix against the built store first
(per-gene sums), since another scipy could draw different numbers."""
import json

import numpy as np
import scipy.sparse as sp
import scipy.stats

rng = np.random.default_rng(0)
n_obs, n_var = 100, 50
X = sp.random(n_obs, n_var, density=0.1, format="csr", dtype=np.float32, random_state=0)
cell_type = rng.choice(["T", "B", "NK"], n_obs)
x = X.toarray().astype(np.float64).T  # genes x cells
out = {"gene_sums": x.sum(axis=1).tolist(), "sets": {}}
for name in ["all", "T", "B", "NK"]:
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
