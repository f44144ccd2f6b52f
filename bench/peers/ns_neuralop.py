"""PyTorch + neuraloperator peer of `pdekit train fno --task next-step` on a `pdekit generate navier-stokes`
file: the same trajectories, split, normalization, loss, optimizer and epochs, so the rollout errors and
the time per epoch compare.

Data: `sol` [N, n, n, T] (time last), rows put in drawing order by `sample_index` (pdekit's
--sample-order sampled); of the first --train rows the last --validation validate, the next --test rows
test. Windows: the last --history states (channels) -> the next state; teacher forcing. States are
normalized per grid point with the mean and unbiased standard deviation of all training states
(+1e-5), the model predicts the next normalized state, the loss is the batch mean of the relative L2
of the decoded prediction against the raw next state. Adam (lr 1e-3, L2 weight decay 1e-4), the step
schedule (x0.5 every 100 epochs), batch 20, a fresh seeded shuffle each epoch. After every epoch the
validation trajectories are rolled out from their first --history states; the lowest full-rollout
relative L2 (mean over trajectories of ||p - u|| / ||u|| over all predicted steps) picks the model
reported on the test trajectories, with the per-step curve. Time per epoch includes that validation.

Model: neuraloperator's FNO (grid embedding, lifting/projection channel MLPs, per-block channel MLP and
soft-gating skip: the layout `--preset neuraloperator` mirrors), hidden channels --width, 4 blocks,
modes: Li et al.'s "12 modes" block (neuraloperator n_modes=(24, 22) keeps 24 x 12, see fno_torch.py).

Usage (torch venv: bench/peers/setup-torch-venv.sh):
  bench/.venv-torch/bin/python bench/peers/ns_neuralop.py --data ns64.h5 --train 44 --validation 4 --test 16 \
      --history 10 --subsample 2 --epochs 10 --width 20 --threads 2
Prints one JSON line.
"""
import copy, json, os, sys, time

import torch
from neuralop.models import FNO

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ns_peer_common import optimizer_and_schedule, parse_arguments, prepare, relative_l2  # noqa: E402


def rollout(model, states, history, mean, scale, batch):
    """Encoded rollouts from the first `history` states; returns decoded predictions [N, T-h, n, n]."""
    model.eval()
    outputs = []
    with torch.no_grad():
        for start in range(0, states.shape[0], batch):
            window = (states[start:start + batch, :history] - mean) / scale
            steps = []
            for _ in range(states.shape[1] - history):
                nxt = model(window)            # [b, 1, n, n], encoded
                steps.append(nxt[:, 0] * scale[0] + mean[0])
                window = torch.cat([window[:, 1:], nxt], dim=1)
            outputs.append(torch.stack(steps, dim=1))
    model.train()
    return torch.cat(outputs)


def errors(prediction, truth):
    n, k = truth.shape[:2]
    diff = (prediction - truth).reshape(n, k, -1)
    t = truth.reshape(n, k, -1)
    per_step = (diff.norm(dim=2) / t.norm(dim=2)).mean(dim=0)
    full = (diff.reshape(n, -1).norm(dim=1) / t.reshape(n, -1).norm(dim=1)).mean()
    return float(full), [float(v) for v in per_step]


def main():
    a = parse_arguments(batch=20, modes=12, threads=2)
    states, n_train = prepare(a)
    train, validation, test = states[:n_train], states[n_train:a.train], states[a.train:a.train + a.test]
    h, steps = a.history, states.shape[1]
    flat = train.reshape(-1, 1, *train.shape[2:]).double()
    mean = flat.mean(dim=0).float()                          # [1, n, n]
    scale = (flat.std(dim=0, unbiased=True) + 1e-5).float()
    encoded = (train - mean) / scale
    windows = [(s, t) for s in range(n_train) for t in range(steps - h)]
    model = FNO(n_modes=(2 * a.modes, 2 * a.modes - 2), in_channels=h, out_channels=1,
                hidden_channels=a.width, n_layers=a.layers)
    optimizer, scheduler, generator = optimizer_and_schedule(model, a.seed)
    best, best_state, history, seconds = float("inf"), None, [], []
    for epoch in range(a.epochs):
        start = time.perf_counter()
        order = torch.randperm(len(windows), generator=generator).tolist()
        total = 0.0
        for b in range(0, len(order), a.batch):
            idx = [windows[i] for i in order[b:b + a.batch]]
            x = torch.stack([encoded[s, t:t + h] for s, t in idx])
            y = torch.stack([train[s, t + h:t + h + 1] for s, t in idx])
            optimizer.zero_grad(set_to_none=True)
            loss = relative_l2(model(x) * scale + mean, y)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(idx)
        scheduler.step()
        val, _ = errors(rollout(model, validation, h, mean, scale, a.batch), validation[:, h:])
        seconds.append(time.perf_counter() - start)
        history.append({"epoch": epoch + 1, "train_loss": total / len(windows), "validation_rollout_relative_l2": val})
        if val < best:
            best, best_state = val, copy.deepcopy(model.state_dict())
    final, _ = errors(rollout(model, test, h, mean, scale, a.batch), test[:, h:])
    model.load_state_dict(best_state)
    chosen, per_step = errors(rollout(model, test, h, mean, scale, a.batch), test[:, h:])
    print(json.dumps({"implementation": "neuraloperator", "torch": torch.__version__, "epochs": a.epochs,
                      "train_trajectories": n_train, "validation_trajectories": a.validation, "test_trajectories": a.test,
                      "history": h, "rollout_steps": steps - h, "grid": list(states.shape[2:]),
                      "parameters": sum(p.numel() for p in model.parameters()),
                      "best_validation_rollout_relative_l2": best, "test_rollout_relative_l2": chosen,
                      "test_relative_l2_per_step": per_step, "final_test_rollout_relative_l2": final,
                      "mean_epoch_seconds": sum(seconds) / len(seconds), "history_per_epoch": history}, sort_keys=True))


if __name__ == "__main__":
    main()
