"""Peer for `pdekit bench datasets`: the same HDF5 writes and reads with h5py. Prints one JSON
object per line with the same keys as PDEKit."""
import argparse
import json
import os
import shutil
import tempfile
import time

import h5py
import numpy as np


def best(repetitions, body):
    body()
    fastest = float("inf")
    for _ in range(repetitions):
        start = time.perf_counter()
        body()
        fastest = min(fastest, time.perf_counter() - start)
    return fastest


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--directory", default=None)
    args = parser.parse_args()
    n, s, b = args.samples, args.size, args.batch
    folder = tempfile.mkdtemp(prefix="h5py-bench-", dir=args.directory)
    try:
        data = np.random.default_rng(1).standard_normal((n, s, s), dtype=np.float32)
        megabytes = data.nbytes / 1e6

        def report(name, seconds):
            print(json.dumps({"benchmark": name, "implementation": "h5py", "shape": f"{n}x{s}x{s}", "dtype": "float32",
                              "seconds": seconds, "megabytes_per_second": megabytes / seconds,
                              "h5py": h5py.__version__, "hdf5": h5py.version.hdf5_version}, sort_keys=True), flush=True)

        contiguous = os.path.join(folder, "contiguous.h5")
        deflated = os.path.join(folder, "deflated.h5")
        appended = os.path.join(folder, "appended.h5")

        def write_atomic(path, **options):
            temporary = path + ".tmp"
            with h5py.File(temporary, "w") as f:
                f.create_dataset("fields", data=data, **options)
            os.replace(temporary, path)

        report("hdf5_write_contiguous", best(args.repetitions, lambda: write_atomic(contiguous)))
        report("hdf5_write_chunked_deflate1", best(args.repetitions, lambda: write_atomic(
            deflated, chunks=(1, s, s), compression="gzip", compression_opts=1)))

        def append():
            with h5py.File(appended, "w") as f:
                d = f.create_dataset("fields", shape=(0, s, s), maxshape=(None, s, s), chunks=(b, s, s), dtype="f4")
                for start in range(0, n, b):
                    piece = data[start:start + b]
                    d.resize(d.shape[0] + len(piece), axis=0)
                    d[-len(piece):] = piece
        report("hdf5_append_batches", best(args.repetitions, append))

        with h5py.File(contiguous, "r") as f:
            d = f["fields"]
            report("hdf5_read_full", best(args.repetitions, lambda: d[()]))
            report("hdf5_read_batches", best(args.repetitions, lambda: [d[i:i + b] for i in range(0, n, b)]))
        with h5py.File(deflated, "r") as f:
            d = f["fields"]
            report("hdf5_read_full_deflate1", best(args.repetitions, lambda: d[()]))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
