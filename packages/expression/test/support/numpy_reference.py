"""Reference statistics for expression engine tests, computed densely with numpy/scipy.

Reads JSON on stdin: {"n_genes", "n_cells", "entries": [[gene, cell, value], ...],
"cell_sets": {name: [cell, ...]}, "correlate": [gene, ...]} and writes JSON on stdout: per cell set, per-gene
mean, sample variance, CV (sample sd / mean), fraction and count of nonzeros and sum, and for each gene in
"correlate" its Pearson and Spearman r against every gene. Undefined values (constant genes, zero means,
fewer than two cells) are null, never NaN.
"""
import json
import sys

import numpy as np
from scipy.stats import rankdata


def none_if_nan(values):
    return [None if (v is None or not np.isfinite(v)) else float(v) for v in values]


def correlations(x, genes):
    """r of each gene in `genes` against every row of x; None where either gene is constant."""
    n = x.shape[1]
    out = {}
    if n < 2:
        return {str(g): [None] * x.shape[0] for g in genes}
    constant = np.ptp(x, axis=1) == 0
    centred = x - x.mean(axis=1, keepdims=True)
    ss = (centred * centred).sum(axis=1)
    for g in genes:
        cov = centred @ centred[g]
        with np.errstate(divide="ignore", invalid="ignore"):
            r = cov / np.sqrt(ss * ss[g])
        r = np.clip(r, -1.0, 1.0)
        r[constant] = np.nan
        if constant[g]:
            r[:] = np.nan
        out[str(g)] = none_if_nan(r)
    return out


def main():
    spec = json.load(sys.stdin)
    dense = np.zeros((spec["n_genes"], spec["n_cells"]), dtype=np.float64)
    for gene, cell, value in spec["entries"]:
        dense[gene, cell] = value
    result = {}
    for name, cells in spec["cell_sets"].items():
        x = dense[:, cells]
        n = x.shape[1]
        mean = x.mean(axis=1) if n > 0 else np.zeros(x.shape[0])
        variance = x.var(axis=1, ddof=1) if n >= 2 else np.full(x.shape[0], np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            cv = np.sqrt(variance) / mean
        cv[mean == 0] = np.nan
        ranks = np.apply_along_axis(rankdata, 1, x) if n > 0 else x
        result[name] = {
            "n": n,
            "mean": none_if_nan(mean),
            "variance": none_if_nan(variance),
            "cv": none_if_nan(cv),
            "n_expressing": [int(v) for v in (x != 0).sum(axis=1)],
            "sum": none_if_nan(x.sum(axis=1)),
            "pearson": correlations(x, spec["correlate"]),
            "spearman": correlations(ranks, spec["correlate"]),
        }
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
