"""PyTorch + neuraloperator peer of `pdekit bench fno`: one FNO-2D training step (forward, relative
L2 loss, backward, Adam) and one inference pass, timed on the same shapes.

Li et al.'s "modes 12" keeps 12 positive and 12 negative frequencies along the first axis and 12 along
the halved last axis; neuraloperator counts modes differently (total per axis, last axis n//2+1), so
n_modes=(24, 22) retains exactly the same 24 x 12 block. The rest are neuraloperator's FNO defaults
(grid embedding, lifting/projection channel MLPs with ratio 2, a channel MLP with expansion 0.5 and
a soft-gating skip per block, linear fno skip), which `FNOConfiguration.neuraloperatorDefaults` mirrors.

Usage: python fno_torch.py --size 64 --mode train [--batch 20] [--repeat 10] [--threads 2]
Prints one JSON line; peak memory is this process's maximum resident set (getrusage).
"""
import argparse, json, resource, statistics, time

import torch
from neuralop.models import FNO


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--mode", choices=["train", "inference"], default="train")
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--modes", type=int, default=12)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--layers", type=int, default=4)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = FNO(n_modes=(2 * args.modes, 2 * args.modes - 2), in_channels=1, out_channels=1,
                hidden_channels=args.width, n_layers=args.layers)
    x = torch.randn(args.batch, 1, args.size, args.size)
    y = torch.randn(args.batch, 1, args.size, args.size)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def relative_l2(prediction, target):
        b = prediction.shape[0]
        diff = (prediction - target).reshape(b, -1).norm(dim=1)
        return (diff / target.reshape(b, -1).norm(dim=1)).mean()

    def train_step():
        optimizer.zero_grad(set_to_none=True)
        loss = relative_l2(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    def inference():
        with torch.no_grad():
            return model(x).sum().item()

    step = train_step if args.mode == "train" else inference
    if args.mode == "inference":
        model.eval()
    for _ in range(args.warmup):
        step()
    times, cpu_times = [], []
    for _ in range(args.repeat):
        start, cpu_start = time.perf_counter(), time.process_time()
        step()
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({
        "implementation": "pytorch", "benchmark": "fno2d", "mode": args.mode, "size": args.size,
        "batch": args.batch, "modes": args.modes, "width": args.width, "layers": args.layers,
        "threads": args.threads, "parameters": sum(p.numel() for p in model.parameters()),
        "seconds_median": statistics.median(times), "seconds_min": min(times),
        "cpu_seconds_median": statistics.median(cpu_times),
        "peak_rss_mb": round(peak, 1), "torch": torch.__version__,
    }), flush=True)


if __name__ == "__main__":
    main()
