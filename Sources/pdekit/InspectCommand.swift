import ArgumentParser
import Foundation
import PDEKit

/// `pdekit inspect FILE`: what a dataset file holds.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe a dataset file: format, arrays with shape, dtype and statistics, attributes and provenance.",
        discussion: """
        Supported: HDF5 (.h5/.hdf5, including PDEBench layouts), NumPy .npy and .npz (object arrays \
        of numeric arrays are shown as NAME[0], NAME[1], …), MATLAB .mat v5/v7 and v7.3. The format is \
        detected from the file's first bytes, not its extension.
        Exit status: 0 on success, 1 when the file is missing, unreadable or malformed (one line \
        starting with 'error:').
        """
    )

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Argument(help: "The dataset file.")
    var file: String

    @Flag(help: "Skip min/max/mean (which reads every element).")
    var noStats = false

    @Option(help: "Output format.")
    var format: OutputFormat = .text

    func run() throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), isDirectory.boolValue,
           let collection = try TrajectoryCollection.describe(file) {
            // A The Well dataset directory: its splits and fields, in the collection's words.
            print(format == .json ? try JSONLine.encode(["path": file, "collection": collection.joined(separator: "\n")]) : "\(file):\n" + collection.joined(separator: "\n"))
            return
        }
        let report = try DatasetReport(file: file, statistics: !noStats)
        switch format {
        case .json:
            print(try JSONLine.encode(report))
        case .text:
            print(report.text)
        }
    }
}
