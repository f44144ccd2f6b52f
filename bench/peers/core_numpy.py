"""Peer for `pdekit bench core`: the same GEMM and FFT measurements with NumPy (its own OpenBLAS,
pocketfft). Prints one JSON object per line with the same keys as PDEKit."""
import json
import time

import numpy as np


def best(repetitions, body):
    body()
    fastest = float("inf")
    for _ in range(repetitions):
        start = time.perf_counter()
        body()
        fastest = min(fastest, time.perf_counter() - start)
    return fastest


def main(repetitions=5):
    rng = np.random.default_rng(1)
    for n in (512, 2048):
        a = rng.standard_normal((n, n), dtype=np.float32)
        b = rng.standard_normal((n, n), dtype=np.float32)
        seconds = best(repetitions, lambda: a @ b)
        print(json.dumps({"benchmark": "sgemm", "n": n, "peer": "numpy", "seconds": seconds,
                          "gflops": 2 * n**3 / seconds / 1e9}, sort_keys=True))
    n = 1024
    a = rng.standard_normal((n, n))
    b = rng.standard_normal((n, n))
    seconds = best(repetitions, lambda: a @ b)
    print(json.dumps({"benchmark": "dgemm", "n": n, "peer": "numpy", "seconds": seconds,
                      "gflops": 2 * n**3 / seconds / 1e9}, sort_keys=True))
    fields = rng.standard_normal((20, 32, 64, 64), dtype=np.float32)
    seconds = best(repetitions, lambda: np.fft.irfft2(np.fft.rfft2(fields), s=(64, 64)))
    print(json.dumps({"benchmark": "rfft2+irfft2", "shape": "20x32x64x64", "peer": "numpy",
                      "precision": str(np.fft.rfft2(fields).real.dtype), "seconds": seconds}, sort_keys=True))


if __name__ == "__main__":
    main()
