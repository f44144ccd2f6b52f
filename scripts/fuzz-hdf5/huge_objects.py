"""A seed file with "huge" fractal-heap objects (BENCHMARKS-reliability.md, session 12, coordinator): a new-style
group /wide with 20 links and one whose 70 000-byte name makes its link message larger than the heap's largest
managed object, and a dataset /x with 12 attributes and one of 20 000 doubles (a huge attribute message).
Needs h5py (a fixture maker, not a runtime dependency): /work/venvs/well/bin/python scripts/fuzz-hdf5/huge_objects.py huge.h5"""
import sys
import h5py
import numpy as np

with h5py.File(sys.argv[1], "w", libver="latest") as f:
    f["x"] = np.arange(4.0)
    wide = f.create_group("wide")
    for k in range(20):
        wide[f"link_{k}"] = f["x"]
    wide["L" * 70000] = f["x"]
    for k in range(12):
        f["x"].attrs[f"a{k}"] = k
    f["x"].attrs["big"] = np.zeros(20000)
