#!/usr/bin/env python3
"""Python peer of `pdekit bench sparse`: the same Poisson problems and measurements with
SciPy (CG, GMRES), PyAMG (smoothed aggregation as a CG preconditioner) and CHOLMOD through
scikit-sparse when it is installed (otherwise SciPy's SuperLU, labelled as such).

Prints one JSON object per line with the fields of `pdekit bench sparse`:
implementation, problem, n, method, preconditioner, iterations, seconds, setup_seconds,
relative_residual, converged.
"""
import argparse
import json
import sys
import time

import numpy as np
import scipy
import scipy.sparse as sp
import scipy.sparse.linalg as spla


def poisson2d(n):
    t = sp.diags([-1.0, 2.0, -1.0], [-1, 0, 1], shape=(n, n), format="csr")
    eye = sp.identity(n, format="csr")
    return (sp.kron(eye, t) + sp.kron(t, eye)).tocsr()


def poisson3d(n):
    t = sp.diags([-1.0, 2.0, -1.0], [-1, 0, 1], shape=(n, n), format="csr")
    eye = sp.identity(n, format="csr")
    return (sp.kron(sp.kron(eye, eye), t) + sp.kron(sp.kron(eye, t), eye) + sp.kron(sp.kron(t, eye), eye)).tocsr()


def emit(**fields):
    fields["implementation"] = "scipy"
    print(json.dumps(fields, sort_keys=True), flush=True)


def best(repeat, measure):
    """Runs measure() `repeat` times and emits the fastest result (the machine is shared)."""
    runs = [measure() for _ in range(max(1, repeat))]
    emit(**min(runs, key=lambda r: r["seconds"]))


def rel_res(a, x, b):
    return float(np.linalg.norm(b - a @ x) / np.linalg.norm(b))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--problems", default="poisson2d-256,poisson2d-512,poisson3d-64")
    parser.add_argument("--relative-tolerance", type=float, default=1e-8)
    parser.add_argument("--gmres-max-iterations", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="repetitions; the fastest run is reported")
    parser.add_argument("--skip-direct", action="store_true")
    args = parser.parse_args()
    rtol = args.relative_tolerance

    try:
        from sksparse.cholmod import cholesky  # noqa: F401
        have_cholmod = True
    except Exception:  # scikit-sparse is optional
        have_cholmod = False
    import pyamg

    for name in args.problems.split(","):
        kind, size = name.split("-")
        size = int(size)
        a = poisson2d(size) if kind == "poisson2d" else poisson3d(size)
        b = np.ones(a.shape[0])
        n = a.shape[0]

        def direct():
            start = time.perf_counter()
            if have_cholmod:
                factor = cholesky(a.tocsc())
                setup = time.perf_counter() - start
                x = factor(b)
                method = "direct-cholmod"
            else:
                lu = spla.splu(a.tocsc())
                setup = time.perf_counter() - start
                x = lu.solve(b)
                method = "direct-superlu"
            total = time.perf_counter() - start
            rr = rel_res(a, x, b)
            return dict(problem=name, n=n, method=method, preconditioner="none", iterations=0, seconds=total,
                        setup_seconds=setup, relative_residual=rr, converged=rr <= rtol)

        if not args.skip_direct:
            best(args.repeat, direct)

        def run_cg(preconditioner_name, make):
            best(args.repeat, lambda: cg_once(preconditioner_name, make))

        def cg_once(preconditioner_name, make):
            start = time.perf_counter()
            m = make()
            setup = time.perf_counter() - start
            count = [0]

            def callback(_xk):
                count[0] += 1

            x, _info = spla.cg(a, b, rtol=rtol, atol=0.0, maxiter=20000, M=m, callback=callback)
            total = time.perf_counter() - start
            rr = rel_res(a, x, b)
            return dict(problem=name, n=n, method="cg", preconditioner=preconditioner_name, iterations=count[0],
                        seconds=total, setup_seconds=setup, relative_residual=rr, converged=rr <= rtol)

        run_cg("none", lambda: None)
        run_cg("jacobi", lambda: sp.diags(1.0 / a.diagonal()))
        run_cg("pyamg-sa", lambda: pyamg.smoothed_aggregation_solver(a).aspreconditioner(cycle="V"))

        # GMRES(40), unpreconditioned; SciPy's maxiter counts restart cycles.
        def gmres_once():
            start = time.perf_counter()
            count = [0]

            def gmres_callback(_rk):
                count[0] += 1

            x, _info = spla.gmres(a, b, rtol=rtol, atol=0.0, restart=40,
                                  maxiter=max(1, args.gmres_max_iterations // 40),
                                  callback=gmres_callback, callback_type="pr_norm")
            total = time.perf_counter() - start
            rr = rel_res(a, x, b)
            return dict(problem=name, n=n, method="gmres40", preconditioner="none", iterations=count[0],
                        seconds=total, setup_seconds=0.0, relative_residual=rr, converged=rr <= rtol)

        best(args.repeat, gmres_once)

    print(json.dumps({"implementation": "scipy", "versions": {"numpy": np.__version__, "scipy": scipy.__version__,
                                                            "pyamg": pyamg.__version__, "cholmod": have_cholmod}}),
          file=sys.stderr)


if __name__ == "__main__":
    main()
