import Foundation
import PDEs

/// A problem file given to `generate --problem FILE`: a linear second-order elliptic problem on a
/// 2-D or 3-D box (`EllipticBoxDiscretization`) with one or more random-field coefficients, the
/// operator's inputs (stored as `coeff`, the solution as `sol`, like the bundled families; with k > 1
/// coefficients `coeff` holds k channels in the alphabetical order of their names, `[N, k, s, …]`).
///
/// Sampling: the first coefficient (by name) of sample i is drawn from the same per-sample generator and the
/// same `GaussianRandomField` sampler as `generate darcy`, so the file of the Darcy family
/// (`datasets/problems/darcy-generate.json`) writes the same `coeff`, `sol` and `sample_index`
/// bit for bit. Every further coefficient has its own stream, seeded from (seed, i, its name)
/// (`coefficientSeed`): adding or renaming a later coefficient does not change the others' draws.
/// The file's bytes (FNV-1a digest) are part of the content key: an edited file does not
/// resume an old data set.
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
        guard !problem.randomCoefficients.isEmpty else {
            throw ProblemError(.invalidValue, "generate --problem needs at least one random-field coefficient (the operator's input), e.g. \"a\": {\"random\": \"gaussian\"}",
                               at: nil, file: path)
        }
        guard problem.spatialDimension == 2 || problem.spatialDimension == 3 else {
            throw ProblemError(.unsupported, "generate --problem writes 2-D and 3-D data sets; this problem is \(problem.spatialDimension)-D", at: nil, file: path)
        }
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        self.path = path
        self.digest = String(Self.fnv1a(text), radix: 16)
        self.text = text
        self.description = problem
    }

    /// FNV-1a 64-bit hash of a string's UTF-8 bytes.
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }

    /// The first random coefficient (drawn like `generate darcy`'s).
    public var input: RandomFieldCoefficient { description.randomCoefficients[0].field }
    /// All random coefficients, by name (the channels of `coeff`).
    public var inputs: [(name: String, field: RandomFieldCoefficient)] { description.randomCoefficients }
    /// Spatial dimension of the box (2 or 3).
    public var dimension: Int { description.spatialDimension }

    /// The seed of coefficient `name`'s stream in sample `index` (coefficients after the first):
    /// SplitMix64's finalizer over the run seed, the sample index and the name's FNV-1a hash, so
    /// the streams are independent of one another and of the first coefficient's.
    public static func coefficientSeed(seed: UInt64, sample index: Int, name: String) -> UInt64 {
        func mix(_ value: UInt64) -> UInt64 {
            var z = value &+ 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        return mix(mix(mix(seed) ^ UInt64(truncatingIfNeeded: index)) ^ fnv1a(name))
    }

    /// The content-key description of the inputs (the single-input text is the one earlier
    /// versions wrote, so their data sets still resume).
    public var inputKey: String {
        inputs.count == 1 ? input.key : inputs.map { "\($0.name):\($0.field.key)" }.joined(separator: ";")
    }

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
