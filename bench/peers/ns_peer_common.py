"""What the two Navier-Stokes peers (ns_neuralop.py: next-step FNO-2D, ns_spacetime_neuralop.py: FNO-3D
space-time) share: their flags, the data loading, the loss and the optimizer with its schedule, so both
follow PDEKit's `train fno` the same way.

- flags: --data/--key, the split (--train, of which the last --validation validate; the next --test
  test), --history, --subsample, --epochs, --batch, --width, --modes, --layers, --threads, --seed;
- `load`: `sol` [N, n, n, T] (time last) in drawing order by `sample_index` (pdekit's --sample-order
  sampled), every stride-th grid point from 0, returned as [N, T, n, n];
- `relative_l2`: the batch mean of ||p - u|| / ||u|| per sample;
- Adam (lr 1e-3, L2 weight decay 1e-4), the step schedule (x0.5 every 100 epochs) and a seeded generator
  for the per-epoch shuffles.
"""
import argparse

import h5py
import numpy as np
import torch


def parse_arguments(batch, modes, threads):
    """The flags of both peers; `batch`, `modes` and `threads` are the task's defaults."""
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--key", default="sol")
    p.add_argument("--train", type=int, required=True)
    p.add_argument("--validation", type=int, required=True)
    p.add_argument("--test", type=int, required=True)
    p.add_argument("--history", type=int, default=10)
    p.add_argument("--subsample", type=int, default=1)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch", type=int, default=batch)
    p.add_argument("--width", type=int, default=20)
    p.add_argument("--modes", type=int, default=modes)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--threads", type=int, default=threads)
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args()


def load(path, key, stride=1):
    with h5py.File(path, "r") as f:
        sol = np.asarray(f[key], dtype=np.float32)
        if "sample_index" in f:
            order = np.argsort(np.asarray(f["sample_index"]).reshape(-1), kind="stable")
            sol = sol[order]
    sol = sol[:, ::stride, ::stride]                        # pdekit's --subsample: every stride-th point from 0
    return np.ascontiguousarray(np.moveaxis(sol, -1, 1))  # [N, T, n, n]


def prepare(a):
    """Sets the thread count and the seed; returns the states [N, T, n, n] and the training count."""
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    return torch.from_numpy(load(a.data, a.key, a.subsample)), a.train - a.validation


def relative_l2(prediction, target):
    b = prediction.shape[0]
    return ((prediction - target).reshape(b, -1).norm(dim=1) / target.reshape(b, -1).norm(dim=1)).mean()


def optimizer_and_schedule(model, seed):
    """Adam with L2 weight decay, the halving step schedule and the shuffle generator."""
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=100, gamma=0.5)
    return optimizer, scheduler, torch.Generator().manual_seed(seed)
