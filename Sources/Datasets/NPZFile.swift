import Foundation

/// NumPy `.npz` archives: a zip of `.npy` files, one per named array (`np.savez`, stored, or
/// `np.savez_compressed`, deflated).
///
/// Object arrays of numeric arrays (DeepXDE's `X = [branch, trunk]`) are unpickled safely and
/// exposed as `X[0]`, `X[1]`; other object arrays throw `DatasetError.unsupported`.
public enum NPZFile {
    /// Reads every array of an `.npz` file, in archive order. Keys drop the `.npy` suffix.
    public static func read(_ path: String) throws -> [(name: String, array: NumericArray)] {
        try decode(try readFileBytes(path), path: path)
    }

    /// Decodes `.npz` bytes; `path` names the source in errors.
    public static func decode(_ bytes: [UInt8], path: String) throws -> [(name: String, array: NumericArray)] {
        let archive = try ZipArchive(bytes: bytes, path: path)
        var arrays = [(name: String, array: NumericArray)]()
        for entry in archive.entries where !entry.name.hasSuffix("/") {
            let name = entry.name.hasSuffix(".npy") ? String(entry.name.dropLast(4)) : entry.name
            let contents = try archive.contents(of: entry)
            for (key, array) in try NPYFormat.decodeEntries(contents, name: name, path: path) {
                arrays.append((key, array))
            }
        }
        return arrays
    }

    /// Writes named arrays to an `.npz` file atomically; `compressed` deflates each entry
    /// (as `np.savez_compressed` does).
    public static func write(_ arrays: [(name: String, array: NumericArray)], to path: String, compressed: Bool = true) throws {
        try writeFileAtomically(encode(arrays, compressed: compressed, path: path), to: path)
    }

    /// Encodes named arrays as `.npz` bytes.
    public static func encode(_ arrays: [(name: String, array: NumericArray)], compressed: Bool, path: String = "<npz>") throws -> [UInt8] {
        try ZipArchive.archive(arrays.map { ($0.name + ".npy", NPYFormat.encode($0.array)) }, deflate: compressed, path: path)
    }
}
