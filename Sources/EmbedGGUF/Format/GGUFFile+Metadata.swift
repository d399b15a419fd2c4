extension GGUFFile {
    /// An integer the conversion needs.
    ///
    /// - Throws: ``GGUFError/Reason/missingKey(_:expected:)`` when it is absent or not an integer.
    func int(_ key: String) throws(GGUFError) -> Int {
        guard let value = metadata[key]?.int else { throw GGUFError(path: path, .missingKey(key, expected: "an integer")) }
        return value
    }

    /// A number the conversion needs.
    func double(_ key: String) throws(GGUFError) -> Double {
        guard let value = metadata[key]?.double else { throw GGUFError(path: path, .missingKey(key, expected: "a number")) }
        return value
    }

    /// An optional integer; present with another type is an error, not a default.
    func optionalInt(_ key: String) throws(GGUFError) -> Int? {
        guard let value = metadata[key] else { return nil }
        guard let int = value.int else { throw GGUFError(path: path, .missingKey(key, expected: "an integer")) }
        return int
    }

    /// An optional Boolean; present with another type is an error, not a default.
    func optionalBool(_ key: String) throws(GGUFError) -> Bool? {
        guard let value = metadata[key] else { return nil }
        guard let bool = value.bool else { throw GGUFError(path: path, .missingKey(key, expected: "a Boolean")) }
        return bool
    }

    /// A tensor the model needs, with its row-major shape checked.
    func tensor(_ name: String, shape: [Int]) throws(GGUFError) -> Tensor {
        guard let tensor = tensorsByName[name] else { throw GGUFError(path: path, .tensor(name: name, detail: "missing")) }
        guard tensor.shape == shape else {
            throw GGUFError(path: path, .tensor(name: name, detail: "has shape \(tensor.shape) (ggml dimensions \(tensor.dimensions)); the metadata implies \(shape)"))
        }
        return tensor
    }

    /// The row-major shape of a tensor the model needs.
    func shape(of name: String) throws(GGUFError) -> [Int] {
        guard let tensor = tensorsByName[name] else { throw GGUFError(path: path, .tensor(name: name, detail: "missing")) }
        return tensor.shape
    }
}
