#!/usr/bin/env python3
"""SciPy peer of `pdekit generate darcy --compare-gmres`: the same sorted Darcy systems, solved by
independent restarted GMRES and by SciPy's recycling Krylov method (GCROT(m, k), de Sturler 1999 /
Hicken & Zingg 2010, `scipy.sparse.linalg.gcrotmk`, with its `CU` recycle space carried from one
system to the next), plus SuperLU for reference.

Input: an HDF5 file written by `pdekit generate darcy --precision float64` (datasets coeff [N, s, s] in
solve order). The matrices are rebuilt with the vertex-centred finite-volume assembly of
generate_scipy.py (the PDEKit discretization; the script checks its solutions against the file's sol).
Preconditioner: none, or SciPy's spilu (drop_tol 0, fill_factor 1: an ILU close to ILU(0)) rebuilt per
system; restart 40 / (m = 20 inner, k = 20 recycled) as PDEKit's GCRO-DR(40, 20).
Prints one JSON line.

Usage: bench/.venv/bin/python bench/peers/recycle_scipy.py FILE.h5 --systems 50 --tolerance 1e-5 --preconditioner ilu
"""
import argparse
import json
import os
import sys
import time

import h5py
import numpy as np
import scipy.sparse.linalg as spla

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate_scipy import assemble  # noqa: E402


def preconditioner(A, kind):
    if kind == "none":
        return None
    ilu = spla.spilu(A.tocsc(), drop_tol=0.0, fill_factor=1.0)
    return spla.LinearOperator(A.shape, ilu.solve)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--systems", type=int, default=50)
    parser.add_argument("--tolerance", type=float, default=1e-5)
    parser.add_argument("--preconditioner", choices=["none", "ilu"], default="ilu")
    parser.add_argument("--maxiter", type=int, default=10000)
    args = parser.parse_args()
    with h5py.File(args.file, "r") as f:
        coeff = np.asarray(f["coeff"][: args.systems], dtype=np.float64)
        sol = np.asarray(f["sol"][: args.systems], dtype=np.float64)
    systems = [assemble(a) for a in coeff]
    s = coeff.shape[1]
    # Same discretization as PDEKit: compare a direct solve with the file's solution.
    x0 = spla.spsolve(systems[0][0].tocsc(), systems[0][1])
    mismatch = np.abs(x0 - sol[0, 1:-1, 1:-1].ravel()).max() / np.abs(x0).max()
    result = {"peer": "scipy", "bench": "generate-compare", "resolution": s, "systems": len(systems),
              "tolerance": args.tolerance, "preconditioner": args.preconditioner, "discretization_mismatch": mismatch}

    def run(name, solve):
        counter = {"it": 0}
        failures = 0
        wall, cpu = time.perf_counter(), time.process_time()
        for A, b in systems:
            x, info = solve(A.tocsr(), b, counter)
            if info != 0 or np.linalg.norm(A @ x - b) > 1.01 * args.tolerance * np.linalg.norm(b):
                failures += 1
        result[name + "_seconds"] = time.perf_counter() - wall
        result[name + "_cpu_seconds"] = time.process_time() - cpu
        result[name + "_iterations"] = counter["it"]
        result[name + "_failures"] = failures

    def gmres(A, b, counter):
        def cb(_):
            counter["it"] += 1
        return spla.gmres(A, b, rtol=args.tolerance, atol=0.0, restart=40, maxiter=args.maxiter,
                          M=preconditioner(A, args.preconditioner), callback=cb, callback_type="pr_norm")

    cu = []

    def gcrot(A, b, counter):
        def cb(_):
            counter["it"] += 1
        # gcrotmk's callback runs once per outer iteration of m inner steps; count SpMVs instead.
        calls = {"n": 0}

        def matvec(v):
            calls["n"] += 1
            return A @ v
        op = spla.LinearOperator(A.shape, matvec=matvec)
        x, info = spla.gcrotmk(op, b, rtol=args.tolerance, atol=0.0, m=20, k=20, CU=cu, discard_C=True,
                               maxiter=args.maxiter, M=preconditioner(A, args.preconditioner))
        counter["it"] += calls["n"]
        return x, info

    def direct(A, b, counter):
        counter["it"] += 1
        return spla.spsolve(A.tocsc(), b), 0

    run("gmres", gmres)
    run("gcrotmk", gcrot)
    result["gcrotmk_iterations_are"] = "operator products (incl. recomputing C = A U per system)"
    run("direct", direct)
    print(json.dumps(result, sort_keys=True), flush=True)


if __name__ == "__main__":
    main()
