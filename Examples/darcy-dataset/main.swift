// Example 2: generate a Darcy dataset (the FNO paper's recipe) as a resumable HDF5 file.
//
//   −∇·(a∇u) = 1 on (0,1)², u = 0 on the boundary, a = 12 where a Gaussian random field ψ ≥ 0 and 3
//   elsewhere. Systems are ordered by similarity and solved with PDEKit's sequence solver (direct or
//   Krylov recycling, whichever is faster at this size), as `pdekit generate darcy` does.
//
// usage: example-darcy-dataset OUTPUT.h5 [--samples N] [--resolution S] [--seed N] [--smoke]
// The file holds `coeff` [N, S, S] and `sol` [N, S, S] plus a manifest; rerunning resumes.
import Foundation
import PDEKit

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    exit(2)
}

var arguments = Array(CommandLine.arguments.dropFirst())
if arguments.isEmpty || arguments.contains("--help") {
    print("usage: example-darcy-dataset OUTPUT.h5 [--samples N] [--resolution S] [--seed N] [--smoke]")
    exit(arguments.isEmpty ? 2 : 0)
}
let output = arguments.removeFirst()
var samples = 200, resolution = 33, seed: UInt64 = 0
while !arguments.isEmpty {
    let option = arguments.removeFirst()
    switch option {
    case "--smoke": samples = 24; resolution = 17
    case "--samples", "--resolution", "--seed":
        guard let text = arguments.first, let value = Int(text), value >= 0 else { fail("\(option) needs a non-negative integer") }
        arguments.removeFirst()
        if option == "--samples" { samples = value } else if option == "--resolution" { resolution = value } else { seed = UInt64(value) }
    default: fail("unknown option '\(option)' (see --help)")
    }
}

do {
    let configuration = GenerationConfiguration(family: .darcy, sampleCount: samples, resolution: resolution, seed: seed)
    let generator = try DatasetGenerator(configuration)
    let summary = try generator.run(output: output) { done, total in
        FileHandle.standardError.write(Data("\rgenerating: \(done)/\(total) samples".utf8))
    }
    FileHandle.standardError.write(Data("\n".utf8))
    print("wrote \(output): \(summary.completedCount) samples at \(resolution)² (\(summary.solverDescription))")
    print(String(format: "%.2f ms per sample, %.1f iterations per sample", summary.secondsPerSample * 1000, summary.iterationsPerSample))
} catch {
    fail("\(error)")
}
