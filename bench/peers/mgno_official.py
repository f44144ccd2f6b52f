"""Peer and fixture maker for PDEKit's MgNO: the official MgNO network (He, Liu & Xu, ICLR 2024;
github.com/xlliu2017/MgNO, models.py: MgConv_DC / MgNO_DC, MgConv_DC_smooth, MgConv / MgNO_NS),
re-expressed here from its structure. Module names reproduce the official state_dict keys
(conv_list.{l}.layer{j}.{k}.S.weight, ...), which are also PDEKit's parameter paths.

The official cycle, per MgConv (f: c_f channels in, u: c_u channels out), levels j = 0..J-1:
  level 0:  u = S f                          (no A before the first smoothing)
  level j:  f <- R f, u <- Pi u              (stride-2 3x3 convolutions; the right-hand side itself)
  each further smoothing step, own A and S:  u <- u + S(f - A u)
  upward:   u_j <- [LayerNorm](u_j + RT_j u_{j+1}), then post-smoothing steps on level j
Blocks (MgNO_DC): u <- gelu(MgConv u + W u + b); head: 1x1 projection without bias.
MgNO_NS: no W, biases on A/S, LayerNorm per corrected level, output + input.

Modes (torch CPU venv: /work/main/bench/.venv-torch, made by setup-torch-venv.sh; no other package):
  python mgno_official.py fixtures --output Tests/Fixtures/mgno-official
      writes <variant>.weights.safetensors (the state_dict) and <variant>.io.safetensors (inputs and
      outputs, float32) for: darcy (the rough-Darcy run, 572,661 parameters) at 64, 96, 128 (batch 2);
      ns-small (MgNO_NS options at width 4, 2 blocks, 3 levels, post-smoothing on the finest level) at 64;
      smooth-small (MgConv_DC_smooth prolongations 3,4,3,3,4 at width 4, 2 blocks) at 211;
      helmholtz-small (MgNO_helm at width 2, 2 blocks; the README's run is width 20, 4 blocks) at 101.
  python mgno_official.py verify --official DIR
      checks this rewrite against the official models.py in DIR (a checkout of xlliu2017/MgNO; torchinfo
      and utilities3 are stubbed): same state_dict keys, parameter counts and outputs for the variants,
      and for MgNO_helm as the README's Helmholtz run builds it (4 blocks, 20 channels).
  python mgno_official.py bench --size 64 --mode forward|train [--compile] [--batch 8] [--repeat 5] [--threads 2]
      one JSON line: median/min wall seconds, min process-CPU seconds, peak RSS and peak RSS net of the
      state before the first step. On a loaded machine use --threads 1: torch's 2 OpenMP threads then
      wait on each other (measured 5-8 s wall for a 0.4 s forward at load 16).
"""
import argparse, json, resource, statistics, struct, sys, time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Smoothing(nn.Module):
    """u <- u + S(f - A u); without A (the very first step) u = S f."""

    def __init__(self, c_f, c_u, first, bias, padding_mode):
        super().__init__()
        conv = lambda cin, cout: nn.Conv2d(cin, cout, 3, 1, 1, bias=bias, padding_mode=padding_mode)
        if not first:
            self.A = conv(c_u, c_f)
        self.S = conv(c_f, c_u)
        self.first = first

    def forward(self, pair):
        u, f = pair
        return (self.S(f) if self.first else u + self.S(f - self.A(u))), f


class Restriction(nn.Module):
    """f <- R f, u <- Pi u (no biases)."""

    def __init__(self, c_f, c_u, padding_mode, coarse_f=None, coarse_u=None, padding=1):
        super().__init__()
        self.Pi = nn.Conv2d(c_u, coarse_u or c_u, 3, 2, padding, bias=False, padding_mode=padding_mode)
        self.R = nn.Conv2d(c_f, coarse_f or c_f, 3, 2, padding, bias=False, padding_mode=padding_mode)

    def forward(self, pair):
        u, f = pair
        return self.Pi(u), self.R(f)


class VCycle(nn.Module):
    def __init__(self, schedule, c_u, c_f, padding_mode="zeros", bias=False, kernels=None, norm_grid=None):
        super().__init__()
        levels = len(schedule)
        kernels = kernels or [4] * (levels - 1)
        self.levels = levels
        self.RTlayers = nn.ModuleList(nn.ConvTranspose2d(c_u, c_u, k, 2, 1, bias=False) for k in kernels)
        if norm_grid is not None:
            self.norm_layer_list = nn.ModuleList(
                nn.LayerNorm([c_u, -(-norm_grid // 2 ** j), -(-norm_grid // 2 ** j)]) for j in range(levels - 1))
        else:
            self.norm_layer_list = None
        for j, (pre, post) in enumerate(schedule):
            steps = [] if j == 0 else [Restriction(c_f, c_u, padding_mode)]
            steps += [Smoothing(c_f, c_u, j == 0 and i == 0, bias, padding_mode) for i in range(pre)]
            setattr(self, f"layer{j}", nn.Sequential(*steps))
            setattr(self, f"post_smooth_layer{j}",
                    nn.Sequential(*[Smoothing(c_f, c_u, False, bias, padding_mode) for _ in range(post)]))

    def forward(self, f):
        pair, kept = (None, f), []
        for j in range(self.levels):
            pair = getattr(self, f"layer{j}")(pair)
            kept.append(pair)
        for j in range(self.levels - 2, -1, -1):
            u, f_j = kept[j]
            u = u + self.RTlayers[j](kept[j + 1][0])
            if self.norm_layer_list is not None:
                u = self.norm_layer_list[j](u)
            kept[j] = getattr(self, f"post_smooth_layer{j}")((u, f_j))
        return kept[0][0]


class Network(nn.Module):
    def __init__(self, schedule, width, layers, c_in=1, padding_mode="zeros", bias=False, kernels=None,
                 norm_grid=None, pointwise=True, residual=False):
        super().__init__()
        self.conv_list = nn.ModuleList(
            VCycle(schedule, width, c_in if l == 0 else width, padding_mode, bias, kernels, norm_grid) for l in range(layers))
        self.linear_list = nn.ModuleList(
            nn.Conv2d(c_in if l == 0 else width, width, 1) for l in range(layers)) if pointwise else None
        head = nn.Conv2d(width, 1, 1, bias=False)
        if pointwise:
            self.linear = head
        else:
            self.last_layer = head
        self.pointwise, self.residual = pointwise, residual

    def forward(self, a):
        u = a
        for l, cycle in enumerate(self.conv_list):
            u = F.gelu(cycle(u) + self.linear_list[l](u)) if self.pointwise else F.gelu(cycle(u))
        u = self.linear(u) if self.pointwise else self.last_layer(u)
        return u + a if self.residual else u


class HelmholtzCycle(nn.Module):
    """MgConv_helm: level j has (j+1)*c_f right-hand-side and (j+1)*c_u iterate channels; A and S (3x3,
    reflect padding, biases) on every step, the first step's A unused (u = S f); R, Pi stride-2 3x3
    without padding or bias; RT_j transposed (j+2)c_u -> (j+1)c_u, kernel 3 or 4, stride 2, no padding."""

    def __init__(self, steps, c_u, c_f, kernels):
        super().__init__()
        self.levels = len(steps)
        self.RTlayers = nn.ModuleList(nn.ConvTranspose2d(c_u * (j + 2), c_u * (j + 1), k, 2, 0, bias=False)
                                      for j, k in enumerate(kernels))
        for j, count in enumerate(steps):
            m = j + 1
            modules = [] if j == 0 else [Restriction(c_f * j, c_u * j, "zeros", c_f * m, c_u * m, padding=0)]
            for i in range(count):
                step = Smoothing(c_f * m, c_u * m, False, True, "reflect")
                step.first = j == 0 and i == 0
                modules.append(step)
            setattr(self, f"layer{j}", nn.Sequential(*modules))

    def forward(self, f):
        pair, kept = (None, f), []
        for j in range(self.levels):
            pair = getattr(self, f"layer{j}")(pair)
            kept.append(pair[0])
        for j in range(self.levels - 2, -1, -1):
            kept[j] = kept[j] + self.RTlayers[j](kept[j + 1])
        return kept[0]


class HelmholtzNetwork(nn.Module):
    """MgNO_helm: u <- gelu(LayerNorm_l(MgConv_helm_l u)) for l < layers, then a last MgConv_helm to 1 channel."""

    def __init__(self, steps, width, layers, grid, kernels, c_in=1):
        super().__init__()
        self.norm_layer_list = nn.ModuleList(nn.LayerNorm([width, grid, grid]) for _ in range(layers))
        self.conv_list = nn.ModuleList(HelmholtzCycle(steps, width, c_in if l == 0 else width, kernels) for l in range(layers))
        self.last_layer = HelmholtzCycle(steps, 1, width, kernels)

    def forward(self, u):
        for norm, cycle in zip(self.norm_layer_list, self.conv_list):
            u = F.gelu(norm(cycle(u)))
        return self.last_layer(u)


ROUGH_DARCY = [[1, 0]] * 5 + [[2, 0]]
HELMHOLTZ = [1, 1, 1, 1, 2]
HELMHOLTZ_KERNELS = [3, 4, 4, 3]


def variants():
    return {
        "darcy": (lambda: Network(ROUGH_DARCY, 24, 4), [64, 96, 128], 2),
        "ns-small": (lambda: Network([[1, 1], [1, 0], [2, 0]], 4, 2, padding_mode="circular", bias=True, norm_grid=64,
                                     pointwise=False, residual=True), [64], 2),
        "smooth-small": (lambda: Network(ROUGH_DARCY, 4, 2, kernels=[3, 4, 3, 3, 4]), [211], 1),
        "helmholtz-small": (lambda: HelmholtzNetwork(HELMHOLTZ, 2, 2, 101, HELMHOLTZ_KERNELS), [101], 2),
    }


def write_safetensors(path, tensors):
    """The safetensors layout: 8-byte little-endian header length, JSON header, raw little-endian data."""
    header, blobs, offset = {}, [], 0
    for name, array in tensors.items():
        data = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def fixtures(args):
    import os
    os.makedirs(args.output, exist_ok=True)
    for name, (build, sizes, batch) in variants().items():
        torch.manual_seed(0)
        model = build().eval()
        with torch.no_grad():     # small random biases for the LayerNorm affine parts, so they are tested
            for key, p in model.named_parameters():
                if "norm_layer_list" in key:   # (and the Helmholtz blocks' norms)
                    p.add_(0.1 * torch.randn_like(p))
        weights = {k: v.detach().numpy() for k, v in model.state_dict().items()}
        write_safetensors(f"{args.output}/{name}.weights.safetensors", weights)
        io, generator = {}, torch.Generator().manual_seed(1)
        for n in sizes:
            x = torch.randn(batch, 1, n, n, generator=generator)
            with torch.no_grad():
                y = model(x)
            io[f"input.{n}"], io[f"output.{n}"] = x.numpy(), y.numpy()
        write_safetensors(f"{args.output}/{name}.io.safetensors", io)
        print(json.dumps({"variant": name, "parameters": sum(p.numel() for p in model.parameters()), "sizes": sizes}))


def verify(args):
    import types
    sys.modules.setdefault("torchinfo", types.SimpleNamespace(summary=lambda *a, **k: None))
    sys.modules.setdefault("utilities3", types.SimpleNamespace(count_params=lambda m: sum(p.numel() for p in m.parameters())))
    sys.path.insert(0, args.official)
    import models as official
    pairs = {
        "darcy": (official.MgNO_DC(4, 24, 1, 1, ROUGH_DARCY), variants()["darcy"][0](), 64),
        "smooth-small": (official.MgNO_DC_smooth(2, 4, 1, 1, ROUGH_DARCY), variants()["smooth-small"][0](), 211),
        "ns-small": (official.MgNO_NS(2, 4, 1, 1, [[1, 1], [1, 0], [2, 0]], bias=True), variants()["ns-small"][0](), 64),
        "helmholtz-small": (official.MgNO_helm(2, 2, 1, 1, HELMHOLTZ), variants()["helmholtz-small"][0](), 101),
        "helmholtz": (official.MgNO_helm(4, 20, 1, 1, HELMHOLTZ), HelmholtzNetwork(HELMHOLTZ, 20, 4, 101, HELMHOLTZ_KERNELS), 101),
    }
    for name, (theirs, ours, n) in pairs.items():
        state = ours.state_dict()
        assert set(state) == set(theirs.state_dict()), (name, set(state) ^ set(theirs.state_dict()))
        theirs.load_state_dict(state)
        x = torch.randn(2, 1, n, n)
        with torch.no_grad():
            a, b = theirs(x), ours(x)
        print(json.dumps({"variant": name, "parameters": sum(p.numel() for p in theirs.parameters()),
                          "relative_difference": float((a - b).norm() / a.norm())}))


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2 ** 20


def bench(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = Network(ROUGH_DARCY, 24, 4)
    x = torch.randn(args.batch, 1, args.size, args.size)
    y = torch.randn(args.batch, 1, args.size, args.size)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    run = torch.compile(model) if args.compile else model

    def relative_l2(p, t):
        b = p.shape[0]
        return ((p - t).reshape(b, -1).norm(dim=1) / t.reshape(b, -1).norm(dim=1)).mean()

    def train_step():
        optimizer.zero_grad(set_to_none=True)
        loss = relative_l2(run(x), y)
        loss.backward()
        optimizer.step()

    def forward():
        with torch.no_grad():
            run(x)

    step = train_step if args.mode == "train" else forward
    start_rss = rss_mb()
    compile_start = time.perf_counter()
    for _ in range(args.warmup):
        step()
    warmup_seconds = time.perf_counter() - compile_start
    times, cpu = [], []
    for _ in range(args.repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        step()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({
        "implementation": "pytorch-compile" if args.compile else "pytorch-eager", "benchmark": "mgno",
        "config": "darcy", "mode": args.mode, "size": args.size, "batch": args.batch, "threads": args.threads,
        "parameters": sum(p.numel() for p in model.parameters()),
        "seconds_median": statistics.median(times), "seconds_min": min(times), "cpu_seconds_min": min(cpu),
        "warmup_seconds": warmup_seconds,
        "peak_rss_mb": round(peak, 1), "peak_rss_net_mb": round(peak - start_rss, 1), "torch": torch.__version__,
    }), flush=True)


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    f = sub.add_parser("fixtures")
    f.add_argument("--output", required=True)
    v = sub.add_parser("verify")
    v.add_argument("--official", required=True)
    b = sub.add_parser("bench")
    b.add_argument("--size", type=int, default=64)
    b.add_argument("--mode", choices=["forward", "train"], default="train")
    b.add_argument("--compile", action="store_true")
    b.add_argument("--batch", type=int, default=8)
    b.add_argument("--repeat", type=int, default=5)
    b.add_argument("--warmup", type=int, default=2)
    b.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    {"fixtures": fixtures, "verify": verify, "bench": bench}[args.command](args)


if __name__ == "__main__":
    main()
