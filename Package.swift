// swift-tools-version: 6.1
// PDEKit: neural operators and classical/learned sparse solvers for PDEs.
// Module stack and data flow: see ARCHITECTURE.md.
import PackageDescription

/// Release-mode numeric code: the kernels are `@inlinable` generic code, so no unsafe flags are
/// needed for speed and the package stays usable as a dependency.
let package = Package(
    name: "PDEKit",
    products: [
        .library(name: "PDEKit", targets: ["PDEKit"]),
        .executable(name: "pdekit", targets: ["pdekit"]),
        // The C API (`Sources/PDEKitC/include/pdekit.h`) as libPDEKitC.so for C, C++ and Fortran codes.
        .library(name: "PDEKitC", type: .dynamic, targets: ["PDEKitC"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System libraries (Debian packages; see scripts/install-system-packages.sh).
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),
        .systemLibrary(name: "CSuiteSparse", providers: [.apt(["libsuitesparse-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CMalloc"),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // hypre's BoomerAMG and ILUT behind a small C layer (Debian libhypre-dev, built with Open MPI);
        // hypre's headers are reached through two forwarders in CHypre/system-headers.
        .target(name: "CHypre", dependencies: ["CLibrarySlots"], cSettings: [.headerSearchPath("system-headers")],
                linkerSettings: [.linkedLibrary("HYPRE"), .linkedLibrary("mpi")]),
        // Open MPI; shim.h returns the predefined handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, …) that are macros.
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),
        // Elementwise Float kernels compiled for AVX-512 / AVX2 / baseline, chosen at run time.
        .target(name: "CKernels"),
        // One loaded library's calls of named functions pointed at replacements (its GOT slots; see the header).
        .target(name: "CLibrarySlots"),
        // CHOLMOD's OpenMP regions run as plain calls (libcholmod's GOT slots bound at run time; see the header).
        .target(name: "CCholmodRegions", dependencies: ["CLibrarySlots"]),

        // What every long job needs: atomic writes, progress lines, memory checks, the error line.
        .target(name: "RunSupport"),
        // Processes of one job: a Communicator (MPI world under mpirun/srun, a single rank otherwise) and shards.
        .target(name: "Distributed", dependencies: ["CMPI"]),

        // Numerical core.
        .target(name: "TensorCore", dependencies: ["CBLAS", "CFFTW", "CKernels", "CMalloc", "RunSupport"]),
        .target(name: "AutoDiff", dependencies: ["TensorCore"]),
        // Dense factorizations and eigensolvers (LAPACK), one row-major matrix, one error type.
        .target(name: "DenseLinearAlgebra", dependencies: ["CBLAS"]),
        .target(name: "NeuralLayers", dependencies: ["AutoDiff", "RunSupport", "TensorCore"]),
        .target(name: "SparseSolvers", dependencies: ["DenseLinearAlgebra", "RunSupport", "CBLAS", "CCholmodRegions", "CHypre", "CSuiteSparse"]),
        .target(name: "PhysicsInformed", dependencies: ["AutoDiff", "Datasets", "DenseLinearAlgebra", "NeuralLayers", "PDEs", "Plotting", "RunSupport", "TensorCore", "Training", "CKernels"]),
        .target(name: "GaussianProcesses", dependencies: ["AutoDiff", "DenseLinearAlgebra", "NeuralLayers", "PDEs", "Plotting", "RunSupport", "TensorCore", "Training"]),
        .target(name: "NeuralOperators", dependencies: ["AutoDiff", "Datasets", "DenseLinearAlgebra", "NeuralLayers", "RunSupport", "TensorCore", "CBLAS"]),
        .target(name: "Training", dependencies: ["AutoDiff", "Datasets", "Distributed", "LearnedSolvers", "NeuralLayers", "NeuralOperators", "Plotting", "RunSupport", "TensorCore"]),
        .target(name: "Plotting", dependencies: ["CPNG"]),
        .target(name: "PDEs", dependencies: ["SparseSolvers", "TensorCore", "CFFTW"]),
        .target(name: "Datasets", dependencies: ["RunSupport", "TensorCore", "CHDF5", "CZlib"]),
        .target(name: "DataGeneration", dependencies: ["Datasets", "Distributed", "PDEs", "RunSupport", "SparseSolvers", "TensorCore", "CBLAS"]),
        .target(name: "LearnedSolvers", dependencies: ["AutoDiff", "DenseLinearAlgebra", "NeuralLayers", "RunSupport", "SparseSolvers", "TensorCore", "CBLAS"]),

        // Umbrella and CLI.
        .target(name: "TorchInterop", dependencies: ["Datasets", "NeuralLayers", "NeuralOperators", "RunSupport", "TensorCore", "Training"]),

        .target(name: "PDEKit", dependencies: ["AutoDiff", "DataGeneration", "Datasets", "DenseLinearAlgebra", "Distributed", "GaussianProcesses", "LearnedSolvers", "NeuralLayers", "NeuralOperators", "PDEs", "PhysicsInformed", "Plotting", "RunSupport", "SparseSolvers", "TensorCore", "TorchInterop", "Training"]),
        // C API: opaque handles over Training, SparseSolvers and LearnedSolvers; the header is hand-written.
        .target(name: "PDEKitC", dependencies: ["LearnedSolvers", "NeuralLayers", "NeuralOperators", "SparseSolvers", "TensorCore", "Training"],
                exclude: ["include"]),
        // The benchmark suites behind `pdekit bench …` (each measurement a Codable record).
        .target(name: "Benchmarks", dependencies: ["PDEKit", "PDEKitC", "CFFTW"]),
        .executableTarget(name: "pdekit", dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser"), "Benchmarks", "PDEKit", "RunSupport"]),

        // Worked examples that build on each other (Examples/README.md); each has a --smoke mode the tests run.
        .executableTarget(name: "example-poisson-solve", dependencies: ["PDEKit"], path: "Examples/poisson-solve"),
        .executableTarget(name: "example-darcy-dataset", dependencies: ["PDEKit"], path: "Examples/darcy-dataset"),
        .executableTarget(name: "example-train-fno", dependencies: ["PDEKit"], path: "Examples/train-fno"),

        // Tests mirror the modules; TestSupport holds what several test targets share (NaN-failing maxima).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "RunSupportTests", dependencies: ["RunSupport", "TestSupport"]),
        .testTarget(name: "BenchmarksTests", dependencies: ["Benchmarks"]),
        .testTarget(name: "DistributedTests", dependencies: ["Distributed"]),
        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore", "TestSupport"]),
        .testTarget(name: "AutoDiffTests", dependencies: ["AutoDiff", "TensorCore"]),
        .testTarget(name: "DenseLinearAlgebraTests", dependencies: ["DenseLinearAlgebra"]),
        .testTarget(name: "NeuralLayersTests", dependencies: ["AutoDiff", "NeuralLayers", "TensorCore", "TestSupport"]),
        .testTarget(name: "SparseSolversTests", dependencies: ["DenseLinearAlgebra", "Distributed", "RunSupport", "SparseSolvers", "TestSupport"]),
        .testTarget(name: "PhysicsInformedTests", dependencies: ["AutoDiff", "NeuralLayers", "PDEs", "PhysicsInformed", "TensorCore", "TestSupport", "Training"]),
        .testTarget(name: "NeuralOperatorsTests", dependencies: ["AutoDiff", "NeuralLayers", "NeuralOperators", "RunSupport", "TensorCore", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["AutoDiff", "NeuralLayers", "NeuralOperators", "TensorCore", "TestSupport", "Training"]),
        .testTarget(name: "PlottingTests", dependencies: ["Plotting"]),
        .testTarget(name: "PDEsTests", dependencies: ["PDEs", "SparseSolvers", "TensorCore", "TestSupport"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "TensorCore", "TestSupport", "CHDF5"]),
        .testTarget(name: "DataGenerationTests", dependencies: ["DataGeneration", "Datasets", "Distributed", "PDEs", "RunSupport", "SparseSolvers", "TestSupport"]),
        .testTarget(name: "GaussianProcessesTests", dependencies: ["GaussianProcesses", "NeuralLayers", "PDEs", "TensorCore", "TestSupport", "Training"]),
        .testTarget(name: "LearnedSolversTests", dependencies: ["AutoDiff", "LearnedSolvers", "NeuralLayers", "RunSupport", "SparseSolvers", "TensorCore", "TestSupport"]),
        .testTarget(name: "TorchInteropTests", dependencies: ["Datasets", "NeuralLayers", "NeuralOperators", "RunSupport", "TensorCore", "TestSupport", "TorchInterop", "Training"]),
        .testTarget(name: "CLITests", dependencies: ["PDEKit", "TestSupport"]),
        .testTarget(name: "EmbeddingTests", dependencies: ["PDEKit", "PDEKitC", "TestSupport"]),
    ]
)
