import ArgumentParser
import Foundation
import PDEKit

/// `pdekit merge`: joins the part files of a sharded `generate` run into one data set.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Join the parts of 'pdekit generate … --shard I/N' into one HDF5 data set.",
        discussion: """
        The parts must be all N parts of one run (same parameters), each complete; they are checked \
        before anything is written, and the output is written atomically, holding the same arrays a \
        one-process run writes. Give the part files, or --parts N to take <stem>.shard-I-of-N.<ext> \
        next to the output. The parts are kept unless --remove-parts.
        Exit status: 0 on success, 1 when a part is missing, incomplete or from another run.
        """
    )

    @Option(help: "The merged HDF5 file.")
    var output: String

    @Option(help: "Number of parts N: take the parts named after the output (<stem>.shard-I-of-N.<ext>).")
    var parts: Int?

    @Argument(help: "Part files (instead of --parts).")
    var files: [String] = []

    @Flag(help: "Delete the part files after a successful merge.")
    var removeParts = false

    func run() throws {
        let paths: [String]
        switch (parts, files.isEmpty) {
        case (let count?, true):
            guard count >= 1, count <= 1 << 20 else { throw GenerationError.invalidParameter(name: "parts", reason: "must lie in 1…2²⁰") }
            paths = try GenerationShardFile.paths(of: output, count: count)
        case (nil, false): paths = files
        default: throw GenerationError.invalidParameter(name: "parts", reason: "give either --parts N or the part files, not both or neither")
        }
        let count = try GenerationShardFile.merge(paths, into: output)
        if removeParts { for path in paths { try FileManager.default.removeItem(atPath: path) } }
        print("merged \(paths.count) parts into \(output): \(count) samples")
    }
}
