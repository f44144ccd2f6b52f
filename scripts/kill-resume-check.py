#!/usr/bin/env python3
"""Kills `pdekit generate` at random moments and checks that resuming loses and duplicates nothing.

    scripts/kill-resume-check.py --kills 50 --seed 19

1. An uninterrupted reference run: `pdekit generate pde darcy --samples 300 --resolution 33
   --solver direct --output reference.h5`.
2. Rounds until `--kills` SIGKILLs were sent: start the same command on a fresh output file as a
   child, SIGKILL it after a random delay drawn uniformly from [0, the reference run's wall time],
   rerun it (killing again at a new random moment, up to `--max-kills-per-round` times), then rerun it
   to completion.
3. Check the finished file: `pdekit.completed` equals the sample count, `sample_index` is a
   permutation of 0, 1, …, N−1 (rows are stored in the sorted order; no duplicate, none missing), and `coeff`, `sol` and `sample_index` are bitwise equal
   to the reference (read through libhdf5 with ctypes; float32 values are compared exactly after the
   exact float32 → float64 conversion).

Prints one JSON line per round and a summary; exit status 1 if any round lost, duplicated or changed
a sample. Python 3 standard library and the system's libhdf5 only.
"""
import argparse
import ctypes
import ctypes.util
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class HDF5Reader:
    """The few libhdf5 calls needed to read a whole dataset as float64 or int64 (no h5py needed)."""

    def __init__(self):
        names = [ctypes.util.find_library("hdf5_serial"), ctypes.util.find_library("hdf5"), "libhdf5_serial.so", "libhdf5.so"]
        self.lib = None
        for name in names:
            if not name:
                continue
            try:
                self.lib = ctypes.CDLL(name)
                break
            except OSError:
                continue
        if self.lib is None:
            raise SystemExit("kill-resume-check: libhdf5 not found")
        lib = self.lib
        lib.H5open()
        hid = ctypes.c_int64
        lib.H5Fopen.restype = hid
        lib.H5Fopen.argtypes = [ctypes.c_char_p, ctypes.c_uint, hid]
        lib.H5Dopen2.restype = hid
        lib.H5Dopen2.argtypes = [hid, ctypes.c_char_p, hid]
        lib.H5Dget_space.restype = hid
        lib.H5Dget_space.argtypes = [hid]
        lib.H5Sget_simple_extent_ndims.argtypes = [hid]
        lib.H5Sget_simple_extent_dims.argtypes = [hid, ctypes.POINTER(ctypes.c_uint64), ctypes.POINTER(ctypes.c_uint64)]
        lib.H5Dread.argtypes = [hid, hid, hid, hid, hid, ctypes.c_void_p]
        lib.H5Aopen.restype = hid
        lib.H5Aopen.argtypes = [hid, ctypes.c_char_p, hid]
        lib.H5Aread.argtypes = [hid, hid, ctypes.c_void_p]
        for name in ["H5Dclose", "H5Sclose", "H5Fclose", "H5Aclose"]:
            getattr(lib, name).argtypes = [hid]
        self.double = hid.in_dll(lib, "H5T_NATIVE_DOUBLE_g").value
        self.int64 = hid.in_dll(lib, "H5T_NATIVE_LLONG_g").value

    def read(self, path, names, attribute):
        """{name: (shape, flat list)} for each dataset in `names` and the integer attribute `attribute`."""
        lib = self.lib
        file = lib.H5Fopen(path.encode(), 0, 0)  # H5F_ACC_RDONLY, H5P_DEFAULT
        if file < 0:
            raise RuntimeError(f"cannot open {path}")
        try:
            out = {}
            for name, integer in names:
                dataset = lib.H5Dopen2(file, name.encode(), 0)
                if dataset < 0:
                    raise RuntimeError(f"{path}: no dataset {name}")
                space = lib.H5Dget_space(dataset)
                rank = lib.H5Sget_simple_extent_ndims(space)
                dims = (ctypes.c_uint64 * rank)()
                lib.H5Sget_simple_extent_dims(space, dims, None)
                shape = list(dims)
                count = 1
                for d in shape:
                    count *= d
                buffer = ((ctypes.c_int64 if integer else ctypes.c_double) * count)()
                status = lib.H5Dread(dataset, self.int64 if integer else self.double, 0, 0, 0, buffer)  # H5S_ALL, H5P_DEFAULT
                lib.H5Sclose(space)
                lib.H5Dclose(dataset)
                if status < 0:
                    raise RuntimeError(f"{path}: cannot read {name}")
                out[name] = (shape, list(buffer))
            value = ctypes.c_int64()
            handle = lib.H5Aopen(file, attribute.encode(), 0)
            if handle < 0 or lib.H5Aread(handle, self.int64, ctypes.byref(value)) < 0:
                raise RuntimeError(f"{path}: no attribute {attribute}")
            lib.H5Aclose(handle)
            out[attribute] = value.value
            return out
        finally:
            lib.H5Fclose(file)


ARRAYS = [("coeff", False), ("sol", False), ("sample_index", True)]


def completed_after_kill(reader, path):
    """`pdekit.completed` of a killed run's file (0 when the file was not created yet)."""
    if not os.path.exists(path):
        return 0
    try:
        return reader.read(path, [], "pdekit.completed")["pdekit.completed"]
    except RuntimeError:
        return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pdekit", default=os.path.join(ROOT, ".build", "release", "pdekit"))
    parser.add_argument("--kills", type=int, default=50, help="SIGKILLs in total (rounds run until this many)")
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--resolution", type=int, default=33)
    parser.add_argument("--seed", type=int, default=19, help="seed of the kill moments")
    parser.add_argument("--max-kills-per-round", type=int, default=3)
    args = parser.parse_args()
    pdekit = os.path.abspath(args.pdekit)
    rng = random.Random(args.seed)
    reader = HDF5Reader()
    work = tempfile.mkdtemp(prefix="pdekit-kill-")
    command = lambda output: [pdekit, "generate", "pde", "darcy", "--samples", str(args.samples), "--resolution",
                              str(args.resolution), "--solver", "direct", "--quiet", "--output", output]
    try:
        reference_path = os.path.join(work, "reference.h5")
        started = time.monotonic()
        subprocess.run(command(reference_path), check=True, capture_output=True)
        wall = time.monotonic() - started
        reference = reader.read(reference_path, ARRAYS, "pdekit.completed")
        if sorted(reference["sample_index"][1]) != list(range(args.samples)):
            raise SystemExit("kill-resume-check: the reference run's sample_index is not a permutation of 0..N-1")
        totals = {"rounds": 0, "kills": 0, "kills_with_partial_file": 0, "reruns": 0, "complete": 0, "lost": 0, "duplicated": 0,
                  "differing_rounds": 0, "stale_temporaries": 0}
        round_index = 0
        progress_at_kills = []
        while totals["kills"] < args.kills:
            output = os.path.join(work, f"round-{round_index}.h5")
            kills, mid_run, reruns = 0, 0, 0
            while True:
                child = subprocess.Popen(command(output), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                if kills < args.max_kills_per_round:
                    delay = rng.uniform(0, wall)
                    try:
                        child.wait(timeout=delay)
                    except subprocess.TimeoutExpired:
                        child.kill()
                        child.wait()
                        kills += 1
                        # How far the killed run got: samples in finished shards, 0 < k < N means mid-file.
                        done = completed_after_kill(reader, output)
                        mid_run += 0 < done < args.samples
                        if done > 0:
                            progress_at_kills.append(done)
                        continue
                    if child.returncode != 0:
                        raise SystemExit(f"kill-resume-check: a rerun failed: {child.stderr.read().decode()}")
                    break
                reruns += 1
                _, error = child.communicate(timeout=600)
                if child.returncode != 0:
                    raise SystemExit(f"kill-resume-check: the final rerun failed: {error.decode()}")
                break
            result = reader.read(output, ARRAYS, "pdekit.completed")
            indices = result["sample_index"][1]
            lost = len(set(range(args.samples)) - set(indices))
            duplicated = len(indices) - len(set(indices))
            differing = [name for name, _ in ARRAYS if result[name] != reference[name]]
            temporaries = [name for name in os.listdir(work) if name not in ("reference.h5", os.path.basename(output))]
            record = {"round": round_index, "kills": kills, "completed": result["pdekit.completed"], "lost": lost,
                      "duplicated": duplicated, "differing_arrays": differing, "temporaries_left": temporaries}
            print(json.dumps(record), flush=True)
            totals["rounds"] += 1
            totals["kills"] += kills
            totals["kills_with_partial_file"] += mid_run
            totals["reruns"] += reruns
            totals["complete"] += result["pdekit.completed"] == args.samples and len(indices) == args.samples
            totals["lost"] += lost
            totals["duplicated"] += duplicated
            totals["differing_rounds"] += bool(differing)
            totals["stale_temporaries"] += len(temporaries)
            os.remove(output)
            round_index += 1
        totals["reference_seconds"] = round(wall, 3)
        totals["completed_at_kills"] = sorted(progress_at_kills)
        print(json.dumps(dict(totals, kind="total")))
        ok = totals["complete"] == totals["rounds"] and totals["lost"] == 0 and totals["duplicated"] == 0 and totals["differing_rounds"] == 0
        print(f"{totals['rounds']} rounds, {totals['kills']} kills: {totals['lost']} samples lost, {totals['duplicated']} duplicated, "
              f"{totals['differing_rounds']} rounds differing from the uninterrupted run")
        return 0 if ok else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
