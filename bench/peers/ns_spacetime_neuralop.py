"""PyTorch + neuraloperator peer of `pdekit train fno --task space-time` (Li et al. 2021's FNO-3D) on a
`pdekit generate navier-stokes` file: the same trajectories, split, pairs, normalization, loss, optimizer
and epochs, so the errors and the time per epoch compare.

Data: `sol` [N, n, n, T] (time last), rows put in drawing order by `sample_index` (pdekit's
--sample-order sampled), every --subsample-th grid point; of the first --train rows the last
--validation validate, the next --test rows test. Pairs (Trajectories.spaceTimePairs in PDEKit): the
first --history states as channels, each repeated along a time axis of the K = T - history steps to
predict, inputs [N, history, n, n, K]; targets the K later states, [N, 1, n, n, K] (time the last grid
axis). Inputs and targets are normalized per point with the mean and unbiased standard deviation over
the training samples (+1e-5); the model sees encoded inputs, its output is decoded with the target
statistics, the loss is the batch mean of the relative L2 against the raw targets. Adam (lr 1e-3, L2
weight decay 1e-4), step schedule (x0.5 every 100 epochs), a fresh seeded shuffle each epoch. After each
epoch the validation relative L2 (mean over samples of ||p - u|| / ||u|| over all of space-time)
selects the model reported on the test samples, with the per-step curve (the relative L2 of each of the
K steps, averaged over samples). Time per epoch includes that validation.

Model: neuraloperator's FNO on 3 axes (grid embedding of x, y, t; lifting/projection channel MLPs,
per-block channel MLP and soft-gating skip: the layout `--preset neuraloperator` mirrors),
n_modes (m, m, m), hidden channels --width, --layers blocks.

Usage (torch venv: bench/peers/setup-torch-venv.sh):
  OMP_NUM_THREADS=1 bench/.venv-torch/bin/python bench/peers/ns_spacetime_neuralop.py --data ns64.h5 \
      --train 44 --validation 4 --test 16 --history 10 --subsample 2 --epochs 20 --modes 8 --width 20 \
      --batch 10 --threads 1
and side by side:
  PDEKIT_THREADS=1 OPENBLAS_NUM_THREADS=1 pdekit train fno --task space-time --history 10 --data ns64.h5 \
      --train 44 --validation 4 --test 16 --subsample 2 --epochs 20 --preset neuraloperator --modes 8 \
      --width 20 --batch-size 10 --output runs/pdekit-3d --quiet
Prints one JSON line.
"""
import copy, json, os, sys, time

import torch
from neuralop.models import FNO

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ns_peer_common import optimizer_and_schedule, parse_arguments, prepare, relative_l2  # noqa: E402


def space_time_pairs(states, history):
    """[N, T, n, n] -> inputs [N, h, n, n, K] (first h states repeated over K), targets [N, 1, n, n, K]."""
    k = states.shape[1] - history
    inputs = states[:, :history, :, :, None].expand(-1, -1, -1, -1, k).contiguous()
    targets = states[:, history:].permute(0, 2, 3, 1)[:, None].contiguous()
    return inputs, targets


def pointwise(train):
    flat = train.double()
    return flat.mean(dim=0).float(), (flat.std(dim=0, unbiased=True) + 1e-5).float()


def predict(model, inputs, x_mean, x_scale, y_mean, y_scale, batch):
    model.eval()
    with torch.no_grad():
        out = torch.cat([model((inputs[s:s + batch] - x_mean) / x_scale) for s in range(0, inputs.shape[0], batch)])
    model.train()
    return out * y_scale + y_mean


def errors(prediction, truth):
    n, k = truth.shape[0], truth.shape[-1]
    full = ((prediction - truth).reshape(n, -1).norm(dim=1) / truth.reshape(n, -1).norm(dim=1)).mean()
    diff = (prediction - truth).movedim(-1, 1).reshape(n, k, -1)
    per_step = (diff.norm(dim=2) / truth.movedim(-1, 1).reshape(n, k, -1).norm(dim=2)).mean(dim=0)
    return float(full), [float(v) for v in per_step]


def main():
    a = parse_arguments(batch=10, modes=8, threads=1)
    states, n_train = prepare(a)
    x, y = space_time_pairs(states, a.history)
    x_train, y_train = x[:n_train], y[:n_train]
    x_val, y_val = x[n_train:a.train], y[n_train:a.train]
    x_test, y_test = x[a.train:a.train + a.test], y[a.train:a.train + a.test]
    x_mean, x_scale = pointwise(x_train)
    y_mean, y_scale = pointwise(y_train)
    encoded = (x_train - x_mean) / x_scale
    model = FNO(n_modes=(a.modes, a.modes, a.modes), in_channels=a.history, out_channels=1,
                hidden_channels=a.width, n_layers=a.layers)
    optimizer, scheduler, generator = optimizer_and_schedule(model, a.seed)
    best, best_state, history, seconds = float("inf"), None, [], []
    for epoch in range(a.epochs):
        start = time.perf_counter()
        order = torch.randperm(n_train, generator=generator)
        total = 0.0
        for b in range(0, n_train, a.batch):
            idx = order[b:b + a.batch]
            optimizer.zero_grad(set_to_none=True)
            loss = relative_l2(model(encoded[idx]) * y_scale + y_mean, y_train[idx])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(idx)
        scheduler.step()
        val, _ = errors(predict(model, x_val, x_mean, x_scale, y_mean, y_scale, a.batch), y_val)
        seconds.append(time.perf_counter() - start)
        history.append({"epoch": epoch + 1, "train_loss": total / n_train, "validation_relative_l2": val})
        if val < best:
            best, best_state, best_epoch = val, copy.deepcopy(model.state_dict()), epoch + 1
    final, _ = errors(predict(model, x_test, x_mean, x_scale, y_mean, y_scale, a.batch), y_test)
    model.load_state_dict(best_state)
    chosen, per_step = errors(predict(model, x_test, x_mean, x_scale, y_mean, y_scale, a.batch), y_test)
    print(json.dumps({"implementation": "neuraloperator", "task": "space-time", "torch": torch.__version__, "epochs": a.epochs,
                      "train_samples": n_train, "validation_samples": a.validation, "test_samples": a.test,
                      "history": a.history, "steps_out": y.shape[-1], "grid": list(x.shape[2:]),
                      "parameters": sum(p.numel() for p in model.parameters()), "best_epoch": best_epoch,
                      "best_validation_relative_l2": best, "test_relative_l2": chosen,
                      "test_relative_l2_per_step": per_step, "final_test_relative_l2": final,
                      "mean_epoch_seconds": sum(seconds) / len(seconds), "history_per_epoch": history}, sort_keys=True))


if __name__ == "__main__":
    main()
