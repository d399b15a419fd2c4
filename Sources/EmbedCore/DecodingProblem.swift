/// A `DecodingError` read for people: where the value at fault is and what is wrong with it.
///
/// Every decoder in the package reports through this, whatever it decodes (a request body, a
/// provider's response, a model's configuration, a safetensors header, a YAML file), so that a
/// message always names the value the same way: `data[3].embedding`, keys joined by dots, array
/// elements in brackets.
package struct DecodingProblem: Sendable, CustomStringConvertible {
    private enum Step: Sendable {
        case key(String)
        case index(Int)
    }

    private enum Kind: Sendable {
        case missing
        case wrongType(String)
        case null(expected: String)
        case invalid(String)
    }

    private var steps: [Step]
    private let kind: Kind

    /// Reads `error`.
    package init(_ error: DecodingError) {
        switch error {
        case .keyNotFound(let key, let context):
            self.init(context.codingPath + [key], .missing)
        case .typeMismatch(let type, let context):
            // The package's own decoders say in the description what they accept ("expected a
            // string or an array of strings"), Foundation's and Yams' what they found instead.
            self.init(context.codingPath, .wrongType(Self.sentence(context.debugDescription) ?? "expected \(Self.jsonName(of: type))"))
        case .valueNotFound(let type, let context):
            self.init(context.codingPath, .null(expected: Self.jsonName(of: type)))
        case .dataCorrupted(let context):
            var detail = Self.sentence(context.debugDescription) ?? "it cannot be read"
            if let underlying = context.underlyingError {
                // The parser's own words say where it stopped, which the description does not.
                detail += " (\(underlying))"
            }
            self.init(context.codingPath, .invalid(detail))
        @unknown default:
            self.init([], .invalid("\(error)"))
        }
    }

    /// Reads `error` when it is a `DecodingError`; `nil` for any other error.
    package init?(_ error: any Error) {
        guard let error = error as? DecodingError else { return nil }
        self.init(error)
    }

    private init(_ codingPath: [any CodingKey], _ kind: Kind) {
        steps = codingPath.map { key in key.intValue.map(Step.index) ?? .key(key.stringValue) }
        self.kind = kind
    }

    /// The path of the value at fault (`data[3].embedding`), or `nil` for the document itself.
    package var path: String? {
        guard !steps.isEmpty else { return nil }
        var text = ""
        for step in steps {
            switch step {
            case .index(let index): text += "[\(index)]"
            case .key(let key): text += text.isEmpty ? key : ".\(key)"
            }
        }
        return text
    }

    /// What is wrong, without the path: `missing`, `wrong type: …`, `null where a number is
    /// expected` or `invalid: …`.
    package var reason: String {
        switch kind {
        case .missing: "missing"
        case .wrongType(let detail): "wrong type: \(detail)"
        case .null(let expected): "null where \(expected) is expected"
        case .invalid(let detail): "invalid: \(detail)"
        }
    }

    /// One line naming the value at fault — `'data[3].embedding' has the wrong type: …` — with
    /// `document` ("the request body", "the file") as the subject when the whole document is at
    /// fault.
    package func description(document: String) -> String {
        let subject = path.map { "'\($0)'" } ?? document
        return switch kind {
        case .missing: "\(subject) is missing"
        case .wrongType(let detail): "\(subject) has the wrong type: \(detail)"
        case .null(let expected): "\(subject) is null; expected \(expected)"
        case .invalid(let detail): "\(subject) is invalid: \(detail)"
        }
    }

    /// ``description(document:)`` with "the document" as the subject.
    package var description: String { description(document: "the document") }

    /// The same problem seen from `count` levels down: for a decoder that reports the entry
    /// (a tensor of a safetensors header) separately from the path inside it.
    package func droppingLeadingSteps(_ count: Int) -> DecodingProblem {
        var problem = self
        problem.steps.removeFirst(Swift.min(count, steps.count))
        return problem
    }

    /// One line for any error: the problem when it is a `DecodingError`, else the error's own
    /// description.
    package static func describe(_ error: any Error, document: String = "the document") -> String {
        DecodingProblem(error)?.description(document: document) ?? "\(error)"
    }

    /// A decoder's description without its final full stop, or `nil` when it is empty.
    private static func sentence(_ text: String) -> String? {
        var text = Substring(text)
        while let last = text.last, last == "." || last == " " { text.removeLast() }
        return text.isEmpty ? nil : String(text)
    }

    private static func jsonName(of type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is any BinaryInteger.Type, is any BinaryFloatingPoint.Type: "a number"
        case is Bool.Type: "a boolean"
        default: "\(type)"
        }
    }
}
