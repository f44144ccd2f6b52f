#!/usr/bin/env python3
"""DeepXDE peer of `pdekit deeponet`: the antiderivative_aligned example settings.

DeepONetCartesianProd, branch [100, 40, 40], trunk [1, 40, 40], ReLU, Glorot normal, Adam lr 1e-3,
full batch, 10,000 iterations (PyTorch backend, float32). Prints one JSON line with the training
wall and CPU time and the mean relative L2 error on the test set of the last parameters (and DeepXDE's
"best model" test metric: the logged step with the lowest training loss).
Usage: deeponet_deepxde.py TRAIN.npz TEST.npz [iterations] [seed]
"""
import json
import os
import sys
import time

os.environ.setdefault("DDE_BACKEND", "pytorch")
import numpy as np  # noqa: E402
import deepxde as dde  # noqa: E402
import torch  # noqa: E402


def load(path):
    d = np.load(path, allow_pickle=True)
    return (d["X"][0].astype(np.float32), d["X"][1].astype(np.float32)), d["y"].astype(np.float32)


def main():
    train_path, test_path = sys.argv[1], sys.argv[2]
    iterations = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    x_train, y_train = load(train_path)
    x_test, y_test = load(test_path)
    dde.config.set_random_seed(seed)
    data = dde.data.TripleCartesianProd(X_train=x_train, y_train=y_train, X_test=x_test, y_test=y_test)
    m, dim_x = x_train[0].shape[1], x_train[1].shape[1]
    net = dde.nn.DeepONetCartesianProd([m, 40, 40], [dim_x, 40, 40], "relu", "Glorot normal")
    model = dde.Model(data, net)
    model.compile("adam", lr=0.001, metrics=["mean l2 relative error"])
    start, start_cpu = time.perf_counter(), time.process_time()
    losshistory, train_state = model.train(iterations=iterations, display_every=1000, verbose=0)
    wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    prediction = model.predict(x_test)
    rel = np.linalg.norm(prediction - y_test, axis=1) / np.linalg.norm(y_test, axis=1)
    print(json.dumps({
        "tool": "deepxde", "deepxde": dde.__version__, "torch": torch.__version__,
        "threads": torch.get_num_threads(), "iterations": iterations, "seed": seed,
        "train_seconds": round(wall, 3), "train_cpu_seconds": round(cpu, 3), "test_relative_l2": float(rel.mean()),
        # DeepXDE's own "Best model" report: the test metric at the logged step (every 1000) with the lowest train loss.
        "best_step": int(train_state.best_step), "best_test_relative_l2": float(train_state.best_metrics[0]),
    }))


if __name__ == "__main__":
    main()
