#!/usr/bin/env python3
"""NumPy/SciPy peer of `pdekit bench pdes`: the same algorithms, sizes and steps, one JSON line each.

Darcy: 5-point finite volumes with harmonic face means (vectorized SciPy assembly), solved by
CHOLMOD through scikit-sparse when available (analysis reused), else SciPy's SuperLU.
Burgers: pseudo-spectral ETDRK4 (Kassam-Trefethen coefficients), 2/3 dealiasing, numpy.fft.
Navier-Stokes: vorticity form, Crank-Nicolson + Heun, 2/3 dealiasing, numpy.fft.
"""
import json
import sys
import time

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

try:
    from sksparse.cholmod import analyze
except Exception:  # noqa: BLE001
    analyze = None


def best(reps, fn):
    fn()
    t = float("inf")
    for _ in range(reps):
        s = time.perf_counter()
        fn()
        t = min(t, time.perf_counter() - s)
    return t


def darcy_matrix(a):
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
        ok = (ii >= 0) & (ii < m) & (jj >= 0) & (jj < m)
        ok = np.broadcast_to(ok, (m, m))
        src = idx[ok]
        dst = idx[np.clip(ii, 0, m - 1), np.clip(jj, 0, m - 1)][ok]
        rows.append(src); cols.append(dst); vals.append(-t[ok])
    rows.append(idx.ravel()); cols.append(idx.ravel()); vals.append(diag.ravel())
    A = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(m * m, m * m))
    b = np.full(m * m, 1.0 / (s - 1) ** 2)
    return A, b


def bench_darcy(s, reps, rng):
    a = np.where(rng.standard_normal((s, s)) >= 0, 12.0, 3.0)  # coefficient values only matter for timing
    A, b = darcy_matrix(a)
    assembly = best(reps, lambda: darcy_matrix(a))
    if analyze is not None:
        fresh = best(reps, lambda: analyze(A).cholesky(A)(b))
        factor = analyze(A)

        def refactor_solve():
            factor.cholesky_inplace(A)
            return factor(b)

        reused = best(reps, refactor_solve)
        x = factor(b)
        assert np.linalg.norm(A @ x - b) <= 1e-10 * np.linalg.norm(b)
        solver = "sksparse.cholmod"
    else:
        fresh = best(reps, lambda: spla.spsolve(A, b))
        reused = fresh
        solver = "scipy.spsolve"
    print(json.dumps({"peer": "numpy", "benchmark": "darcy_fno", "s": s, "solver": solver, "assembly_seconds": assembly,
                      "analyze_factor_solve_seconds": fresh, "refactor_solve_seconds": reused}, sort_keys=True), flush=True)


def bench_burgers(n, dt, nu=0.1, T=1.0):
    k = 2 * np.pi * np.arange(n // 2 + 1)
    mask = (3 * np.arange(n // 2 + 1) < n).astype(float)
    L = -nu * k ** 2
    E, E2 = np.exp(dt * L), np.exp(dt * L / 2)
    M = 32
    r = np.exp(1j * np.pi * (np.arange(1, M + 1) - 0.5) / M)
    LR = dt * L[:, None] + r[None, :]
    Q = dt * np.real(np.mean((np.exp(LR / 2) - 1) / LR, axis=1))
    f1 = dt * np.real(np.mean((-4 - LR + np.exp(LR) * (4 - 3 * LR + LR ** 2)) / LR ** 3, axis=1))
    f2 = dt * np.real(np.mean((2 + LR + np.exp(LR) * (LR - 2)) / LR ** 3, axis=1))
    f3 = dt * np.real(np.mean((-4 - 3 * LR - LR ** 2 + np.exp(LR) * (4 - LR)) / LR ** 3, axis=1))
    g = -0.5j * k * mask
    x = np.arange(n) / n
    u0 = np.sin(2 * np.pi * x) + 0.5 * np.cos(4 * np.pi * x)
    steps = int(round(T / dt))

    def N(v):
        return g * np.fft.rfft(np.fft.irfft(v, n) ** 2)

    def run():
        v = np.fft.rfft(u0)
        for _ in range(steps):
            Nv = N(v)
            a = E2 * v + Q * Nv
            Na = N(a)
            b = E2 * v + Q * Na
            Nb = N(b)
            c = E2 * a + Q * (2 * Nb - Nv)
            Nc = N(c)
            v = E * v + Nv * f1 + 2 * (Na + Nb) * f2 + Nc * f3
        return np.fft.irfft(v, n)

    seconds = best(1, run)
    print(json.dumps({"peer": "numpy", "benchmark": "burgers_etdrk4", "n": n, "dt": dt, "T": T,
                      "seconds_per_sample": seconds}, sort_keys=True), flush=True)


def bench_ns(n, dt, nu=1e-3, T=1.0):
    kx = 2 * np.pi * np.fft.fftfreq(n, 1.0 / n)[:, None] * np.ones((1, n // 2 + 1))
    ky = 2 * np.pi * np.arange(n // 2 + 1)[None, :] * np.ones((n, 1))
    K = kx ** 2 + ky ** 2
    Kinv = np.where(K == 0, 0, 1 / np.where(K == 0, 1, K))
    ik = np.abs(np.fft.fftfreq(n, 1.0 / n))[:, None]
    mask = ((3 * ik < n) & (3 * np.arange(n // 2 + 1)[None, :] < n)).astype(float)
    x = np.arange(n) / n
    X, Y = np.meshgrid(x, x, indexing="ij")
    f_h = np.fft.rfft2(0.1 * (np.sin(2 * np.pi * (X + Y)) + np.cos(2 * np.pi * (X + Y)))) * mask
    rng = np.random.default_rng(0)
    w_h0 = np.fft.rfft2(rng.standard_normal((n, n))) * mask
    steps = int(round(T / dt))
    damp = 0.5 * dt * nu * K

    def A(w_h):
        psi = w_h * Kinv
        u = np.fft.irfft2(1j * ky * psi, (n, n))
        v = np.fft.irfft2(-1j * kx * psi, (n, n))
        wx = np.fft.irfft2(1j * kx * w_h, (n, n))
        wy = np.fft.irfft2(1j * ky * w_h, (n, n))
        return mask * np.fft.rfft2(u * wx + v * wy)

    def run():
        w_h = w_h0.copy()
        for _ in range(steps):
            a = A(w_h)
            ws = ((1 - damp) * w_h + dt * (f_h - a)) / (1 + damp)
            a2 = A(ws)
            w_h = ((1 - damp) * w_h + dt * (f_h - 0.5 * (a + a2))) / (1 + damp)
        return w_h

    seconds = best(1, run)
    print(json.dumps({"peer": "numpy", "benchmark": "navier_stokes_cn_heun", "n": n, "dt": dt,
                      "seconds_per_unit_time": seconds}, sort_keys=True), flush=True)


if __name__ == "__main__":
    rng = np.random.default_rng(2024)
    for s in [int(v) for v in (sys.argv[1] if len(sys.argv) > 1 else "64,128,256").split(",")]:
        bench_darcy(s, 5, rng)
    bench_burgers(1024, 1e-3)
    bench_ns(64, 1e-3)
