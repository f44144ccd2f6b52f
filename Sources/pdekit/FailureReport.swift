import ArgumentParser
import Foundation
import PDEKit

/// The CLI's one error path: every failure, whether the flags do not parse or a command throws,
/// becomes one `error: …` line on stderr (through ``StatusLine/printError(_:)``, which ends an
/// open progress line first) and a non-zero exit status. Help, `--version` and other clean exits
/// keep ArgumentParser's own output and status.
enum FailureReport {
    /// Reports an error thrown while parsing or validating the command line, and exits.
    ///
    /// A usage error is followed by a hint line naming the subcommand's help, e.g.
    /// `see 'pdekit generate pde --help'`.
    static func exitAfterParsing(_ error: any Error) -> Never {
        let code = PDEKitCommand.exitCode(for: error)
        if code == .success || error is ExitCode { PDEKitCommand.exit(withError: error) }
        StatusLine.printError(ParseFailure(message: PDEKitCommand.message(for: error)))
        if let hint = helpHint(in: PDEKitCommand.fullMessage(for: error, columns: 1000)) { StatusLine.printLine(hint) }
        exit(code.rawValue == 0 ? 1 : code.rawValue)
    }

    /// Reports an error thrown by a command's `run()`, and exits.
    static func exitAfterRunning(_ error: any Error) -> Never {
        let communicator = Job.communicator
        if let exitCode = error as? ExitCode {
            if communicator.size > 1 {
                if exitCode.rawValue != 0 { communicator.abort(exitCode: exitCode.rawValue) }
                MPIRuntime.finalize()
            }
            exit(exitCode.rawValue)
        }
        // A group run without a subcommand asks for its help; CleanExit prints a message.
        if error is CleanExit || PDEKitCommand.exitCode(for: error) == .success { PDEKitCommand.exit(withError: error) }
        guard communicator.usesMPI, communicator.size > 1 else {
            StatusLine.printError(error)
            exit(1)
        }
        // With several ranks the failure may be this rank's alone while the others wait in a collective, so
        // the job ends with MPI_Abort (no rank hangs). A rank other than 0 waits briefly first: when every
        // rank meets the same error (a bad value on the command line), rank 0 prints it and ends the job.
        if !communicator.isRoot { sleep(1) }
        StatusLine.printError(RankFailure(rank: communicator.rank, size: communicator.size, underlying: error))
        communicator.abort(exitCode: 1)
    }

    /// `see 'pdekit X --help'` from ArgumentParser's usage text (`See 'pdekit X --help' for more information.`).
    static func helpHint(in usage: String) -> String? {
        guard let start = usage.range(of: "See '"),
              let end = usage[start.upperBound...].range(of: "'") else { return nil }
        return "see '" + usage[start.upperBound..<end.lowerBound] + "'"
    }

    /// ArgumentParser's message, printed as it is (it already names the flag).
    struct ParseFailure: Error, CustomStringConvertible { let message: String; var description: String { message } }

    /// An error with the rank that met it.
    struct RankFailure: Error, CustomStringConvertible {
        let rank: Int, size: Int
        let underlying: any Error
        var description: String { "\(underlying) (rank \(rank) of \(size))" }
    }
}

/// Runs a library check from a command's `validate()`: its error becomes a usage error (exit status 64 and
/// the `see 'pdekit … --help'` hint), as if the flag had not parsed.
func validatingFlags(_ check: () throws -> Void) throws {
    do { try check() } catch { throw ValidationError(String(describing: error)) }
}
