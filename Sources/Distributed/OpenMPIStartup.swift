import Foundation

/// What `MPIRuntime` tells Open MPI before `MPI_Init` so that a job on machines without a
/// high-speed fabric does not spend its start-up probing for one.
///
/// Open MPI chooses its point-to-point layer (PML) at `MPI_Init` by opening every candidate: `ob1`
/// (shared memory and TCP through its BTLs), `cm` (a fabric's matching layer: PSM for InfiniPath, PSM2
/// for Omni-Path, OFI) and `ucx`. On a machine with none of those fabrics `cm` finds no device and `ob1`
/// wins every time, but the probing of the PSM and PSM2 libraries costs about 0.19 s of every rank's
/// `MPI_Init` (Debian's Open MPI 4.1.4 on a 2-core VM: 0.25 s with the default choice, 0.06 s with
/// `ob1` named; measured with a C program timing `MPI_Init_thread`). A 2-rank `generate` of a few
/// seconds pays that once per run, against a one-process run that never initializes MPI.
///
/// So, when the machine has no fabric device and nobody chose a PML, the process asks for `ob1`
/// (`OMPI_MCA_pml=ob1`), the layer Open MPI would have picked anyway. It never overrides a choice:
/// an `OMPI_MCA_pml` or `OMPI_MCA_mtl` in the environment, or a `pml` include list in Open MPI's
/// system or user parameter file, leaves everything as it is. Other MPI libraries ignore the variable.
public enum OpenMPIStartup {
    /// Where a high-speed fabric shows itself on Linux: InfiniBand, RoCE, iWARP and Omni-Path devices
    /// under `/sys/class/infiniband`, HPE Slingshot under `/sys/class/cxi`, and the InfiniPath and
    /// Omni-Path character devices in `/dev`.
    public static let fabricDeviceDirectories = ["/sys/class/infiniband", "/sys/class/cxi"]
    public static let fabricDevicePrefixes = ["hfi1", "ipath"]

    /// Open MPI's parameter files: Debian's system file, the usual prefix's, and the user's.
    public static let parameterFiles = ["/etc/openmpi/openmpi-mca-params.conf", "/usr/etc/openmpi-mca-params.conf",
                                        NSHomeDirectory() + "/.openmpi/mca-params.conf"]

    /// The variables to set before `MPI_Init` (empty when nothing is to change).
    /// - Parameters:
    ///   - fabricPresent: whether the machine has a high-speed fabric device (``machineHasFabricDevice()``).
    ///   - parameterFileTexts: the contents of Open MPI's parameter files that exist.
    public static func defaults(environment: [String: String], fabricPresent: Bool, parameterFileTexts: [String]) -> [String: String] {
        guard !fabricPresent, environment["OMPI_MCA_pml"] == nil, environment["OMPI_MCA_mtl"] == nil,
              !parameterFileTexts.contains(where: namesPointToPointLayers) else { return [:] }
        return ["OMPI_MCA_pml": "ob1"]
    }

    /// Whether a parameter file's text chooses the PML by an include list (`pml = cm`, `pml = ucx,ob1`)
    /// or chooses a matching layer (`mtl = psm2`); an exclude list (`pml = ^ucx`, Debian's) chooses nothing.
    static func namesPointToPointLayers(_ text: String) -> Bool {
        for line in text.split(whereSeparator: \.isNewline) {
            let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
            let parts = content.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, parts[0] == "pml" || parts[0] == "mtl", !parts[1].isEmpty else { continue }
            if !parts[1].hasPrefix("^") { return true }
        }
        return false
    }

    /// Whether any of ``fabricDeviceDirectories`` has an entry or `/dev` has a device named with one of
    /// ``fabricDevicePrefixes``.
    public static func machineHasFabricDevice() -> Bool {
        let manager = FileManager.default
        if fabricDeviceDirectories.contains(where: { !((try? manager.contentsOfDirectory(atPath: $0)) ?? []).isEmpty }) { return true }
        let devices = (try? manager.contentsOfDirectory(atPath: "/dev")) ?? []
        return devices.contains { name in fabricDevicePrefixes.contains { name.hasPrefix($0) } }
    }

    /// Sets ``defaults(environment:fabricPresent:parameterFileTexts:)`` in this process's environment
    /// (never replacing a variable that is set). Call it before `MPI_Init`; returns what was set.
    @discardableResult
    public static func apply(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String: String] {
        let texts = parameterFiles.compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }
        let changes = defaults(environment: environment, fabricPresent: machineHasFabricDevice(), parameterFileTexts: texts)
        for (name, value) in changes { setenv(name, value, 0) }
        return changes
    }
}
