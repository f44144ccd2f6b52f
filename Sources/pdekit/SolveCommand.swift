import ArgumentParser
import Foundation
import PDEKit
import RunSupport

extension SolverConfiguration.Method: ExpressibleByArgument {}

extension SolverConfiguration.Preconditioner: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
}

/// `pdekit solve`: solve A x = b for a Matrix Market matrix with a direct or Krylov method.
struct Solve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Solve A x = b for a sparse matrix in Matrix Market format.",
        discussion: """
        Exit status: 0 when the solve converged, 1 on bad input (the message starts with 'error:'),
        2 when the method did not reach the tolerance (the report is still printed).
        """
    )

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Argument(help: "Matrix file (Matrix Market, coordinate real|integer|pattern, general|symmetric).")
    var matrix: String

    @Option(help: "Right-hand side: a Matrix Market vector file, or 'ones'.")
    var rhs: String = "ones"

    @Option(help: "Solution method.")
    var method: SolverConfiguration.Method = .gmres

    @Option(help: "Preconditioner (multigrid needs --grid).")
    var preconditioner: SolverConfiguration.Preconditioner = .none

    @Option(help: "Grid of the unknowns for multigrid and dcdm, e.g. 64x64 or 16x16x16 (x fastest).")
    var grid: String?

    @Option(help: "Relative tolerance rtol: stop when ‖b − A x‖ ≤ rtol ‖b‖.")
    var relativeTolerance: Double = 1e-8

    @Option(help: "Iteration limit.")
    var maxIterations = CountArgument(10_000)

    @Option(help: "Restart length m for GMRES, FGMRES and GCRO-DR.")
    var restart = CountArgument(40)

    @Option(help: "Recycled vectors k for GCRO-DR.")
    var recycled = CountArgument(20)

    @Option(help: "Trained DCDM network (safetensors from `pdekit dcdm train`); --method dcdm needs it and --grid.")
    var model: String?

    @Option(help: "Output format.")
    var format: OutputFormat = .text

    @Option(help: "Write the solution to this Matrix Market file.")
    var solution: String?

    struct Output: Codable {
        var matrix: String
        var rows: Int
        var entries: Int
        var method: String
        var factorization: String?
        var outcome: String
        var iterations: Int
        var relativeResidual: Double
        var setupSeconds: Double
        var solveSeconds: Double
        var residualNorms: [Double]
    }

    struct InputError: Error, CustomStringConvertible {
        let description: String
    }

    func run() throws {
        do {
            let converged = try execute()
            if !converged { throw ExitCode(2) }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            StatusLine.printError(error)
            throw ExitCode.failure
        }
    }

    /// The flags as a validated configuration (before any file is read).
    private func solverConfiguration() throws -> SolverConfiguration {
        let configuration = SolverConfiguration(
            method: method, preconditioner: preconditioner, relativeTolerance: relativeTolerance,
            maximumIterations: try maxIterations.value("max-iterations"), restart: try restart.value("restart"),
            recycledCount: try recycled.value("recycled"), grid: try grid.map(SolverConfiguration.parseGrid))
        try configuration.validate()
        return configuration
    }

    /// Returns whether the solve converged.
    private func execute() throws -> Bool {
        let configuration = try solverConfiguration()
        if method == .dcdm, model == nil { throw InputError(description: "--method dcdm needs --model") }
        let a = try MatrixMarket.readMatrix(path: matrix)
        let b: [Double]
        if rhs == "ones" {
            b = [Double](repeating: 1, count: a.rowCount)
        } else {
            b = try MatrixMarket.readVector(path: rhs)
        }
        let solver: any LinearSolver = if let model, method == .dcdm {
            try DCDMLinearSolver(configuration: configuration, network: DCDMNetwork.load(from: URL(fileURLWithPath: model)).network)
        } else {
            try configuration.makeSolver()
        }
        let setupStart = ContinuousClock.now
        try solver.setup(a)
        let setupSeconds = seconds(since: setupStart)
        let result = try solver.solve(b)
        let report = result.report
        if let solution { try MatrixMarket.write(result.solution, path: solution) }
        let output = Output(matrix: matrix, rows: a.rowCount, entries: a.entryCount, method: report.method,
                            factorization: report.factorization?.rawValue, outcome: report.outcome.rawValue,
                            iterations: report.iterations, relativeResidual: report.relativeResidual,
                            setupSeconds: setupSeconds, solveSeconds: report.seconds, residualNorms: report.residualNorms)
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(output), as: UTF8.self))
        case .text:
            print("matrix:            \(matrix) (\(a.rowCount)×\(a.columnCount), \(a.entryCount) entries)")
            print("method:            \(report.method)")
            print("outcome:           \(report.outcome.rawValue)")
            print("iterations:        \(report.iterations)")
            print("relative residual: \(report.relativeResidual)")
            print("setup time:        \(setupSeconds) s")
            print("solve time:        \(report.seconds) s")
        }
        if report.outcome != .converged {
            StatusLine.printLine("warning: \(report.method) did not converge (\(report.outcome.rawValue), relative residual \(report.relativeResidual))")
        }
        return report.outcome == .converged
    }
}

func seconds(since start: ContinuousClock.Instant) -> Double {
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}
