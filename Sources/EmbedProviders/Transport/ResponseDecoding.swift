import Foundation

/// Decodes response bodies and reports where a malformed one went wrong.
enum ResponseDecoding {
    /// Decodes `T` from `data`.
    ///
    /// - Throws: ``ProviderError/Kind/malformedResponse`` naming the JSON path that failed
    ///   (`data[3].embedding`) and why.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data, provider: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            let (path, detail) = describe(error)
            throw ProviderError.malformedResponse(provider: provider, field: path, detail: detail)
        } catch {
            throw ProviderError.malformedResponse(provider: provider, field: "(body)", detail: "\(error)")
        }
    }

    static func describe(_ error: DecodingError) -> (path: String, detail: String) {
        func render(_ path: [any CodingKey]) -> String {
            var text = ""
            for key in path {
                if let index = key.intValue { text += "[\(index)]" } else { text += text.isEmpty ? key.stringValue : ".\(key.stringValue)" }
            }
            return text.isEmpty ? "(body)" : text
        }
        switch error {
        case .keyNotFound(let key, let context):
            return (render(context.codingPath + [key]), "the field is missing")
        case .typeMismatch(let type, let context):
            return (render(context.codingPath), "expected \(type)")
        case .valueNotFound(let type, let context):
            return (render(context.codingPath), "expected \(type), found null")
        case .dataCorrupted(let context):
            let underlying = context.underlyingError.map { " (\($0))" } ?? ""
            return (render(context.codingPath), context.debugDescription + underlying)
        @unknown default:
            return ("(body)", "\(error)")
        }
    }
}
