import EmbedCore
import Foundation
import Hummingbird

extension Request {
    /// Reads the body, at most `limit` bytes, and decodes it as JSON.
    ///
    /// The body is decoded whatever its `Content-Type` says: curl and several SDKs omit it or
    /// send `text/plain`, and rejecting them helps nobody.
    ///
    /// - Throws: ``APIError`` with kind `payloadTooLarge` past the limit, or `invalidRequest`
    ///   naming the field at fault.
    func decodeJSON<Body: Decodable>(as type: Body.Type, limit: Int) async throws -> Body {
        if let declared = headers[.contentLength].flatMap(Int.init), declared > limit {
            throw APIError.payloadTooLarge(limit: limit)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw APIError.payloadTooLarge(limit: limit)
        }
        guard buffer.readableBytes > 0 else {
            throw APIError.invalid("The request body is empty; send a JSON object.")
        }
        do {
            return try JSONDecoder().decode(Body.self, from: Data(buffer.readableBytesView))
        } catch let error as APIError {
            throw error
        } catch let error as DecodingError {
            let problem = DecodingProblem(error)
            throw APIError.invalid(problem.description(document: "The request body") + ".", param: problem.path)
        }
    }
}
