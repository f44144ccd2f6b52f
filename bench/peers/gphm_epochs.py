"""Times epochs of the official GP-HM JAX solver (Fang et al., ICLR 2024) on 1-D Poisson u = sin(100x).

Usage: python gphm_epochs.py CODE_DIR EPOCHS [KERNEL]
CODE_DIR is the `code/` folder of a checkout of
github.com/xuangu-fang/Gaussian-Process-Slover-for-High-Freq-PDE (not vendored here). The script
imports that repository's solver class and its config for `poisson_1d-single_sin`, sets the problem
up as the repository's own driver does (400 collocation points on [0, 2π], 300 test points,
mixture weights 1/Q, frequencies on [0, freq_scale], values 0), then times its jitted Adam `step`
for EPOCHS epochs after one compile-and-warm-up epoch, with no error evaluations in between
(the repository's loop also evaluates the test error 20 times per run). Prints one JSON line.
"""
import json
import os
import sys
import time

code_dir, epochs = sys.argv[1], int(sys.argv[2])
kernel_name = sys.argv[3] if len(sys.argv) > 3 else "SE_Cos_1d"
os.environ.setdefault("JAX_PLATFORMS", "cpu")
sys.path.insert(0, code_dir)
os.chdir(code_dir)

import jax  # noqa: E402
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import yaml  # noqa: E402
import kernel_matrix  # noqa: E402
import utils  # noqa: E402,F401  (imports the solver modules in the order their own driver does)
import model_GP_solver_1d as solver  # noqa: E402

equation = "poisson_1d-single_sin"
with open(os.path.join("config", equation + ".yaml")) as f:
    config = yaml.safe_load(f)
config["equation"] = equation
config["scale"] = 2 * np.pi
config["kernel"] = getattr(kernel_matrix, kernel_name)
config["kernel_extra"] = None


def exact(x):
    return jnp.sin(100 * x)


n_col, n_test = config["N_col"], 300
x_test = np.linspace(0, 1, num=n_test).reshape(-1, 1) * config["scale"]
y_test = exact(x_test)
x_col = np.linspace(0, 1, num=n_col).reshape(-1, 1) * config["scale"]
boundary = np.array([0, n_col - 1])
y_boundary = jnp.array([exact(x_col[0]), exact(x_col[-1])]).reshape(-1)
source = solver.get_source_val(exact, x_col.reshape(-1), "poisson_1d")

model = solver.GP_solver_1d_single(boundary, y_boundary, x_col, source, 1e-6, x_test, y_test, config)
q = config["Q"]
params = {
    "log_tau": 0.0,
    "log_v": 0.0,
    "kernel_paras": {"log-w": np.log(1 / q) * np.ones(q), "log-ls": np.zeros(q),
                     "freq": np.linspace(0, 1, q) * config["freq_scale"]},
    "u": np.zeros((n_col, 1)),
}
opt_state = model.optimizer.init(params)
key = jax.random.PRNGKey(109)


def run(count):
    global params, opt_state, key
    loss = None
    for _ in range(count):
        key, sub = jax.random.split(key)
        params, opt_state, loss = model.step(params, opt_state, sub)
    jax.block_until_ready(params)
    return loss


wall0, cpu0 = time.perf_counter(), time.process_time()
run(1)
warm_wall, warm_cpu = time.perf_counter() - wall0, time.process_time() - cpu0
wall0, cpu0 = time.perf_counter(), time.process_time()
loss = run(epochs)
wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
pred, _ = model.preds(params, x_test)
error = float(jnp.linalg.norm(pred.reshape(-1) - y_test.reshape(-1)) / jnp.linalg.norm(y_test.reshape(-1)))
print(json.dumps({"peer": "gphm-jax", "jax": jax.__version__, "equation": equation, "kernel": kernel_name,
                  "collocation": n_col, "components": q, "epochs": epochs,
                  "compile_and_first_epoch_seconds": warm_wall, "compile_and_first_epoch_cpu_seconds": warm_cpu,
                  "seconds_per_epoch": wall / epochs, "cpu_seconds_per_epoch": cpu / epochs,
                  "final_loss": float(loss), "relative_l2_error": error}))
