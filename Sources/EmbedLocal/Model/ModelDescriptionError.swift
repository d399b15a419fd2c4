/// Why a sentence-transformers folder could not be described or its weights gathered.
///
/// Every message names the file involved and says what is wrong with it, e.g.
/// `…/2_Dense/config.json: activation_function "torch.nn.modules.activation.LeakyReLU" is not supported`.
public struct ModelDescriptionError: Error, CustomStringConvertible, Sendable, Hashable {
    /// What is wrong.
    public enum Reason: Sendable, Hashable {
        /// A file the model needs does not exist.
        case missingFile
        /// The file is not valid JSON of the expected form.
        case invalidJSON(detail: String)
        /// A value is out of range or inconsistent with the rest of the model.
        case invalidValue(detail: String)
        /// The model uses a feature this runtime does not implement (a module type, an
        /// activation, an architecture, a weight format).
        case unsupported(detail: String)
        /// A tensor the forward pass needs is not in the weight files.
        case missingTensor(name: String)
        /// Two raw tensor names map to the same canonical name.
        case ambiguousTensor(name: String, candidates: [String])
    }

    /// The file (or folder) the error is about.
    public let path: String
    /// What is wrong.
    public let reason: Reason

    /// Creates an error about `path`.
    public init(path: String, reason: Reason) {
        self.path = path
        self.reason = reason
    }

    static func invalidValue(_ path: String, _ detail: String) -> Self { Self(path: path, reason: .invalidValue(detail: detail)) }
    static func unsupported(_ path: String, _ detail: String) -> Self { Self(path: path, reason: .unsupported(detail: detail)) }

    /// A one-line explanation naming the file, tensor or sequence involved.
    public var description: String {
        switch reason {
        case .missingFile: "\(path): file not found."
        case .invalidJSON(let detail): "\(path): not valid JSON of the expected form: \(detail)"
        case .invalidValue(let detail): "\(path): \(detail)"
        case .unsupported(let detail): "\(path): \(detail)"
        case .missingTensor(let name): "\(path): the model needs tensor \"\(name)\", which is not there."
        case .ambiguousTensor(let name, let candidates):
            "\(path): tensors \(candidates.map { "\"\($0)\"" }.joined(separator: " and ")) both provide \"\(name)\"."
        }
    }
}
