#!/usr/bin/env python3
"""Peer side of bench/run-amg.sh: writes the benchmark matrices as Matrix Market files and times
SciPy / PyAMG on them (read + set-up + solve, rtol 1e-8, b = ones), one JSON line per measurement.

Venv (outside the repository):  python3 -m venv /work/venvs/amg && /work/venvs/amg/bin/pip install scipy pyamg
Usage:  python amg_scipy_pyamg.py write DIR            (matrices + coordinates/near-nullspace files)
        python amg_scipy_pyamg.py run DIR [PROBLEM...]  (timings)
Matrices (b = ones):
  poisson2d-500   5-point Laplacian 500²                       (SPD)
  poisson3d-60    7-point Laplacian 60³                        (SPD)
  elasticity2d    PyAMG gallery linear_elasticity 300², E=1e5  (SPD, 2 unknowns per node, rigid-body modes)
  anisotropic     PyAMG diffusion_stencil_2d ε = 0.001, 500²   (SPD)
  convection      upwind convection–diffusion 400², ε = 1e-3, b = (1, 0.6)   (nonsymmetric)
  unstructured    P1 Laplacian on a Delaunay mesh of 150 000 random points, Dirichlet boundary (SPD)
(`write` also writes convection3d.mtx, 55³ upwind convection–diffusion, ~30 MB, for the reading comparison only.)
"""
import json
import os
import sys
import time

import numpy as np
import scipy.io
import scipy.sparse as sp
import scipy.sparse.linalg as spla


def poisson2d():
    import pyamg
    return pyamg.gallery.poisson((500, 500), format="csr")


def poisson3d():
    import pyamg
    return pyamg.gallery.poisson((60, 60, 60), format="csr")


def elasticity():
    import pyamg
    a, b = pyamg.gallery.linear_elasticity((300, 300), format="csr")
    return a.tocsr(), b


def anisotropic():
    import pyamg
    stencil = pyamg.gallery.diffusion_stencil_2d(epsilon=0.001, theta=0.0, type="FD")
    return pyamg.gallery.stencil_grid(stencil, (500, 500), format="csr")


def convection(n=400, eps=1e-3, b=(1.0, 0.6)):
    """Upwind finite differences of −ε Δu + b·∇u on an n² interior grid, scaled by h² (as PDEKit's ModelProblems)."""
    h = 1.0 / (n + 1)
    west = eps + h * max(b[0], 0); east = eps + h * max(-b[0], 0)
    south = eps + h * max(b[1], 0); north = eps + h * max(-b[1], 0)
    diag = 4 * eps + h * (abs(b[0]) + abs(b[1]))
    i = np.arange(n * n); x = i % n; y = i // n
    rows = [i]; cols = [i]; vals = [np.full(n * n, diag)]
    for mask, off, v in [(y > 0, -n, -south), (x > 0, -1, -west), (x < n - 1, 1, -east), (y < n - 1, n, -north)]:
        rows.append(i[mask]); cols.append(i[mask] + off); vals.append(np.full(mask.sum(), v))
    return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n * n, n * n))


def convection3d(n=55, eps=1e-3, b=(1.0, 0.6, 0.3)):
    """Upwind −ε Δu + b·∇u on an n³ interior grid, scaled by h² (about 30 MB as Matrix Market, general):
    only for the reading comparison (bench/peers/amg_read_compare.py), not one of the six solved."""
    h = 1.0 / (n + 1)
    i = np.arange(n ** 3); x = i % n; y = (i // n) % n; z = i // (n * n)
    rows = [i]; cols = [i]; vals = [np.full(n ** 3, 6 * eps + h * sum(abs(c) for c in b))]
    for axis, (coordinate, stride) in enumerate([(x, 1), (y, n), (z, n * n)]):
        lower = eps + h * max(b[axis], 0); upper = eps + h * max(-b[axis], 0)
        for mask, off, v in [(coordinate > 0, -stride, -lower), (coordinate < n - 1, stride, -upper)]:
            rows.append(i[mask]); cols.append(i[mask] + off); vals.append(np.full(mask.sum(), v))
    return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n ** 3, n ** 3))


def unstructured(points=150_000, seed=0):
    from scipy.spatial import Delaunay
    rng = np.random.default_rng(seed)
    boundary = np.linspace(0, 1, 200)[:-1]
    edge = np.concatenate([np.c_[boundary, 0 * boundary], np.c_[1 + 0 * boundary, boundary],
                           np.c_[1 - boundary, 1 + 0 * boundary], np.c_[0 * boundary, 1 - boundary]])
    xy = np.vstack([edge, rng.random((points - len(edge), 2))])
    tri = Delaunay(xy).simplices
    p = xy[tri]                                    # (t, 3, 2)
    d = np.stack([p[:, 2] - p[:, 1], p[:, 0] - p[:, 2], p[:, 1] - p[:, 0]], axis=1)   # edge vectors opposite each vertex
    area = 0.5 * np.abs(d[:, 0, 0] * d[:, 1, 1] - d[:, 0, 1] * d[:, 1, 0])
    k = np.einsum("tik,tjk->tij", d, d) / (4 * area[:, None, None])
    rows = np.repeat(tri, 3, axis=1).ravel(); cols = np.tile(tri, (1, 3)).ravel()
    a = sp.csr_matrix((k.ravel(), (rows, cols)), shape=(len(xy), len(xy)))
    on_boundary = np.zeros(len(xy), bool); on_boundary[: len(edge)] = True
    keep = np.where(~on_boundary)[0]
    return a[keep][:, keep].tocsr()


PROBLEMS = ["poisson2d-500", "poisson3d-60", "elasticity2d", "anisotropic", "convection", "unstructured"]


def write(directory):
    os.makedirs(directory, exist_ok=True)
    makers = {"poisson2d-500": poisson2d, "poisson3d-60": poisson3d, "anisotropic": anisotropic,
              "convection": convection, "unstructured": unstructured, "convection3d": convection3d}
    for name, make in makers.items():
        a = make()
        scipy.io.mmwrite(os.path.join(directory, name + ".mtx"), a, symmetry="general" if name.startswith("convection") else "symmetric")
    a, b = elasticity()
    scipy.io.mmwrite(os.path.join(directory, "elasticity2d.mtx"), a, symmetry="symmetric")
    # PyAMG's near-nullspace B: translations and the rotation (n × 3); the rotation column for PDEKit's --near-nullspace vectors.
    scipy.io.mmwrite(os.path.join(directory, "elasticity2d-rotation.mtx"), np.asarray(b[:, 2:3]))


def timed(f):
    start = time.perf_counter(); value = f(); return value, time.perf_counter() - start


def emit(problem, method, read, setup, solve, iterations, relres, **extra):
    print(json.dumps(dict(implementation="scipy/pyamg", problem=problem, method=method, read_seconds=read, setup_seconds=setup,
                          solve_seconds=solve, total_seconds=read + setup + solve, iterations=iterations,
                          relative_residual=relres, **extra)), flush=True)


def run(directory, problems):
    import pyamg
    for problem in problems:
        path = os.path.join(directory, problem + ".mtx")
        a, read = timed(lambda: scipy.io.mmread(path).tocsr())
        n = a.shape[0]
        b = np.ones(n)
        rel = lambda x: float(np.linalg.norm(b - a @ x) / np.linalg.norm(b))
        symmetric = problem != "convection"
        configurations = []
        if symmetric:
            configurations.append(("pyamg-sa+cg", lambda: pyamg.smoothed_aggregation_solver(a), "cg"))
            configurations.append(("pyamg-rs+cg", lambda: pyamg.ruge_stuben_solver(a), "cg"))
            if problem == "elasticity2d":
                bvec = pyamg.gallery.linear_elasticity((300, 300), format="csr")[1]
                configurations.append(("pyamg-sa-rbm+cg", lambda: pyamg.smoothed_aggregation_solver(a, B=bvec), "cg"))
        else:
            configurations.append(("pyamg-air+gmres", lambda: pyamg.air_solver(a), "gmres"))
            configurations.append(("pyamg-sa+gmres", lambda: pyamg.smoothed_aggregation_solver(a), "gmres"))
        for name, make, accel in configurations:
            ml, setup = timed(make)
            residuals = []
            x, solve = timed(lambda: ml.solve(b, tol=1e-8, accel=accel, maxiter=500, residuals=residuals))
            emit(problem, name, read, setup, solve, len(residuals) - 1, rel(x))
        if not symmetric:
            for drop, fill in [(1e-4, 10.0)]:
                ilu, setup = timed(lambda: spla.spilu(a.tocsc(), drop_tol=drop, fill_factor=fill))
                m = spla.LinearOperator(a.shape, ilu.solve)
                for solver_name, solver in [("gmres", lambda cb: spla.gmres(a, b, M=m, rtol=1e-8, restart=40, maxiter=250, callback=cb, callback_type="pr_norm")),
                                            ("bicgstab", lambda cb: spla.bicgstab(a, b, M=m, rtol=1e-8, maxiter=10000, callback=cb))]:
                    count = [0]
                    (x, info), solve = timed(lambda: solver(lambda *_: count.__setitem__(0, count[0] + 1)))
                    emit(problem, f"spilu({drop},{fill})+{solver_name}", read, setup, solve, count[0], rel(x))
        if n <= 300_000 and problem != "poisson3d-60":
            x, solve = timed(lambda: spla.spsolve(a.tocsc(), b))
            emit(problem, "superlu", read, 0.0, solve, 0, rel(x))


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in ("write", "run"):
        sys.exit(__doc__)
    if sys.argv[1] == "write":
        write(sys.argv[2])
    else:
        run(sys.argv[2], sys.argv[3:] or PROBLEMS)
