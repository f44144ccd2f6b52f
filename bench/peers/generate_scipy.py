#!/usr/bin/env python3
"""SciPy peer of `pdekit generate darcy`: FNO Darcy data the textbook Python way.

Per sample: ψ ~ N(0, σ²(−Δ + τ²I)^−α) with zero Neumann (cosine series through scipy.fft.idctn,
α = 2, τ = 3, σ = 3 as FNO), a = 12 where ψ ≥ 0 else 3, vertex-centred finite volumes with
harmonic face means (5-point stencil, same discretization as PDEKit), f ≡ 1, zero Dirichlet, and a
sparse direct solve: scipy.sparse.linalg.spsolve (SuperLU), or with --solver cholmod the
scikit-sparse CHOLMOD factor with its symbolic analysis reused (the strongest Python peer).
Prints one JSON line: seconds per sample and the max relative residual.

Usage: bench/.venv/bin/python bench/peers/generate_scipy.py --samples 200 --resolution 85 [--solver spsolve|cholmod]
"""
import argparse
import json
import time

import numpy as np
import scipy.fft
import scipy.sparse as sp
import scipy.sparse.linalg as spla


def grf_sqrt_eigen(s, alpha=2.0, tau=3.0, sigma=3.0):
    k = np.arange(s)
    k2 = (np.pi ** 2) * (k[:, None] ** 2 + k[None, :] ** 2)
    sqrt_eig = sigma * (k2 + tau ** 2) ** (-alpha / 2)
    sqrt_eig[0, 0] = 0.0  # mean zero
    return sqrt_eig


def sample_coefficient(rng, sqrt_eig):
    s = sqrt_eig.shape[0]
    xi = rng.standard_normal((s, s))
    psi = scipy.fft.idctn(sqrt_eig * xi, type=2, norm="ortho") * s
    return np.where(psi >= 0, 12.0, 3.0)


def assemble(a):
    s = a.shape[0]
    m = s - 2
    idx = np.arange(m * m).reshape(m, m)
    inner = a[1:-1, 1:-1]
    rows, cols, vals = [], [], []
    diag = np.zeros((m, m))
    for di, dj in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        nb = a[1 + di:s - 1 + di, 1 + dj:s - 1 + dj]
        t = 2 * inner * nb / (inner + nb)
        diag += t
        ii = np.arange(m)[:, None] + di
        jj = np.arange(m)[None, :] + dj
        ok = np.broadcast_to((ii >= 0) & (ii < m) & (jj >= 0) & (jj < m), (m, m))
        rows.append(idx[ok])
        cols.append(idx[np.clip(ii, 0, m - 1), np.clip(jj, 0, m - 1)][ok])
        vals.append(-t[ok])
    rows.append(idx.ravel()); cols.append(idx.ravel()); vals.append(diag.ravel())
    A = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(m * m, m * m))
    b = np.full(m * m, 1.0 / (s - 1) ** 2)
    return A, b


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--resolution", type=int, default=85)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--solver", choices=["spsolve", "cholmod"], default="spsolve")
    parser.add_argument("--output", default=None, help="optional .npz with coeff and sol")
    args = parser.parse_args()
    s, n = args.resolution, args.samples
    rng = np.random.default_rng(args.seed)
    sqrt_eig = grf_sqrt_eigen(s)
    coeff = np.empty((n, s, s), dtype=np.float32)
    sol = np.zeros((n, s, s), dtype=np.float32)
    factor = None
    worst = 0.0
    start = time.perf_counter()
    for i in range(n):
        a = sample_coefficient(rng, sqrt_eig)
        A, b = assemble(a)
        if args.solver == "cholmod":
            from sksparse.cholmod import analyze
            if factor is None:
                factor = analyze(A)
            factor.cholesky_inplace(A)
            x = factor(b)
        else:
            x = spla.spsolve(A, b)
        worst = max(worst, np.linalg.norm(A @ x - b) / np.linalg.norm(b))
        coeff[i] = a
        sol[i, 1:-1, 1:-1] = x.reshape(s - 2, s - 2)
    seconds = time.perf_counter() - start
    if args.output:
        np.savez(args.output, coeff=coeff, sol=sol)
    print(json.dumps({"peer": "scipy", "benchmark": "generate_darcy", "s": s, "samples": n, "solver": args.solver,
                      "seconds": seconds, "seconds_per_sample": seconds / n, "max_relative_residual": worst},
                     sort_keys=True), flush=True)


if __name__ == "__main__":
    main()
