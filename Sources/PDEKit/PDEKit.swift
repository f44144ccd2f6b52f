/// PDEKit umbrella module: one import for the public modules.
@_exported import RunSupport
@_exported import TensorCore
@_exported import AutoDiff
@_exported import NeuralLayers
@_exported import DenseLinearAlgebra
@_exported import SparseSolvers
@_exported import Plotting
@_exported import PDEs
@_exported import DataGeneration
@_exported import Datasets
@_exported import PhysicsInformed
@_exported import GaussianProcesses
@_exported import LearnedSolvers
@_exported import NeuralOperators
@_exported import Training
@_exported import Distributed
@_exported import TorchInterop
