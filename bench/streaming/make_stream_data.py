"""Writes the files of BENCHMARKS-datasets.md's streaming measurements (session 10): smooth periodic
fields advected in time, float32, one HDF5 chunk per trajectory (h5py and numpy only):

    /work/main/bench/.venv-torch/bin/python bench/streaming/make_stream_data.py OUT_DIR [N] [N_WELL_FILES]

- OUT_DIR/spacetime.h5: `sol` [N, 32, 32, 20] time last (`pdekit generate navier-stokes`'s layout);
- OUT_DIR/well/data/{train,valid,test}/*.hdf5: The Well's layout (root attributes, dimensions/,
  boundary_conditions/, scalars/, t0/t1/t2_fields with their flags), a scalar `density` and a vector
  `velocity` (3 channels) on 32 x 32, 20 steps; the train split is N_WELL_FILES files of N / N_WELL_FILES
  trajectories, valid and test one file of 16 each.
Each trajectory s: u(x, y, t) = sum_k a_k sin(2 pi (m_k (x - c t) + n_k y) + phi_k), its amplitudes,
wave numbers and phases drawn from numpy's default_rng(seed + s).
"""
import os
import sys
import numpy as np
import h5py

NX = NY = 32
T = 20


def trajectory(seed, channels=1):
    rng = np.random.default_rng(seed)
    x = np.arange(NX)[:, None] / NX
    y = np.arange(NY)[None, :] / NY
    out = np.zeros((T, channels, NX, NY), dtype=np.float32)
    for c in range(channels):
        for _ in range(4):
            a, m, n, phi, speed = rng.normal() / 2, rng.integers(1, 4), rng.integers(0, 4), rng.uniform(0, 2 * np.pi), rng.uniform(0.5, 1.5)
            for t in range(T):
                out[t, c] += (a * np.sin(2 * np.pi * (m * (x - speed * t / T) + n * y) + phi)).astype(np.float32)
    return out


def spacetime(path, count):
    with h5py.File(path + ".tmp", "w") as f:
        sol = f.create_dataset("sol", shape=(count, NX, NY, T), dtype=np.float32, chunks=(1, NX, NY, T))
        for s in range(count):
            sol[s] = trajectory(s)[:, 0].transpose(1, 2, 0)
    os.replace(path + ".tmp", path)


def well_file(path, count, first):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with h5py.File(path + ".tmp", "w") as f:
        f.attrs["dataset_name"] = "stream_bench"
        f.attrs["grid_type"] = "cartesian"
        f.attrs["n_spatial_dims"] = 2
        f.attrs["n_trajectories"] = count
        f.attrs["simulation_parameters"] = ["speed_scale"]
        f.attrs["speed_scale"] = 1.0
        d = f.create_group("dimensions")
        d.attrs["spatial_dims"] = ["x", "y"]
        time = d.create_dataset("time", data=np.arange(T, dtype=np.float32) / T)
        time.attrs["sample_varying"] = False
        for name, n in (("x", NX), ("y", NY)):
            axis = d.create_dataset(name, data=np.linspace(0, 1, n, endpoint=False).astype(np.float32))
            axis.attrs["sample_varying"] = False
            axis.attrs["time_varying"] = False
        bcs = f.create_group("boundary_conditions")
        for name, dim in (("x_periodic", "x"), ("y_periodic", "y")):
            g = bcs.create_group(name)
            g.attrs["associated_dims"] = [dim]
            g.attrs["associated_fields"] = []
            g.attrs["bc_type"] = "PERIODIC"
            g.attrs["sample_varying"] = False
            g.attrs["time_varying"] = False
            mask = np.zeros(NX, dtype=bool)
            mask[0] = mask[-1] = True
            g.create_dataset("mask", data=mask)
            g.create_dataset("values", data=np.zeros(2, dtype=np.float32))
        scalars = f.create_group("scalars")
        scalars.attrs["field_names"] = ["speed_scale"]
        scale = scalars.create_dataset("speed_scale", data=np.array(1.0, dtype=np.float32))
        scale.attrs["sample_varying"] = False
        scale.attrs["time_varying"] = False
        groups = {}
        for order, names in ((0, ["density"]), (1, ["velocity"]), (2, [])):   # an empty list: h5py stores it as an empty float64 array
            groups[order] = f.create_group(f"t{order}_fields")
            groups[order].attrs["field_names"] = names
        density = groups[0].create_dataset("density", shape=(count, T, NX, NY), dtype=np.float32, chunks=(1, T, NX, NY))
        velocity = groups[1].create_dataset("velocity", shape=(count, T, NX, NY, 2), dtype=np.float32, chunks=(1, T, NX, NY, 2))
        for ds in (density, velocity):
            ds.attrs["dim_varying"] = np.array([True, True])
            ds.attrs["sample_varying"] = True
            ds.attrs["time_varying"] = True
        for s in range(count):
            u = trajectory(first + s, channels=3)
            density[s] = u[:, 0]
            velocity[s] = u[:, 1:].transpose(0, 2, 3, 1)
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 400
    files = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    os.makedirs(out, exist_ok=True)
    spacetime(os.path.join(out, "spacetime.h5"), count)
    per = count // files
    for k in range(files):
        well_file(os.path.join(out, "well", "data", "train", f"stream_bench_train_{k:02d}.hdf5"), per, k * per)
    well_file(os.path.join(out, "well", "data", "valid", "stream_bench_valid.hdf5"), 16, 100000)
    well_file(os.path.join(out, "well", "data", "test", "stream_bench_test.hdf5"), 16, 200000)
