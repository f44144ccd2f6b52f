import Foundation
import TensorCore

/// `pdekit.h`'s library-wide entry points: version, ABI version, status names, the last error.
enum LibraryInfo {
    /// The ABI version (`PDEKIT_ABI_VERSION` in the header).
    static let abiVersion: Int32 = 1
    /// Static C strings: the version and one name per status code (never freed).
    nonisolated(unsafe) static let version: UnsafeMutablePointer<CChar> = strdup(PDEKitVersion.string)!
    nonisolated(unsafe) static let statusNames: [Int32: UnsafeMutablePointer<CChar>] = Dictionary(
        uniqueKeysWithValues: CAPIStatus.allCases.map { ($0.rawValue, strdup($0.name)!) })
    nonisolated(unsafe) static let unknownStatus: UnsafeMutablePointer<CChar> = strdup("unknown status")!
}

@_cdecl("pdekit_last_error")
public func pdekit_last_error() -> UnsafePointer<CChar> { LastError.current }

@_cdecl("pdekit_status_name")
public func pdekit_status_name(_ status: Int32) -> UnsafePointer<CChar> {
    UnsafePointer(LibraryInfo.statusNames[status] ?? LibraryInfo.unknownStatus)
}

@_cdecl("pdekit_version")
public func pdekit_version() -> UnsafePointer<CChar> { UnsafePointer(LibraryInfo.version) }

@_cdecl("pdekit_abi_version")
public func pdekit_abi_version() -> Int32 { LibraryInfo.abiVersion }
