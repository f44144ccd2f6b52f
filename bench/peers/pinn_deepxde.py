#!/usr/bin/env python3
"""DeepXDE (PyTorch backend) peer of `pdekit pinn`: the same problems, networks, point counts and
iteration counts, timed stage by stage. Prints one JSON line per run.

  bench/.venv-pinn/bin/python bench/peers/pinn_deepxde.py poisson1d --iterations 10000 --lbfgs-iterations 1000
"""
import argparse, json, os, sys, time

os.environ.setdefault("DDE_BACKEND", "pytorch")
import numpy as np
import torch
import deepxde as dde


def relative_l2(a, b):
    a, b = np.ravel(a), np.ravel(b)
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def problem_poisson1d(args):
    geom = dde.geometry.Interval(-1, 1)

    def pde(x, y):
        return -dde.grad.hessian(y, x) - np.pi ** 2 * torch.sin(np.pi * x)

    bc = dde.icbc.DirichletBC(geom, lambda x: 0, lambda x, on_boundary: on_boundary)
    data = dde.data.PDE(geom, pde, bc, args.domain_points or 16, 2, num_test=100)
    x = np.linspace(-1, 1, 100)[:, None]
    return data, 1, x, np.sin(np.pi * x)


def problem_poisson2d(args):
    geom = dde.geometry.Rectangle([0, 0], [1, 1])

    def pde(x, y):
        lap = dde.grad.hessian(y, x, i=0, j=0) + dde.grad.hessian(y, x, i=1, j=1)
        return -lap - 2 * np.pi ** 2 * torch.sin(np.pi * x[:, 0:1]) * torch.sin(np.pi * x[:, 1:2])

    bc = dde.icbc.DirichletBC(geom, lambda x: 0, lambda x, on_boundary: on_boundary)
    data = dde.data.PDE(geom, pde, bc, args.domain_points or 500, args.boundary_points or 100, num_test=100)
    g = np.linspace(0, 1, 51)
    xx, yy = np.meshgrid(g, g, indexing="ij")
    x = np.stack([xx.ravel(), yy.ravel()], axis=1)
    return data, 2, x, np.sin(np.pi * x[:, 0]) * np.sin(np.pi * x[:, 1])


def problem_burgers(args):
    geom = dde.geometry.Interval(-1, 1)
    geomtime = dde.geometry.GeometryXTime(geom, dde.geometry.TimeDomain(0, 1))

    def pde(x, y):
        dy_x = dde.grad.jacobian(y, x, i=0, j=0)
        dy_t = dde.grad.jacobian(y, x, i=0, j=1)
        dy_xx = dde.grad.hessian(y, x, i=0, j=0)
        return dy_t + y * dy_x - 0.01 / np.pi * dy_xx

    bc = dde.icbc.DirichletBC(geomtime, lambda x: 0, lambda _, on_boundary: on_boundary)
    ic = dde.icbc.IC(geomtime, lambda x: -np.sin(np.pi * x[:, 0:1]), lambda _, on_initial: on_initial)
    boundary = args.boundary_points or 80
    data = dde.data.TimePDE(geomtime, pde, [bc, ic], num_domain=args.domain_points or 2540,
                            num_boundary=boundary, num_initial=2 * boundary)
    ref = np.load(args.reference)
    t, xs, usol = ref["t"].ravel(), ref["x"].ravel(), ref["usol"]   # usol[x, t]
    xx, tt = np.meshgrid(xs, t, indexing="ij")
    x = np.stack([xx.ravel(), tt.ravel()], axis=1)
    return data, 2, x, usol.ravel()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("problem", choices=["poisson1d", "poisson2d", "burgers"])
    parser.add_argument("--iterations", type=int, default=10000)
    parser.add_argument("--lbfgs-iterations", type=int, default=0)
    parser.add_argument("--width", type=int, default=None)
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--domain-points", type=int, default=0)
    parser.add_argument("--boundary-points", type=int, default=0)
    parser.add_argument("--precision", choices=["float32", "float64"], default="float64")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reference", default=os.path.join(os.path.dirname(__file__), "../../../shared/data/external/Burgers.npz"))
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    dde.config.set_default_float(args.precision)
    dde.config.set_random_seed(args.seed)
    data, dim, x_eval, u_eval = {"poisson1d": problem_poisson1d, "poisson2d": problem_poisson2d,
                                 "burgers": problem_burgers}[args.problem](args)
    width = args.width or (20 if args.problem == "burgers" else 50)
    net = dde.nn.FNN([dim] + [width] * args.depth + [1], "tanh", "Glorot uniform")
    model = dde.Model(data, net)
    model.compile("adam", lr=1e-3)
    start, cpu_start = time.perf_counter(), time.process_time()
    model.train(iterations=args.iterations, display_every=max(args.iterations, 1), verbose=0)
    adam_seconds = time.perf_counter() - start
    adam_cpu = time.process_time() - cpu_start
    error_adam = relative_l2(model.predict(x_eval), u_eval)
    lbfgs_seconds, lbfgs_cpu, lbfgs_steps = 0.0, 0.0, 0
    if args.lbfgs_iterations > 0:
        dde.optimizers.config.set_LBFGS_options(maxiter=args.lbfgs_iterations)
        model.compile("L-BFGS")
        start, cpu_start = time.perf_counter(), time.process_time()
        model.train(verbose=0)
        lbfgs_seconds = time.perf_counter() - start
        lbfgs_cpu = time.process_time() - cpu_start
        lbfgs_steps = model.train_state.step - args.iterations
    error = relative_l2(model.predict(x_eval), u_eval)
    print(json.dumps({
        "peer": "deepxde", "backend": "pytorch", "torch": torch.__version__, "deepxde": dde.__version__,
        "threads": torch.get_num_threads(), "problem": args.problem, "precision": args.precision,
        "network": [dim] + [width] * args.depth + [1], "adam_iterations": args.iterations,
        "lbfgs_iterations": args.lbfgs_iterations, "lbfgs_steps_reported": lbfgs_steps,
        "adam_seconds": round(adam_seconds, 3), "lbfgs_seconds": round(lbfgs_seconds, 3),
        "wall_seconds": round(adam_seconds + lbfgs_seconds, 3), "cpu_seconds": round(adam_cpu + lbfgs_cpu, 3),
        "adam_cpu_seconds": round(adam_cpu, 3),
        "adam_ms_per_step": round(1000 * adam_seconds / max(args.iterations, 1), 4),
        "relative_l2_after_adam": error_adam, "relative_l2": error,
    }))


if __name__ == "__main__":
    main()
