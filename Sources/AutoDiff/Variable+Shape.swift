import TensorCore

/// Shape operations. All are linear; each pullback is the adjoint map:
/// ```
/// reshape ↔ reshape back,  permute ↔ inverse permute,  gather ↔ scatter-add,  concat ↔ slices
/// ```
extension Variable {
    /// The same elements with a new shape (one `-1` allowed).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func reshaped(_ newShape: [Int]) -> Variable {
        let sourceShape = shape
        return Variable.recording(value.reshaped(newShape), operation: "reshape", inputs: [self]) { g in
            [g.reshaped(sourceShape)]
        }
    }

    /// Reorders axes: result axis `i` is source axis `permutation[i]`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func permuted(_ permutation: [Int]) -> Variable {
        let inverse = Tensor<Scalar>.inversePermutation(permutation)
        return Variable.recording(value.permuted(permutation), operation: "permute", inputs: [self]) { g in
            [g.permuted(inverse)]
        }
    }

    /// Swaps the last two axes.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func transposedLastTwo() -> Variable {
        var permutation = Array(0..<rank)
        permutation.swapAt(rank - 1, rank - 2)
        return permuted(permutation)
    }

    /// Axis-separable gather (see `Tensor.gathered(indexMaps:)`).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func gathered(indexMaps: [[Int]]) -> Variable {
        let sourceShape = shape
        return Variable.recording(value.gathered(indexMaps: indexMaps), operation: "gather", inputs: [self]) { g in
            [g.scatterAdded(indexMaps: indexMaps, sourceShape: sourceShape)]
        }
    }

    /// The adjoint of `gathered(indexMaps:)`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func scatterAdded(indexMaps: [[Int]], sourceShape: [Int]) -> Variable {
        Variable.recording(value.scatterAdded(indexMaps: indexMaps, sourceShape: sourceShape),
                           operation: "scatterAdd", inputs: [self]) { g in
            [g.gathered(indexMaps: indexMaps)]
        }
    }

    /// `x[r₀, r₁, …]`, a full range where `nil`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func sliced(_ ranges: [Range<Int>?]) -> Variable { gathered(indexMaps: value.sliceIndexMaps(ranges)) }

    /// `x[…, range, …]` on one axis.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func sliced(alongAxis axis: Int, _ range: Range<Int>) -> Variable {
        var ranges = [Range<Int>?](repeating: nil, count: rank)
        ranges[value.normalizedAxis(axis)] = range
        return sliced(ranges)
    }

    /// Pads (or, with negative widths, crops) every axis in `mode`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func padded(before: [Int], after: [Int], mode: PaddingMode = .zero) -> Variable {
        gathered(indexMaps: value.paddingIndexMaps(before: before, after: after, mode: mode))
    }

    /// Concatenates along an axis (shapes must agree elsewhere; checked by the caller's data).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func concatenated(_ variables: [Variable], alongAxis axis: Int) -> Variable {
        let tensors = variables.map(\.value)
        let result: Tensor<Scalar>
        do { result = try Tensor.concatenated(tensors, alongAxis: axis) } catch { preconditionFailure("\(error)") }
        let normalized = tensors[0].normalizedAxis(axis)
        let sizes = tensors.map { $0.shape[normalized] }
        return recording(result, operation: "concatenate", inputs: variables) { g in
            var start = 0
            return sizes.map { size in
                defer { start += size }
                return g.sliced(alongAxis: normalized, start..<(start + size))
            }
        }
    }
}
