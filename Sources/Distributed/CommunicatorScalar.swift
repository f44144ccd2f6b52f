import CMPI

/// The element types the collectives move.
public enum CommunicatorScalarKind: Sendable {
    case float, double, int64, byte

    var datatype: MPI_Datatype {
        switch self {
        case .float: return pdekit_mpi_float()
        case .double: return pdekit_mpi_double()
        case .int64: return pdekit_mpi_int64()
        case .byte: return pdekit_mpi_byte()
        }
    }
}

/// A type ``Communicator`` can broadcast and gather.
public protocol CommunicatorScalar {
    static var communicatorKind: CommunicatorScalarKind { get }
    static var zeroForCommunicator: Self { get }
}

/// A type ``Communicator/allreduceSum(_:)`` can sum (Float and Double).
public protocol ReducibleScalar: CommunicatorScalar {}

extension Float: ReducibleScalar {
    public static var communicatorKind: CommunicatorScalarKind { .float }
    public static var zeroForCommunicator: Float { 0 }
}

extension Double: ReducibleScalar {
    public static var communicatorKind: CommunicatorScalarKind { .double }
    public static var zeroForCommunicator: Double { 0 }
}

extension Int64: CommunicatorScalar {
    public static var communicatorKind: CommunicatorScalarKind { .int64 }
    public static var zeroForCommunicator: Int64 { 0 }
}

extension UInt8: CommunicatorScalar {
    public static var communicatorKind: CommunicatorScalarKind { .byte }
    public static var zeroForCommunicator: UInt8 { 0 }
}
