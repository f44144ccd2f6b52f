"""Reads PDEKit's The Well fixtures with the `the-well` package's own loader (WellDataset) and writes
what it returns to datasets/fixtures/collections/the_well_loader_reference.npz, which
TrajectoryCollectionTests compares with PDEKit's reader on every element.

For each split (train, valid, test) of datasets/fixtures/collections/the_well/fixture_flow, WellDataset
in full-trajectory mode with one input step returns, per trajectory, input_fields [1, x, y, C] and
output_fields [T-1, x, y, C]; together they are the trajectory [T, x, y, C], stored as
`<split>` [N, T, C, x, y] (PDEKit's order); each scalar as `<split>_scalar_<name>` [N, T] (input_scalars
and output_scalars for time-varying ones, constant_scalars repeated over T for the others); the channel names of its metadata (field_names of orders
0, 1, 2: tensor fields flattened to components) go to the_well_loader_reference_channels.json.

Setup (the-well without its CUDA torch: the torch venv's CPU torch plus the-well and einops unpinned):
    /work/venvs/well/bin/pip install --no-deps --target /work/venvs/well-nodeps the-well einops
    PYTHONPATH=/work/venvs/well-nodeps bench/.venv-torch/bin/python bench/peers/well_loader_reference.py
"""
import json
import os

import numpy as np
from the_well.data import WellDataset

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.join(here, "..", "..", "datasets", "fixtures", "collections")
dataset = os.path.join(root, "the_well", "fixture_flow")

arrays, channels = {}, {}
for split in ("train", "valid", "test"):
    well = WellDataset(path=dataset, well_split_name=split, n_steps_input=1, full_trajectory_mode=True,
                       use_normalization=False, return_grid=True)
    names = [name for order in range(3) for name in well.metadata.field_names[order]]
    trajectories, scalars = [], {name: [] for name in well.metadata.scalar_names + well.metadata.constant_scalar_names}
    for index in range(len(well)):
        sample = well[index]
        full = np.concatenate([sample["input_fields"].numpy(), sample["output_fields"].numpy()], axis=0)  # [T, x, y, C]
        assert full.shape[-1] == len(names), (full.shape, names)
        trajectories.append(np.moveaxis(full, -1, 1))  # [T, C, x, y]
        # Time-varying scalars: input_scalars + output_scalars [T, S]; the others constant_scalars [S'],
        # repeated over the T steps here (PDEKit's [N, T, S] layout).
        varying = np.concatenate([sample["input_scalars"].numpy(), sample["output_scalars"].numpy()], axis=0)
        for k, name in enumerate(well.metadata.scalar_names):
            scalars[name].append(varying[:, k])
        for k, name in enumerate(well.metadata.constant_scalar_names):
            scalars[name].append(np.full(full.shape[0], sample["constant_scalars"].numpy()[k]))
    arrays[split] = np.stack(trajectories).astype(np.float32)
    for name, values in scalars.items():
        arrays[f"{split}_scalar_{name}"] = np.stack(values).astype(np.float32)  # [N, T]
    channels[split] = names
    print(split, arrays[split].shape, names)
np.savez(os.path.join(root, "the_well_loader_reference.npz"), **arrays)
with open(os.path.join(root, "the_well_loader_reference_channels.json"), "w") as f:
    json.dump(channels, f, indent=1, sort_keys=True)
