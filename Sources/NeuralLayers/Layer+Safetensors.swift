import TensorCore

extension Layer {
    /// The layer's parameters as a safetensors archive, named by their parameter paths.
    public func parameterArchive(metadata: [String: String] = [:]) -> SafetensorsArchive {
        var archive = SafetensorsArchive(metadata: metadata)
        for (name, parameter) in namedParameters { archive.add(parameter.value, named: name) }
        return archive
    }

    /// Replaces every parameter's value with the tensor of the same path in `archive`.
    ///
    /// All names and shapes are checked before anything is changed, so a failed load leaves the layer
    /// as it was.
    /// - Parameter allowingExtraTensors: when false, tensors in the archive that the layer does not
    ///   have (other than names starting with `prefixToIgnore`) are an error.
    public func loadParameters(from archive: SafetensorsArchive, allowingExtraTensors: Bool = false,
                               ignoringNamesWithPrefix prefixToIgnore: String? = nil) throws {
        var loaded: [(Parameter<Scalar>, Tensor<Scalar>)] = []
        var used = Set<String>()
        for (name, parameter) in namedParameters {
            let tensor: Tensor<Scalar> = try archive.tensor(named: name)
            guard tensor.shape == parameter.value.shape else {
                throw SafetensorsError.shapeMismatch(name: name, expected: parameter.value.shape, found: tensor.shape)
            }
            loaded.append((parameter, tensor))
            used.insert(name)
        }
        if !allowingExtraTensors {
            let extra = archive.names.filter { name in
                !used.contains(name) && !(prefixToIgnore.map { name.hasPrefix($0) } ?? false)
            }
            if !extra.isEmpty { throw SafetensorsError.unexpectedTensors(names: extra) }
        }
        for (parameter, tensor) in loaded { parameter.value = tensor }
    }
}
