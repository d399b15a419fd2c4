import Foundation

extension ModelDescription {
    /// Returns every tensor the forward pass reads, under its canonical name, with its shape.
    ///
    /// Canonical names are the encoder checkpoint's own names without a model prefix (`bert.`,
    /// `roberta.`, `mpnet.`, `model.`, …) and with LayerNorm `gamma`/`beta` spelled
    /// `weight`/`bias` — the architecture's ``EncoderArchitecture/tensorShapes()`` —, then the
    /// Dense modules as `dense.N.weight`, `dense.N.bias` and `dense.N.residual.weight`, where *N*
    /// counts Dense modules from 0. Linear weights are `[out, in]`. Poolers and `position_ids`
    /// are not used and not listed.
    public func expectedTensorShapes() -> [(name: String, shape: [Int])] {
        var tensors = encoder.tensorShapes()
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
    /// `model.safetensors.index.json` lists); raw names may carry a model prefix or
    /// `gamma`/`beta` LayerNorm names (see ``EncoderArchitecture/canonicalName(_:)``). Each Dense module's come from `N_Dense/model.safetensors`
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
                try add(description.encoder.canonicalName(rawName), from: file, rawName: rawName, file: file.path)
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
