"""numpy/scipy reference for the expression benchmark: the same three statistics, zeros included, on the same
nonzeros, as the correctness and speed yardstick.

    python3 numpy-peer.py <triplets-dir> <request.json>

<triplets-dir> holds what the driver exported from matrix.X.parquet (raw little-endian arrays, in cell order):
cell.i32, gene.i32, value.f64, and cell_type.i32 (a cell's type index, -1 for none). The request names
cells, genes, the pair, the query gene, k, the cell-type index and how often to repeat each statistic. Only
the statistics are timed: loading the arrays and building the CSR/CSC matrices are reported apart.
Prints one JSON object on the last line of stdout.
"""

import json
import sys
import time

import numpy as np
import scipy.sparse as sp


def timed(fn, repeat):
    """Runs fn `repeat` times; returns its last value and every run's seconds."""
    seconds = []
    value = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        seconds.append(time.perf_counter() - t0)
    return value, seconds


def dense_column(csc, gene):
    return np.asarray(csc[:, gene].todense(), dtype=np.float64).ravel()


def pearson_pair(csc, a, b):
    x = dense_column(csc, a)
    y = dense_column(csc, b)
    xc = x - x.mean()
    yc = y - y.mean()
    den = np.sqrt(np.dot(xc, xc) * np.dot(yc, yc))
    r = float(np.dot(xc, yc) / den) if den > 0 else None
    both = int(np.count_nonzero((x != 0) & (y != 0)))
    return {"r": r, "n": int(x.size), "n_both_expressing": both}


def column_centered_ss(csc, means):
    """Per gene: sum over all cells of (value - mean)^2, the zeros included, without forming dense columns."""
    n = csc.shape[0]
    nnz_per = np.diff(csc.indptr)
    dev = csc.data - np.repeat(means, nnz_per)
    # reduceat over the column starts; columns without nonzeros would take their neighbour's value, so skip them.
    starts = csc.indptr[:-1]
    nonempty = nnz_per > 0
    sums = np.zeros(csc.shape[1])
    if csc.data.size > 0:
        sums[nonempty] = np.add.reduceat(dev * dev, starts[nonempty])
    ss = sums + (n - nnz_per) * means * means
    return ss, nnz_per


def top_correlated(csc, gene, k):
    """r of `gene` against every gene over all cells: X^T (x - mean x) / sqrt(ss_x ss_y), top k by r."""
    n = csc.shape[0]
    x = dense_column(csc, gene)
    xc = x - x.mean()
    # With xc centred, sum_i xc_i (y_i - mean y) = sum_i xc_i y_i: one sparse product, no cancellation.
    cov = csc.T @ xc
    means = np.asarray(csc.sum(axis=0)).ravel() / n
    ss, nnz_per = column_centered_ss(csc, means)
    ssx = float(np.dot(xc, xc))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = cov / np.sqrt(ss * ssx)
    defined = (ss > 0) & (ssx > 0)
    defined[gene] = False
    candidates = np.flatnonzero(defined)
    order = np.lexsort((candidates, -r[candidates]))[:k]
    top = candidates[order]
    return {
        "n": int(n),
        "rows": [{"gene_idx": int(g), "r": float(r[g])} for g in top],
        "undefined_genes": int(np.count_nonzero(~defined) - 1),
    }


def variability(csr, rows, limit):
    """CV (sample sd / mean) of every gene over the given cells, zeros included; undefined (mean 0) last."""
    sub = csr[rows, :]
    n, n_genes = sub.shape
    nnz_per = np.bincount(sub.indices, minlength=n_genes)
    means = np.bincount(sub.indices, weights=sub.data, minlength=n_genes) / n
    dev = sub.data - means[sub.indices]
    ss = np.bincount(sub.indices, weights=dev * dev, minlength=n_genes) + (n - nnz_per) * means * means
    variance = ss / (n - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = np.sqrt(variance) / means
    defined = means > 0
    genes = np.arange(n_genes)
    d = genes[defined]
    ranked = d[np.lexsort((d, -cv[d]))]
    ranked = np.concatenate([ranked, genes[~defined]])[:limit]
    return {
        "n": int(n),
        "rows": [
            {
                "gene_idx": int(g),
                "cv": float(cv[g]) if defined[g] else None,
                "mean": float(means[g]),
                "variance": float(variance[g]),
                "fraction": float(nnz_per[g] / n),
                "n_expressing": int(nnz_per[g]),
            }
            for g in ranked
        ],
    }


def main():
    folder, request_path = sys.argv[1], sys.argv[2]
    with open(request_path) as f:
        req = json.load(f)
    n_cells, n_genes, repeat = req["cells"], req["genes"], req["repeat"]

    t0 = time.perf_counter()
    cell = np.fromfile(f"{folder}/cell.i32", dtype="<i4")
    gene = np.fromfile(f"{folder}/gene.i32", dtype="<i4")
    value = np.fromfile(f"{folder}/value.f64", dtype="<f8")
    cell_type = np.fromfile(f"{folder}/cell_type.i32", dtype="<i4")
    load_seconds = time.perf_counter() - t0

    t0 = time.perf_counter()
    # The export is in cell order, so the CSR index pointer is a cumulative count: no sort.
    indptr = np.zeros(n_cells + 1, dtype=np.int64)
    np.cumsum(np.bincount(cell, minlength=n_cells), out=indptr[1:])
    csr = sp.csr_matrix((value, gene, indptr), shape=(n_cells, n_genes))
    del cell, gene, value
    csc = csr.tocsc()
    matrix_seconds = time.perf_counter() - t0

    pair, pair_s = timed(lambda: pearson_pair(csc, req["pair"][0], req["pair"][1]), repeat)
    top, top_s = timed(lambda: top_correlated(csc, req["query_gene"], req["k"]), repeat)

    # Cells of a type are rows of the CSR copy (the CSC serves the per-gene statistics).
    cv, cv_s = timed(lambda: variability(csr, np.flatnonzero(cell_type == req["cell_type"]), req["cv_limit"]), repeat)

    print(
        json.dumps(
            {
                "numpy": np.__version__,
                "scipy": __import__("scipy").__version__,
                "nnz": int(csc.nnz),
                "load_seconds": load_seconds,
                "matrix_seconds": matrix_seconds,
                "pair": {**pair, "seconds": pair_s},
                "top": {**top, "seconds": top_s},
                "cv": {**cv, "seconds": cv_s},
            }
        )
    )


main()
