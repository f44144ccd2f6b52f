import Testing
import Distributed

/// `OpenMPIStartup.defaults`: `ob1` is named only on a machine without a fabric device and only when
/// nobody chose a point-to-point or matching layer (environment or parameter file).
@Suite struct OpenMPIStartupTests {
    let debianFile = """
        # comment
        btl_base_warn_component_unused=0
        mtl = ^ofi
        btl = ^uct,openib,ofi
        pml = ^ucx
        osc = ^ucx,pt2pt
        """

    @Test func namesOb1WhenNothingChoseALayerAndNoFabricExists() {
        #expect(OpenMPIStartup.defaults(environment: [:], fabricPresent: false, parameterFileTexts: []) == ["OMPI_MCA_pml": "ob1"])
        // Debian's exclude lists choose nothing.
        #expect(OpenMPIStartup.defaults(environment: ["PATH": "/bin"], fabricPresent: false, parameterFileTexts: [debianFile])
                == ["OMPI_MCA_pml": "ob1"])
    }

    @Test func neverOverridesAChoiceOrAFabric() {
        #expect(OpenMPIStartup.defaults(environment: [:], fabricPresent: true, parameterFileTexts: []).isEmpty)
        #expect(OpenMPIStartup.defaults(environment: ["OMPI_MCA_pml": "cm"], fabricPresent: false, parameterFileTexts: []).isEmpty)
        #expect(OpenMPIStartup.defaults(environment: ["OMPI_MCA_mtl": "psm2"], fabricPresent: false, parameterFileTexts: []).isEmpty)
        for line in ["pml = ucx", "pml=cm,ob1", "  mtl =psm2  # Omni-Path"] {
            #expect(OpenMPIStartup.defaults(environment: [:], fabricPresent: false, parameterFileTexts: [debianFile, line]).isEmpty, "\(line)")
        }
        // A commented-out choice is no choice.
        #expect(OpenMPIStartup.defaults(environment: [:], fabricPresent: false, parameterFileTexts: ["# pml = ucx"]) == ["OMPI_MCA_pml": "ob1"])
    }

    /// A hypre singleton makes its own session directory unless the user chose a base: an inherited base
    /// that a PDEKit parent made for itself (marked) is not kept, so sibling children never share one.
    @Test func singletonsKeepOnlyAUserChosenSessionBase() {
        let base = MPIRuntime.sessionBaseVariable, marker = MPIRuntime.sessionBaseMarkerVariable
        #expect(MPIRuntime.needsOwnSessionDirectory(environment: [:], processID: 42))
        #expect(!MPIRuntime.needsOwnSessionDirectory(environment: [base: "/scratch/me"], processID: 42))
        // The parent's marked directory, inherited by a child: the child makes its own.
        let parent = MPIRuntime.needsOwnSessionDirectory(environment: [base: "/tmp/x", marker: "/tmp/x"], processID: 42)
        #expect(parent)
        // The user changed the base after the parent set both: the user's choice stands.
        #expect(!MPIRuntime.needsOwnSessionDirectory(environment: [base: "/scratch/me", marker: "/tmp/x"], processID: 42))
    }
}
