import EmbedCore
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
            let problem = DecodingProblem(error)
            throw ProviderError.malformedResponse(provider: provider, field: problem.path ?? "(body)", detail: problem.reason)
        } catch {
            throw ProviderError.malformedResponse(provider: provider, field: "(body)", detail: "\(error)")
        }
    }
}
