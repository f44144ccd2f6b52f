import Foundation
import PDEs

/// A problem file given to `generate --problem FILE`: a linear second-order elliptic problem on a
/// 2-D box (`EllipticBoxDiscretization`) with exactly one random-field coefficient, the operator's
/// input (stored as `coeff`, the solution as `sol`, like the bundled families).
///
/// Sampling: input i is drawn from the same per-sample generator and the same
/// `GaussianRandomField` sampler as `generate darcy`, so the file of the Darcy family
/// (`datasets/problems/darcy-generate.json`) writes the same `coeff`, `sol` and `sample_index`
/// bit for bit. The file's bytes (FNV-1a digest) are part of the content key: an edited file does
/// not resume an old data set.
public struct GenerationProblem: Sendable, Equatable {
    public let path: String
    /// FNV-1a 64-bit digest of the file's bytes, hexadecimal.
    public let digest: String
    /// The file's text (recorded in the data set as `pdekit.problem_file`).
    public let text: String
    public let description: PDEProblemDescription

    public static func == (a: GenerationProblem, b: GenerationProblem) -> Bool { a.digest == b.digest && a.text == b.text }

    /// Reads and checks the file (errors are `ProblemError`s with line and column).
    public init(path: String) throws {
        let problem = try ProblemFile.load(path: path)
        guard problem.randomCoefficients.count == 1 else {
            throw ProblemError(.invalidValue, "generate --problem needs exactly one random-field coefficient (the operator's input), e.g. \"a\": {\"random\": \"gaussian\"}; this problem has \(problem.randomCoefficients.count)",
                               at: nil, file: path)
        }
        guard problem.spatialDimension == 2 else {
            throw ProblemError(.unsupported, "generate --problem writes 2-D data sets; this problem is \(problem.spatialDimension)-D", at: nil, file: path)
        }
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        self.path = path
        self.digest = String(hash, radix: 16)
        self.text = text
        self.description = problem
    }

    /// The random coefficient that is the operator's input.
    public var input: RandomFieldCoefficient { description.randomCoefficients[0].field }

    /// The discretization at `resolution` nodes per side (errors name the file).
    public func discretization(resolution: Int) throws -> EllipticBoxDiscretization {
        do { return try EllipticBoxDiscretization(problem: description, resolution: resolution) } catch var error as ProblemError {
            error.file = path
            throw error
        }
    }

    /// The family and problem of a `generate` command: a family name, or `--problem FILE` (family
    /// `problem`), not both.
    public static func choose(family: GenerationFamily?, problemPath: String?) throws -> (GenerationFamily, GenerationProblem?) {
        switch (family, problemPath) {
        case (nil, nil): throw GenerationError.invalidParameter(name: "problem", reason: "give a family (\(GenerationFamily.allCases.filter { $0 != .problem }.map(\.rawValue).joined(separator: ", "))) or --problem FILE")
        case (let family?, nil):
            guard family != .problem else { throw GenerationError.invalidParameter(name: "problem", reason: "family 'problem' needs --problem FILE") }
            return (family, nil)
        case (nil, let path?), (.problem?, let path?): return (.problem, try GenerationProblem(path: path))
        case (let family?, _?): throw GenerationError.invalidParameter(name: "problem", reason: "give either the family \(family.rawValue) or --problem FILE, not both")
        }
    }
}
