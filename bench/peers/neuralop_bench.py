"""PyTorch side of `pdekit bench import`: one neuraloperator FNO forward case per process.

    /work/main/bench/.venv-torch/bin/python bench/peers/neuralop_bench.py STATE_DICT [--metadata PKL] \
        --grid 64 --batch 1 --mode eager|compile [--repetitions 5]

Builds FNO(**kwargs) from save_checkpoint's metadata (or the state dict's _metadata), loads the state
dict, and times model(x) under torch.inference_mode() on CPU (best of --repetitions after warm-up; for
torch.compile the warm-up compiles). Prints one JSON line: ms, peak resident MB of this process
(ru_maxrss, which includes the torch import), torch's thread count.
"""
import argparse, json, resource, sys, time
import torch
from neuralop.models import FNO

p = argparse.ArgumentParser()
p.add_argument("state_dict")
p.add_argument("--metadata")
p.add_argument("--grid", type=int, required=True)
p.add_argument("--batch", type=int, required=True)
p.add_argument("--mode", choices=["eager", "compile"], required=True)
p.add_argument("--repetitions", type=int, default=5)
a = p.parse_args()

state = torch.load(a.state_dict, weights_only=False)
kwargs = torch.load(a.metadata, weights_only=False) if a.metadata else dict(state["_metadata"])
for key in ("_name", "_version", "args"):
    kwargs.pop(key, None)
model = FNO(**kwargs)
model.load_state_dict(state, strict=False)
model.eval()
d = len(kwargs["n_modes"])
x = torch.randn((a.batch, kwargs["in_channels"]) + (a.grid,) * d, generator=torch.Generator().manual_seed(1))
run = torch.compile(model) if a.mode == "compile" else model
best = float("inf")
try:
    with torch.inference_mode():
        for _ in range(2):
            run(x)
        for _ in range(a.repetitions):
            start = time.perf_counter()
            run(x)
            best = min(best, time.perf_counter() - start)
except Exception as error:  # torch.compile needs a working C++ toolchain
    print(json.dumps({"mode": a.mode, "error": str(error).splitlines()[0][:200]}))
    sys.exit(0)
print(json.dumps({"mode": a.mode, "ms": best * 1000, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "threads": torch.get_num_threads(), "torch": torch.__version__}))
