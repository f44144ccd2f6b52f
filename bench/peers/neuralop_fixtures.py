"""Fixtures for PDEKit's neuraloperator import (Tests/Fixtures/neuraloperator) and the export round trip.

Run in the torch virtual environment (torch CPU + neuraloperator, made by the bench setup):
    /work/main/bench/.venv-torch/bin/python bench/peers/neuralop_fixtures.py make   [--out Tests/Fixtures/neuraloperator]
    /work/main/bench/.venv-torch/bin/python bench/peers/neuralop_fixtures.py check-export DIR --reference NAME

    PYTHONPATH=/work/venvs/neuralop03/site /work/main/bench/.venv-torch/bin/python bench/peers/neuralop_fixtures.py make-legacy

The 0.3 package goes into a directory of its own, never into the torch environment (which keeps 2.0):
    /work/main/bench/.venv-torch/bin/python -m pip install --no-deps --target /work/venvs/neuralop03/site \
        neuraloperator==0.3.0 tensorly tensorly-torch opt-einsum configmypy ruamel.yaml torch-harmonics

`make` builds neuraloperator FNOs (2-D n_modes=(16,16) width 32; 1-D; a small 3-D), trains each
briefly on a synthetic PDE with an exact solution (periodic Poisson -Δu = f in 1-D and 2-D, the heat
equation u(t=0.05) in 3-D; f a smooth random field), then writes
  <name>_state_dict.pt + <name>_metadata.pkl   model.save_checkpoint (2-D)
  <name>.pt                                    plain torch.save(model.state_dict()) (1-D, 3-D)
  fno1d.safetensors                            the 1-D state dict as safetensors (complex64 as C64)
  tfno2d_tucker.pt                             a small Tucker TFNO (refused by the importer)
  fno2d_padded.pt                              a small 2-D FNO with domain_padding=0.25 (symmetric)
`fortran-fixture` writes fno2d_padded_expected.f64 (input and PyTorch's output at 34x34 as a raw
column-major float64 stream) for Examples/fortran-import.
`make-legacy` trains three small neuraloperator 0.3.0 FNOs the same way and saves them with 0.3's
save_checkpoint (fno2d_v03: per-layer weights; fno2d_v03_joint_padded: joint_factorization=True,
the stacked layout, and one-sided domain padding 0.25; fno2d_v03_mlp: 0.3's channel MLP,
`make-legacy --only fno2d_v03_mlp`), with <name>_expected.safetensors.
`odd` records the committed models' outputs on grids with odd axes (<name>_odd_expected.safetensors),
without retraining; run it once in the torch environment and once with 0.3.0 on PYTHONPATH.
  <name>_expected.safetensors                  inputs/outputs at three resolutions (input.N, output.N), the
                                               exact solution target.N, and in its metadata neuraloperator's
                                               LpLoss/H1Loss of output.N against target.N (lp.N, h1.N)
The 2-D model has 2 blocks (not 4) so that all fixtures stay under 5 MB.

`roundtrip PDEKIT` trains a PDEKit FNO (`pdekit train fno --preset neuraloperator --modes 8`) on the
2-D Poisson data, exports it (`pdekit export neuraloperator`), loads the export in PyTorch with
FNO(**kwargs).load_state_dict(...), applies normalizers.safetensors ((a - mean)/(std + 1e-5) before,
y (std + 1e-5) + mean after) and compares with PDEKit's own predictions (`pdekit evaluate --predictions`);
`--grid 31` does it on a 31x31 grid (odd leading axis, where the preset's neuraloperator mode convention counts):
    /work/main/bench/.venv-torch/bin/python bench/peers/neuralop_fixtures.py roundtrip .build/release/pdekit [--grid 31]

`check-export` loads a directory written by `pdekit export neuraloperator` in PyTorch
(FNO(**kwargs).load_state_dict(...)) and compares its outputs with the expected outputs the
directory holds (written by PDEKit), printing the relative L2 difference per resolution.
"""
import argparse, json, math, os, struct, sys
import numpy as np
import torch
import neuralop
from neuralop.models import FNO
from neuralop.losses import LpLoss, H1Loss

DTYPES = {torch.float32: "F32", torch.complex64: "C64", torch.float64: "F64"}
NP_DTYPES = {"F32": np.float32, "C64": np.complex64, "F64": np.float64}


def write_safetensors(path, tensors, metadata=None):
    header, offset, blobs = {}, 0, []
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        blob = t.numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for name, d in header.items():
        if name == "__metadata__":
            continue
        a, b = d["data_offsets"]
        array = np.frombuffer(data[8 + n + a:8 + n + b], dtype=NP_DTYPES[d["dtype"]]).reshape(d["shape"])
        out[name] = torch.from_numpy(array.copy())
    return out, header.get("__metadata__", {})


def smooth_field(generator, batch, shape, decay=2.5):
    """Random periodic field with spectrum ~ (1 + |k|^2)^(-decay/2), zero mean."""
    white = torch.randn((batch, *shape), generator=generator, dtype=torch.float64)
    spectrum = torch.fft.fftn(white, dim=tuple(range(1, len(shape) + 1)))
    k2 = sum(torch.fft.fftfreq(n, 1.0 / n).reshape([-1 if i == a else 1 for i in range(len(shape))]) ** 2
             for a, n in enumerate(shape))
    spectrum = spectrum * (1 + k2) ** (-decay / 2)
    spectrum[(slice(None),) + (0,) * len(shape)] = 0
    field = torch.fft.ifftn(spectrum, dim=tuple(range(1, len(shape) + 1))).real
    return (field / field.std()).float()


def solve(f, problem):
    """Exact periodic solutions on [0, 1)^d: Poisson -Δu = f, or heat u_t = Δu from u(0) = f at t = 0.05."""
    shape = f.shape[1:]
    dims = tuple(range(1, len(shape) + 1))
    k2 = sum((2 * math.pi * torch.fft.fftfreq(n, 1.0 / n)).reshape([-1 if i == a else 1 for i in range(len(shape))]) ** 2
             for a, n in enumerate(shape)).double()
    spectrum = torch.fft.fftn(f.double(), dim=dims)
    if problem == "poisson":
        factor = torch.where(k2 > 0, 1.0 / torch.where(k2 > 0, k2, 1.0), 0.0)
    else:
        factor = torch.exp(-0.05 * k2 / 4)
    return torch.fft.ifftn(spectrum * factor, dim=dims).real.float()


MODELS = [
    # name, kwargs, problem, training resolution, evaluation resolutions, how it is saved
    ("fno2d", dict(n_modes=(16, 16), in_channels=1, out_channels=1, hidden_channels=32, n_layers=2), "poisson", 32, [32, 48, 64], "checkpoint"),
    ("fno1d", dict(n_modes=(16,), in_channels=1, out_channels=1, hidden_channels=16, n_layers=4), "poisson", 64, [64, 100, 256], "torch.save"),
    ("fno3d", dict(n_modes=(4, 4, 4), in_channels=1, out_channels=1, hidden_channels=8, n_layers=2), "heat", 8, [8, 12, 16], "torch.save"),
    # Symmetric domain padding (neuraloperator >= 1.1): round(0.25 n) points on both sides, Python's
    # round-half-even (30 -> 8, 34 -> 8, 38 -> 10). Odd sizes are recorded by `odd` (below).
    ("fno2d_padded", dict(n_modes=(8, 8), in_channels=1, out_channels=1, hidden_channels=8, n_layers=2, domain_padding=0.25),
     "poisson", 32, [30, 34, 38], "torch.save"),
]

# neuraloperator 0.3 (made by `make-legacy`, with 0.3.0 on PYTHONPATH): no grid inside the model (its
# data pipeline appends linspace(0, 1, n + 1)[:-1] per axis, so in_channels = 1 + 2), 1x1 maps as
# nn.Conv2d, one SpectralConv for all blocks (weights `fno_blocks.convs.weight.{i}.tensor`, or one
# stacked `fno_blocks.convs.weight.tensor` with joint_factorization=True, stored by tensorly-torch as
# real views [..., 2]), a stacked bias `fno_blocks.convs.bias` [L, C, 1, 1], one-sided padding.
LEGACY_MODELS = [
    ("fno2d_v03", dict(n_modes=(8, 8), in_channels=3, out_channels=1, hidden_channels=8, n_layers=2,
                       lifting_channels=16, projection_channels=16), [24, 32, 40]),
    ("fno2d_v03_joint_padded", dict(n_modes=(8, 8), in_channels=3, out_channels=1, hidden_channels=8, n_layers=3,
                                    lifting_channels=16, projection_channels=16, joint_factorization=True,
                                    domain_padding=0.25, domain_padding_mode="one-sided"), [30, 34, 40]),
    # 0.3's channel MLP (use_mlp=True: fno_blocks.mlp.{i}.fcs.{j} as Conv2d, soft-gating fno_blocks.mlp_skips.{i};
    # 0.3 applies the activation before the last block's MLP too). An odd grid among the three.
    ("fno2d_v03_mlp", dict(n_modes=(8, 8), in_channels=3, out_channels=1, hidden_channels=8, n_layers=2,
                           lifting_channels=16, projection_channels=16, use_mlp=True), [24, 29, 32]),
]


def with_grid(f):
    """[B, n, n] -> [B, 3, n, n]: the field and the grid x_i = i/n per axis (0.3's data pipeline)."""
    batch, n1, n2 = f.shape
    gx = torch.linspace(0, 1, n1 + 1)[:-1].reshape(1, n1, 1).expand(batch, n1, n2)
    gy = torch.linspace(0, 1, n2 + 1)[:-1].reshape(1, 1, n2).expand(batch, n1, n2)
    return torch.stack([f, gx, gy], dim=1)


def make_legacy(out, only=None):
    """0.3 fixtures: run with PYTHONPATH=/work/venvs/neuralop03/site (see setup_legacy below)."""
    if not neuralop.__version__.startswith("0.3"):
        sys.exit(f"neuraloperator {neuralop.__version__} found; make-legacy needs 0.3.x on PYTHONPATH")
    torch.manual_seed(0)
    torch.set_num_threads(1)
    for name, kwargs, resolutions in LEGACY_MODELS:
        if only and name not in only:
            continue
        g = torch.Generator().manual_seed(2)
        model = FNO(**kwargs)
        f = smooth_field(g, 64, (32, 32))
        u = solve(f, "poisson")
        scale = u.std()
        x, y = with_grid(f), (u / scale).unsqueeze(1)
        optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
        for step in range(60):
            batch = torch.randint(0, 48, (16,), generator=g)
            loss = torch.linalg.vector_norm(model(x[batch]) - y[batch]) / torch.linalg.vector_norm(y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        print(f"{name}: training loss {loss.item():.3f}; keys {list(model.state_dict())[:3]}")
        model.eval()
        model.save_checkpoint(out, name)   # <name>_state_dict.pt (plain state dict) + <name>_metadata.pkl (kwargs)
        expected = {}
        for r in resolutions:
            inputs = with_grid(smooth_field(torch.Generator().manual_seed(100 + r), 2, (r, r)))
            with torch.no_grad():
                expected[f"input.{r}"] = inputs
                expected[f"output.{r}"] = model(inputs)
        write_safetensors(os.path.join(out, f"{name}_expected.safetensors"), expected,
                          {"torch": torch.__version__, "neuraloperator": neuralop.__version__})
    total = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out))
    print(f"fixtures: {total} bytes in {out}")


# `odd`: the committed models (no retraining) at grids with odd axes, where neuraloperator's
# SpectralConv puts every output mode one frequency lower on each odd leading axis (it undoes its
# fftshift with fftshift, not ifftshift); PDEKit reproduces that with SpectralModeConvention.neuraloperator.
# name, how it is loaded, grids (one shape per entry; even ones too, for contrast)
ODD_GRIDS = [
    ("fno2d", "checkpoint", [(29, 29), (33, 33), (64, 64), (31, 36)]),
    ("fno1d", "torch.save", [(63,), (101,)]),
    ("fno3d", "torch.save", [(9, 9, 9), (9, 10, 11)]),
    ("fno2d_padded", "torch.save", [(29, 29), (31, 31)]),      # padded to 43 and 47 (odd)
]
LEGACY_ODD_GRIDS = [
    ("fno2d_v03", [(29, 29), (33, 33)]),
    ("fno2d_v03_joint_padded", [(31, 31), (29, 29)]),          # one-sided: 31 + 8 = 39 (odd), 29 + 7 = 36
]


def odd(out):
    """<name>_odd_expected.safetensors: inputs and PyTorch's outputs of the committed models on odd grids
    (keys input.AxB / output.AxB). With 0.3.x on PYTHONPATH, the 0.3 models instead."""
    legacy = neuralop.__version__.startswith("0.3")
    torch.set_num_threads(1)
    entries = [(name, "checkpoint", grids) for name, grids in LEGACY_ODD_GRIDS] if legacy else ODD_GRIDS
    for name, how, grids in entries:
        if how == "checkpoint" and legacy:
            # 0.3's from_checkpoint calls torch.load with torch >= 2.6's weights_only default, which refuses its metadata.
            kwargs = torch.load(os.path.join(out, f"{name}_metadata.pkl"), weights_only=False)
            kwargs.pop("_name", None)
            model = FNO(*kwargs.pop("args", []), **kwargs)
            model.load_state_dict(torch.load(os.path.join(out, f"{name}_state_dict.pt"), weights_only=False))
        elif how == "checkpoint":
            model = FNO.from_checkpoint(out, name)
        else:
            state = torch.load(os.path.join(out, f"{name}.pt"), weights_only=False)
            kwargs = dict(next(m[1] for m in MODELS if m[0] == name))
            model = FNO(**kwargs)
            model.load_state_dict(state)
        model.eval()
        expected = {}
        for grid in grids:
            key = "x".join(map(str, grid))
            seed = 300 + sum(grid)
            inputs = smooth_field(torch.Generator().manual_seed(seed), 2, grid)
            inputs = with_grid(inputs) if legacy else inputs.unsqueeze(1)
            with torch.no_grad():
                expected[f"input.{key}"] = inputs
                expected[f"output.{key}"] = model(inputs)
        write_safetensors(os.path.join(out, f"{name}_odd_expected.safetensors"), expected,
                          {"torch": torch.__version__, "neuraloperator": neuralop.__version__})
        print(f"{name}: {', '.join('x'.join(map(str, g)) for g in grids)}")


def fortran_fixture(out, name="fno2d_padded", resolution=34):
    """<name>_expected.f64 for Examples/fortran-import: int64 (batch, in, out, n0, n1), then the input
    and PyTorch's output as float64 in column-major order (first grid axis fastest), from the
    recorded <name>_expected.safetensors (no retraining)."""
    expected, _ = read_safetensors(os.path.join(out, f"{name}_expected.safetensors"))
    x, y = expected[f"input.{resolution}"], expected[f"output.{resolution}"]
    header = np.array([x.shape[0], x.shape[1], y.shape[1], x.shape[2], x.shape[3]], dtype="<i8")
    with open(os.path.join(out, f"{name}_expected.f64"), "wb") as f:
        f.write(header.tobytes())
        for t in (x, y):
            # Fortran array a(n0, n1, channel, batch): the C-order bytes of [batch, channel, n1, n0].
            f.write(np.ascontiguousarray(t.double().numpy().transpose(0, 1, 3, 2)).astype("<f8").tobytes())


def make(out, only=None):
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    torch.set_num_threads(1)
    for name, kwargs, problem, n, resolutions, how in MODELS:
        if only and name not in only:
            continue
        d = len(kwargs["n_modes"])
        g = torch.Generator().manual_seed(1)
        model = FNO(**kwargs)
        f = smooth_field(g, 64, (n,) * d)
        u = solve(f, problem)
        scale = u.std()
        x, y = f.unsqueeze(1), (u / scale).unsqueeze(1)
        optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
        for step in range(60):
            batch = torch.randint(0, 48, (16,), generator=g)
            loss = torch.linalg.vector_norm(model(x[batch]) - y[batch]) / torch.linalg.vector_norm(y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            test = torch.linalg.vector_norm(model(x[48:]) - y[48:]) / torch.linalg.vector_norm(y[48:])
        print(f"{name}: {sum(p.numel() for p in model.parameters())} parameters (complex counted once), "
              f"training loss {loss.item():.3f}, test relative L2 {test.item():.3f}")
        model.eval()
        if how == "checkpoint":
            model.save_checkpoint(out, name)
        else:
            torch.save(model.state_dict(), os.path.join(out, f"{name}.pt"))
        if name == "fno1d":
            write_safetensors(os.path.join(out, "fno1d.safetensors"),
                              {k: v for k, v in model.state_dict().items() if isinstance(v, torch.Tensor)})
        expected, metrics = {}, {}
        for r in resolutions:
            inputs = smooth_field(torch.Generator().manual_seed(100 + r), 2, (r,) * d).unsqueeze(1)
            with torch.no_grad():
                outputs = model(inputs)
            expected[f"input.{r}"] = inputs
            expected[f"output.{r}"] = outputs
            # neuraloperator's metrics of these outputs against the exact solution, as its Trainer
            # reports them (LpLoss/H1Loss with reduction "sum", divided by the number of samples).
            target = (solve(inputs[:, 0], problem) / scale).unsqueeze(1)
            expected[f"target.{r}"] = target
            metrics[f"lp.{r}"] = repr((LpLoss(d=d, p=2)(outputs, target) / outputs.shape[0]).item())
            metrics[f"h1.{r}"] = repr((H1Loss(d=d)(outputs, target) / outputs.shape[0]).item())
        write_safetensors(os.path.join(out, f"{name}_expected.safetensors"), expected,
                          {"torch": torch.__version__, "neuraloperator": neuralop.__version__, "problem": problem,
                           "training_resolution": str(n), **metrics})
    if only:
        return
    # A Tucker-factorized TFNO, which PDEKit refuses with one line naming it.
    from neuralop.models import TFNO
    torch.save(TFNO(n_modes=(4, 4), in_channels=1, out_channels=1, hidden_channels=4, n_layers=1).state_dict(),
               os.path.join(out, "tfno2d_tucker.pt"))
    total = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out))
    print(f"fixtures: {total} bytes in {out}")


def check_export(directory, reference):
    """Loads a `pdekit export neuraloperator` directory in PyTorch and compares with expected outputs."""
    with open(os.path.join(directory, "fno_kwargs.json")) as f:
        kwargs = json.load(f)
    kwargs["n_modes"] = tuple(kwargs["n_modes"])
    state, _ = read_safetensors(os.path.join(directory, "state_dict.safetensors"))
    model = FNO(**kwargs)
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if k != "_metadata"]
    if missing or unexpected:
        sys.exit(f"load_state_dict: missing {missing}, unexpected {unexpected}")
    model.eval()
    expected, _ = read_safetensors(reference)
    worst = 0.0
    for key in sorted(k for k in expected if k.startswith("input.")):
        r = key.split(".")[1]
        with torch.no_grad():
            out = model(expected[key])
        ref = expected[f"output.{r}"]
        rel = (torch.linalg.vector_norm(out - ref) / torch.linalg.vector_norm(ref)).item()
        if not math.isfinite(rel):
            sys.exit(f"non-finite difference at resolution {r}")
        worst = max(worst, rel)
        print(f"resolution {r}: relative L2 difference PyTorch vs PDEKit {rel:.2e}")
    print(f"worst {worst:.2e}")
    sys.exit(0 if worst <= 1e-5 else 1)


def roundtrip(pdekit, grid=32):
    import subprocess, tempfile
    work = tempfile.mkdtemp(prefix="pdekit-roundtrip-")
    g = torch.Generator().manual_seed(3)
    f = smooth_field(g, 60, (grid, grid))
    u = solve(f, "poisson")
    data = os.path.join(work, "poisson.npz")
    np.savez(data, x=f.numpy(), y=(u / u.std()).numpy())
    run, export, predictions = os.path.join(work, "run"), os.path.join(work, "export"), os.path.join(work, "pred.npy")
    def call(*args):
        result = subprocess.run([pdekit, *args], capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"pdekit {' '.join(args)}: {result.stderr.strip()}")
        return result
    call("train", "fno", "--data", data, "--input-key", "x", "--target-key", "y", "--train", "50", "--test", "10",
         "--epochs", "3", "--preset", "neuraloperator", "--modes", "8", "--width", "16", "--quiet", "--output", run)
    call("export", "neuraloperator", run, "--output", export)
    call("evaluate", run, "--data", data, "--input-key", "x", "--target-key", "y", "--samples", "10",
         "--sample-order", "file", "--predictions", predictions, "--plots", work)
    with open(os.path.join(export, "fno_kwargs.json")) as fh:
        kwargs = json.load(fh)
    kwargs["n_modes"] = tuple(kwargs["n_modes"])
    model = FNO(**kwargs)
    state, _ = read_safetensors(os.path.join(export, "state_dict.safetensors"))
    missing, unexpected = model.load_state_dict(state, strict=False)
    if [k for k in missing if k != "_metadata"] or unexpected:
        sys.exit(f"load_state_dict: missing {missing}, unexpected {unexpected}")
    model.eval()
    parameters = sum(p.numel() * (2 if p.is_complex() else 1) for p in model.parameters())
    x = f[50:].unsqueeze(1)
    normalizers_path = os.path.join(export, "normalizers.safetensors")
    norms = read_safetensors(normalizers_path)[0] if os.path.exists(normalizers_path) else {}
    if norms:
        x = (x - norms["normalizer.input.mean"]) / (norms["normalizer.input.std"] + 1e-5)
    with torch.no_grad():
        y = model(x)
    if norms:
        y = y * (norms["normalizer.target.std"] + 1e-5) + norms["normalizer.target.mean"]
    reference = torch.from_numpy(np.load(predictions)).reshape(y.shape)
    rel = (torch.linalg.vector_norm(y - reference) / torch.linalg.vector_norm(reference)).item()
    print(f"PDEKit -> export -> PyTorch: FNO(n_modes={kwargs['n_modes']}, hidden_channels={kwargs['hidden_channels']}) "
          f"{parameters} real parameters, relative L2 difference to PDEKit's predictions {rel:.2e} (10 samples, {grid}x{grid})")
    sys.exit(0 if math.isfinite(rel) and rel <= 1e-5 else 1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    m = sub.add_parser("make")
    m.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "neuraloperator"))
    m.add_argument("--only", nargs="*", help="remake only these fixtures (names from MODELS)")
    fortran = sub.add_parser("fortran-fixture")
    fortran.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "neuraloperator"))
    o = sub.add_parser("odd")
    o.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "neuraloperator"))
    legacy = sub.add_parser("make-legacy")
    legacy.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "neuraloperator"))
    legacy.add_argument("--only", nargs="*", help="remake only these fixtures (names from LEGACY_MODELS)")
    t = sub.add_parser("roundtrip")
    t.add_argument("pdekit", help="path of the pdekit binary")
    t.add_argument("--grid", type=int, default=32, help="points per axis of the 2-D data (odd: 31)")
    c = sub.add_parser("check-export")
    c.add_argument("directory")
    c.add_argument("--reference", required=True, help="a safetensors file with input.N / output.N written by PDEKit")
    a = parser.parse_args()
    if a.command == "make":
        make(a.out, a.only)
    elif a.command == "fortran-fixture":
        fortran_fixture(a.out)
    elif a.command == "odd":
        odd(a.out)
    elif a.command == "make-legacy":
        make_legacy(a.out, a.only)
    elif a.command == "roundtrip":
        roundtrip(a.pdekit, a.grid)
    else:
        check_export(a.directory, a.reference)
