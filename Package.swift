// swift-tools-version: 6.1
// PDEKit: neural operators and classical/learned sparse solvers for PDEs.
// Module stack and data flow: see ARCHITECTURE.md (kept in the project's shared folder).
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
        // Elementwise Float kernels compiled for AVX-512 / AVX2 / baseline, chosen at run time.
        .target(name: "CKernels"),

        // What every long job needs: atomic writes, progress lines, memory checks, the error line.
        .target(name: "RunSupport"),

        // Numerical core.
        .target(name: "TensorCore", dependencies: ["CFFTW", "CBLAS", "CMalloc", "CKernels"]),
        .target(name: "AutoDiff", dependencies: ["TensorCore"]),
        // Dense factorizations and eigensolvers (LAPACK), one row-major matrix, one error type.
        .target(name: "DenseLinearAlgebra", dependencies: ["CBLAS"]),
        .target(name: "NeuralLayers", dependencies: ["AutoDiff"]),
        .target(name: "SparseSolvers", dependencies: ["CSuiteSparse", "CBLAS", "RunSupport", "DenseLinearAlgebra"]),
        .target(name: "PhysicsInformed", dependencies: ["NeuralLayers", "DenseLinearAlgebra", "CKernels"]),
        .target(name: "GaussianProcesses", dependencies: ["TensorCore", "AutoDiff", "NeuralLayers", "DenseLinearAlgebra"]),
        .target(name: "NeuralOperators", dependencies: ["NeuralLayers", "Datasets", "CBLAS", "DenseLinearAlgebra"]),
        .target(name: "Training", dependencies: ["NeuralOperators", "NeuralLayers", "Datasets", "Plotting", "RunSupport"]),
        .target(name: "Plotting", dependencies: ["CPNG"]),
        .target(name: "PDEs", dependencies: ["TensorCore", "SparseSolvers", "CFFTW"]),
        .target(name: "Datasets", dependencies: ["TensorCore", "CHDF5", "CZlib"]),
        .target(name: "DataGeneration", dependencies: ["SparseSolvers", "PDEs", "Datasets", "CBLAS"]),
        .target(name: "LearnedSolvers", dependencies: ["NeuralLayers", "SparseSolvers", "CBLAS", "DenseLinearAlgebra"]),

        // Umbrella and CLI.
        .target(name: "PDEKit", dependencies: [
            "RunSupport", "TensorCore", "AutoDiff", "NeuralLayers", "DenseLinearAlgebra", "SparseSolvers",
            "Plotting",
            "PDEs",
            "Datasets",
            "DataGeneration",
            "PhysicsInformed",
            "GaussianProcesses",
            "LearnedSolvers",
            "NeuralOperators",
            "Training",
        ]),
        // C API: opaque handles over Training, SparseSolvers and LearnedSolvers; the header is hand-written.
        .target(name: "PDEKitC", dependencies: ["TensorCore", "SparseSolvers", "LearnedSolvers", "NeuralLayers", "NeuralOperators", "Training"],
                exclude: ["include"]),
        .executableTarget(name: "pdekit", dependencies: [
            "PDEKit",
            "PDEKitC",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Worked examples that build on each other (Examples/README.md); each has a --smoke mode the tests run.
        .executableTarget(name: "example-poisson-solve", dependencies: ["PDEKit"], path: "Examples/poisson-solve"),
        .executableTarget(name: "example-darcy-dataset", dependencies: ["PDEKit"], path: "Examples/darcy-dataset"),
        .executableTarget(name: "example-train-fno", dependencies: ["PDEKit"], path: "Examples/train-fno"),

        // Tests mirror the modules.
        .testTarget(name: "RunSupportTests", dependencies: ["RunSupport"]),
        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore"]),
        .testTarget(name: "AutoDiffTests", dependencies: ["AutoDiff"]),
        .testTarget(name: "DenseLinearAlgebraTests", dependencies: ["DenseLinearAlgebra"]),
        .testTarget(name: "NeuralLayersTests", dependencies: ["NeuralLayers"]),
        .testTarget(name: "SparseSolversTests", dependencies: ["SparseSolvers"]),
        .testTarget(name: "PhysicsInformedTests", dependencies: ["PhysicsInformed"]),
        .testTarget(name: "NeuralOperatorsTests", dependencies: ["NeuralOperators"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training"]),
        .testTarget(name: "PlottingTests", dependencies: ["Plotting"]),
        .testTarget(name: "PDEsTests", dependencies: ["PDEs", "TensorCore", "SparseSolvers"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets"]),
        .testTarget(name: "DataGenerationTests", dependencies: ["DataGeneration"]),
        .testTarget(name: "GaussianProcessesTests", dependencies: ["GaussianProcesses"]),
        .testTarget(name: "LearnedSolversTests", dependencies: ["LearnedSolvers"]),
        .testTarget(name: "CLITests", dependencies: ["PDEKit"]),
        .testTarget(name: "EmbeddingTests", dependencies: ["PDEKit", "PDEKitC"]),
    ]
)
