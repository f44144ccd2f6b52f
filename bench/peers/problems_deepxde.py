#!/usr/bin/env python3
"""DeepXDE (PyTorch backend) peer of `pdekit pinn --problem datasets/problems/<name>.json` for the
verification problems, and the independent references they are scored against:

  lshape-poisson     -lap u = 1 on the L-shape, u = 0: a 5-point finite-difference solve (h = 1/200,
                     scipy spsolve); its own discretization error is reported (h = 1/100 vs 1/200)
  heat2d             u_t = 0.1 lap u, exact exp(-0.2 pi^2 t) sin(pi x) sin(pi y)
  robin-disk         manufactured u = exp(x) sin(y) + x^2, Neumann (x < 0) / Robin (x >= 0) on the circle
  inverse-diffusion  k in -k lap u = pi^2 sin sin (true 0.5) from 50 noisy observations

Both sides use the same network (tanh, Glorot uniform), point counts, Adam(1e-3) then L-BFGS and
evaluation points. With --pdekit DIR it also scores PDEKit's DIR/solution.csv against the same
reference. Prints one JSON line per run.
  /work/venvs/problem/bin/python bench/peers/problems_deepxde.py lshape-poisson --iterations 3000 --lbfgs-iterations 1000
Venv: python3 -m venv /work/venvs/problem; put the torch venv's site-packages in a .pth file (or
pip install torch); pip install deepxde (bench/peers/setup-deepxde-venv.sh makes an equivalent one).
"""
import argparse, json, math, os, random, sys, time

os.environ.setdefault("DDE_BACKEND", "pytorch")
import numpy as np


def relative_l2(a, b):
    a, b = np.ravel(a), np.ravel(b)
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def inverse_observations():
    """The 50 noisy observations in datasets/problems/inverse-diffusion.json (Python random, seed 0)."""
    random.seed(0)
    points, values = [], []
    for _ in range(50):
        x, y = random.random(), random.random()
        points.append([round(x, 6), round(y, 6)])
        values.append(round(math.sin(math.pi * x) * math.sin(math.pi * y) + random.gauss(0, 0.01), 6))
    return np.array(points), np.array(values)[:, None]


def lshape_reference(n):
    """5-point finite differences for -lap u = 1 on the L-shape with u = 0, on the grid x = -1 + i h,
    h = 2/n; returns the nodal solution (n+1, n+1) indexed [i(x), j(y)]."""
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla
    h = 2.0 / n
    xs = -1 + h * np.arange(n + 1)
    X, Y = np.meshgrid(xs, xs, indexing="ij")
    inside = (np.abs(X) < 1 - 1e-12) & (np.abs(Y) < 1 - 1e-12) & ~((X > -1e-12) & (Y > -1e-12))
    index = -np.ones(X.shape, dtype=int)
    index[inside] = np.arange(inside.sum())
    rows, cols, vals = [], [], []
    for i, j in zip(*np.nonzero(inside)):
        k = index[i, j]
        rows.append(k); cols.append(k); vals.append(4 / h ** 2)
        for di, dj in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            m = index[i + di, j + dj]
            if m >= 0:
                rows.append(k); cols.append(m); vals.append(-1 / h ** 2)
    A = sp.csr_matrix((vals, (rows, cols)), shape=(inside.sum(),) * 2)
    u = np.zeros(X.shape)
    u[inside] = spla.spsolve(A.tocsc(), np.ones(inside.sum()))
    return xs, u


def grid(lower, upper, counts):
    axes = [np.linspace(a, b, c) for a, b, c in zip(lower, upper, counts)]
    mesh = np.meshgrid(*axes, indexing="ij")
    return np.stack([m.ravel() for m in mesh], axis=1)


def setup(name, args):
    import torch
    import deepxde as dde
    sin, exp, pi = torch.sin, torch.exp, np.pi
    extra = {}
    if name == "lshape-poisson":
        geom = dde.geometry.Polygon([[0, 0], [1, 0], [1, -1], [-1, -1], [-1, 1], [0, 1]])
        pde = lambda x, u: -dde.grad.hessian(u, x, i=0, j=0) - dde.grad.hessian(u, x, i=1, j=1) - 1
        bcs = [dde.icbc.DirichletBC(geom, lambda x: 0, lambda x, on: on)]
        data = dde.data.PDE(geom, pde, bcs, 1200, 120)
        x = grid([-1, -1], [1, 1], [51, 51])
        x = x[~((x[:, 0] > 1e-12) & (x[:, 1] > 1e-12))]
        xs, u200 = lshape_reference(400)
        _, u100 = lshape_reference(200)
        idx = np.rint((x + 1) / (2 / 400)).astype(int)
        ref = u200[idx[:, 0], idx[:, 1]][:, None]
        idx100 = np.rint((x + 1) / (2 / 200)).astype(int)
        extra["reference_h100_vs_h200_relative_l2"] = relative_l2(u100[idx100[:, 0], idx100[:, 1]], ref)
        extra["reference"] = "5-point finite differences, h = 1/200 (scipy spsolve)"
        return data, 2, x, ref, extra
    if name == "heat2d":
        geom = dde.geometry.GeometryXTime(dde.geometry.Rectangle([0, 0], [1, 1]), dde.geometry.TimeDomain(0, 1))
        pde = lambda x, u: dde.grad.jacobian(u, x, i=0, j=2) - 0.1 * (dde.grad.hessian(u, x, i=0, j=0) + dde.grad.hessian(u, x, i=1, j=1))
        bcs = [dde.icbc.DirichletBC(geom, lambda x: 0, lambda x, on: on),
               dde.icbc.IC(geom, lambda x: np.sin(pi * x[:, 0:1]) * np.sin(pi * x[:, 1:2]), lambda x, on: on)]
        data = dde.data.TimePDE(geom, pde, bcs, num_domain=2000, num_boundary=200, num_initial=400)
        x = grid([0, 0, 0], [1, 1, 1], [21, 21, 11])
        ref = (np.exp(-2 * pi ** 2 * 0.1 * x[:, 2]) * np.sin(pi * x[:, 0]) * np.sin(pi * x[:, 1]))[:, None]
        extra["reference"] = "exact"
        return data, 3, x, ref, extra
    if name == "robin-disk":
        geom = dde.geometry.Disk([0, 0], 1)
        pde = lambda x, u: -dde.grad.hessian(u, x, i=0, j=0) - dde.grad.hessian(u, x, i=1, j=1) + 2
        exact = lambda x: np.exp(x[:, 0:1]) * np.sin(x[:, 1:2]) + x[:, 0:1] ** 2
        dudn = lambda x: x[:, 0:1] * (np.exp(x[:, 0:1]) * np.sin(x[:, 1:2]) + 2 * x[:, 0:1]) + x[:, 1:2] * np.exp(x[:, 0:1]) * np.cos(x[:, 1:2])
        bcs = [dde.icbc.NeumannBC(geom, dudn, lambda x, on: on and x[0] < 0),
               # DeepXDE's Robin form: du/dn = f(x, u); here u + du/dn = g, so f = g - u
               dde.icbc.RobinBC(geom, lambda x, u: torch.as_tensor(exact(x) + dudn(x), dtype=u.dtype) - u, lambda x, on: on and x[0] >= 0)]
        data = dde.data.PDE(geom, pde, bcs, 1000, 200)
        x = grid([-1, -1], [1, 1], [41, 41])
        x = x[np.linalg.norm(x, axis=1) <= 1 + 1e-12]
        extra["reference"] = "exact (manufactured)"
        return data, 2, x, exact(x), extra
    if name == "inverse-diffusion":
        geom = dde.geometry.Rectangle([0, 0], [1, 1])
        k = dde.Variable(1.0)
        pde = lambda x, u: -k * (dde.grad.hessian(u, x, i=0, j=0) + dde.grad.hessian(u, x, i=1, j=1)) - pi ** 2 * sin(pi * x[:, 0:1]) * sin(pi * x[:, 1:2])
        points, values = inverse_observations()
        bcs = [dde.icbc.DirichletBC(geom, lambda x: 0, lambda x, on: on), dde.icbc.PointSetBC(points, values)]
        data = dde.data.PDE(geom, pde, bcs, 500, 100, anchors=points)
        x = grid([0, 0], [1, 1], [51, 51])
        extra["reference"] = "exact"
        extra["variable"] = k
        return data, 2, x, (np.sin(pi * x[:, 0]) * np.sin(pi * x[:, 1]))[:, None], extra
    raise SystemExit(f"unknown problem {name}")


def score_pdekit(directory, x_eval, reference):
    """PDEKit's prediction (DIR/solution.csv) at the same points, against the same reference."""
    table = np.loadtxt(os.path.join(directory, "solution.csv"), delimiter=",", skiprows=1)
    d = x_eval.shape[1]
    lookup = {tuple(np.round(row[:d], 9)): row[d] for row in table}
    prediction = np.array([lookup[tuple(np.round(p, 9))] for p in x_eval])
    summary = json.load(open(os.path.join(directory, "summary.json")))
    summary["peer"] = "pdekit"
    summary["relative_l2_vs_reference"] = relative_l2(prediction, reference)
    return summary


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("problem")
    parser.add_argument("--iterations", type=int, default=3000)
    parser.add_argument("--lbfgs-iterations", type=int, default=1000)
    parser.add_argument("--width", type=int, default=50)
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--pdekit", help="score this pdekit output directory instead of training DeepXDE")
    args = parser.parse_args()
    import torch
    import deepxde as dde
    torch.set_num_threads(args.threads)
    dde.config.set_default_float("float64")
    dde.config.set_random_seed(args.seed)
    data, dim, x_eval, reference, extra = setup(args.problem, args)
    variable = extra.pop("variable", None)
    if args.pdekit:
        result = score_pdekit(args.pdekit, x_eval, reference)
        result.update(extra)
        print(json.dumps(result, sort_keys=True, default=str))
        return
    net = dde.nn.FNN([dim] + [args.width] * args.depth + [1], "tanh", "Glorot uniform")
    model = dde.Model(data, net)
    model.compile("adam", lr=1e-3, external_trainable_variables=[variable] if variable is not None else None)
    start, cpu = time.perf_counter(), time.process_time()
    history, _ = model.train(iterations=args.iterations, display_every=max(args.iterations, 1), verbose=0)
    adam_loss = float(np.sum(history.loss_train[-1]))
    if args.lbfgs_iterations > 0:
        dde.optimizers.config.set_LBFGS_options(maxiter=args.lbfgs_iterations)
        # DeepXDE 1.15 runs torch's L-BFGS 1000 iterations per call until the total reaches maxiter, so
        # maxiter < 1000 would run 1000: cap one call at maxiter so both sides make the same iterations.
        dde.optimizers.config.LBFGS_options["iter_per_step"] = min(args.lbfgs_iterations, dde.optimizers.config.LBFGS_options["iter_per_step"])
        dde.optimizers.config.LBFGS_options["fun_per_step"] = min(dde.optimizers.config.LBFGS_options["fun_per_step"], int(1.25 * args.lbfgs_iterations))
        model.compile("L-BFGS", external_trainable_variables=[variable] if variable is not None else None)
        history, _ = model.train(verbose=0)
        state = model.opt.state_dict()["state"][0]
        lbfgs_counts = {"lbfgs_iterations_done": int(state["n_iter"]), "lbfgs_evaluations": int(state["func_evals"])}
    else:
        lbfgs_counts = {}
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    result = {"peer": "deepxde", "deepxde": dde.__version__, "torch": torch.__version__, "problem": args.problem,
              "network": [dim] + [args.width] * args.depth + [1], "adam_iterations": args.iterations,
              "lbfgs_iterations": args.lbfgs_iterations, "wall_seconds": round(wall, 3), "cpu_seconds": round(cpu, 3),
              "relative_l2_vs_reference": relative_l2(model.predict(x_eval), reference),
              # training losses (sum of the terms' mean squares) after Adam and at the end
              "adam_loss": adam_loss, "final_loss": float(np.sum(history.loss_train[-1]))}
    result.update(lbfgs_counts)
    if variable is not None:
        result["k_identified"] = float(variable.detach().cpu().numpy())
        result["k_true"] = 0.5
    result.update(extra)
    print(json.dumps(result, sort_keys=True, default=str))


if __name__ == "__main__":
    main()
