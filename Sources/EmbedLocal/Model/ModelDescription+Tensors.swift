import Foundation

extension ModelDescription {
    /// Returns every tensor the forward pass reads, under its canonical name, with its shape.
    ///
    /// Canonical names are the BERT checkpoint's own names without any `bert.` prefix and with
    /// LayerNorm `gamma`/`beta` spelled `weight`/`bias` (`embeddings.word_embeddings.weight`,
    /// `encoder.layer.0.attention.self.query.weight`, …), then the Dense modules as
    /// `dense.N.weight`, `dense.N.bias` and `dense.N.residual.weight`, where *N* counts Dense
    /// modules from 0. Linear weights are `[out, in]`. The BERT pooler and `position_ids` are not
    /// used and not listed.
    public func expectedTensorShapes() -> [(name: String, shape: [Int])] {
        let hidden = bert.hiddenSize
        var tensors: [(name: String, shape: [Int])] = [
            ("embeddings.word_embeddings.weight", [bert.vocabularySize, hidden]),
            ("embeddings.position_embeddings.weight", [bert.maximumPositionCount, hidden]),
            ("embeddings.token_type_embeddings.weight", [bert.tokenTypeCount, hidden]),
            ("embeddings.LayerNorm.weight", [hidden]),
            ("embeddings.LayerNorm.bias", [hidden]),
        ]
        for layer in 0..<bert.layerCount {
            let prefix = "encoder.layer.\(layer)."
            for projection in ["query", "key", "value"] {
                tensors.append((prefix + "attention.self.\(projection).weight", [hidden, hidden]))
                tensors.append((prefix + "attention.self.\(projection).bias", [hidden]))
            }
            tensors += [
                (prefix + "attention.output.dense.weight", [hidden, hidden]),
                (prefix + "attention.output.dense.bias", [hidden]),
                (prefix + "attention.output.LayerNorm.weight", [hidden]),
                (prefix + "attention.output.LayerNorm.bias", [hidden]),
                (prefix + "intermediate.dense.weight", [bert.intermediateSize, hidden]),
                (prefix + "intermediate.dense.bias", [bert.intermediateSize]),
                (prefix + "output.dense.weight", [hidden, bert.intermediateSize]),
                (prefix + "output.dense.bias", [hidden]),
                (prefix + "output.LayerNorm.weight", [hidden]),
                (prefix + "output.LayerNorm.bias", [hidden]),
            ]
        }
        for (index, layer) in denseLayers.enumerated() {
            tensors.append(("dense.\(index).weight", [layer.outputDimension, layer.inputDimension]))
            if layer.hasBias { tensors.append(("dense.\(index).bias", [layer.outputDimension])) }
            if layer.hasResidualProjection {
                tensors.append(("dense.\(index).residual.weight", [layer.outputDimension, layer.inputDimension]))
            }
        }
        return tensors
    }

    /// Opens the weights of the sentence-transformers model in `folder` and returns them under
    /// the canonical names of ``expectedTensorShapes()``, and only those.
    ///
    /// The transformer's weights come from `model.safetensors` in its folder (or the shards a
    /// `model.safetensors.index.json` lists); raw names may carry a `bert.` prefix or
    /// `gamma`/`beta` LayerNorm names. Each Dense module's come from `N_Dense/model.safetensors`
    /// (`linear.weight`, `linear.bias`). Files are memory-mapped, not read.
    ///
    /// - Throws: ``ModelDescriptionError`` when a file is missing, only in the pickle format
    ///   (`pytorch_model.bin`), or lacks a tensor; ``SafetensorsError`` when a file is corrupt.
    public static func loadTensors(fromFolder folder: URL, description: ModelDescription) throws -> any TensorSource {
        let expected = Set(description.expectedTensorShapes().map(\.name))
        var mapping: [String: RenamedTensorSource.Target] = [:]

        func add(_ canonical: String, from source: any TensorSource, rawName: String, file: String) throws {
            guard expected.contains(canonical) else { return }
            if let existing = mapping[canonical] {
                throw ModelDescriptionError(path: file, reason: .ambiguousTensor(name: canonical, candidates: [existing.name, rawName]))
            }
            mapping[canonical] = RenamedTensorSource.Target(source: source, name: rawName, file: file)
        }

        let transformerFolder = folder.appendingPathComponent(description.transformerPath)
        for file in try safetensorsFiles(in: transformerFolder) {
            for rawName in file.tensorNames {
                try add(canonicalBertName(rawName), from: file, rawName: rawName, file: file.path)
            }
        }
        for (index, layer) in description.denseLayers.enumerated() {
            let denseFolder = folder.appendingPathComponent(layer.path)
            for file in try safetensorsFiles(in: denseFolder) {
                for rawName in file.tensorNames {
                    try add("dense.\(index).\(rawName.hasPrefix("linear.") ? String(rawName.dropFirst("linear.".count)) : rawName)",
                            from: file, rawName: rawName, file: file.path)
                }
            }
        }
        for name in description.expectedTensorShapes().map(\.name) where mapping[name] == nil {
            throw ModelDescriptionError(path: origin(of: name, in: folder, description: description).path,
                                        reason: .missingTensor(name: name))
        }
        return RenamedTensorSource(targets: mapping, label: folder.path)
    }

    /// The folder a canonical tensor is read from: its Dense module's, or the transformer's.
    private static func origin(of name: String, in folder: URL, description: ModelDescription) -> URL {
        let parts = name.split(separator: ".")
        if parts.first == "dense", parts.count > 1, let index = Int(parts[1]), description.denseLayers.indices.contains(index) {
            return folder.appendingPathComponent(description.denseLayers[index].path)
        }
        return folder.appendingPathComponent(description.transformerPath)
    }

    /// Maps a raw BERT checkpoint name to its canonical form.
    static func canonicalBertName(_ raw: String) -> String {
        var name = raw.hasPrefix("bert.") ? String(raw.dropFirst("bert.".count)) : raw
        if name.hasSuffix(".gamma") {
            name = String(name.dropLast("gamma".count)) + "weight"
        } else if name.hasSuffix(".beta") {
            name = String(name.dropLast("beta".count)) + "bias"
        }
        return name
    }

    /// Opens `model.safetensors` in `folder`, or every shard its index lists.
    private static func safetensorsFiles(in folder: URL) throws -> [SafetensorsFile] {
        let manager = FileManager.default
        let single = folder.appendingPathComponent("model.safetensors")
        if manager.fileExists(atPath: single.path) {
            return [try SafetensorsFile(url: single)]
        }
        let indexURL = folder.appendingPathComponent("model.safetensors.index.json")
        if let index = try decode(ShardIndex.self, at: indexURL) {
            return try Set(index.weightMap.values).sorted().map { shard in
                try SafetensorsFile(url: folder.appendingPathComponent(shard))
            }
        }
        for pickle in ["pytorch_model.bin", "model.bin"] where manager.fileExists(atPath: folder.appendingPathComponent(pickle).path) {
            throw ModelDescriptionError.unsupported(
                folder.appendingPathComponent(pickle).path,
                "weights in PyTorch's pickle format are not supported (loading them would mean running Python's unpickler); save the model with safe_serialization=True or convert it to model.safetensors.")
        }
        throw ModelDescriptionError(path: single.path, reason: .missingFile)
    }
}

/// `model.safetensors.index.json`.
private struct ShardIndex: Decodable {
    var weightMap: [String: String]

    enum CodingKeys: String, CodingKey {
        case weightMap = "weight_map"
    }
}

/// A tensor source that exposes tensors of other sources under new names.
struct RenamedTensorSource: TensorSource {
    struct Target: Sendable {
        var source: any TensorSource
        var name: String
        var file: String
    }

    let targets: [String: Target]
    /// Where the tensors come from, for error messages.
    let label: String

    var tensorNames: [String] { targets.keys.sorted() }

    func shape(of name: String) -> [Int]? {
        guard let target = targets[name] else { return nil }
        return target.source.shape(of: target.name)
    }

    func floats(_ name: String) throws -> TensorBuffer {
        guard let target = targets[name] else {
            throw ModelDescriptionError(path: label, reason: .missingTensor(name: name))
        }
        return try target.source.floats(target.name)
    }
}
