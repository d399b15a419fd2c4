import EmbedCore
import Hummingbird

/// An error answered to a client, rendered in the shape of the API it called.
///
/// Handlers and middleware throw it; ``ErrorRenderingMiddleware`` turns it into the response:
/// - OpenAI: `{"error":{"message":…,"type":…,"param":…,"code":…}}`
/// - Ollama: `{"error":"…"}`
/// - TEI: `{"error":"…","error_type":"Validation|Empty|Overloaded|Unhealthy|Backend"}`
struct APIError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong, which decides the status code and the machine-readable type per API.
    enum Kind: String, Sendable, Hashable {
        /// The request is malformed or asks for something impossible.
        case invalidRequest
        /// No input to embed where the API requires one.
        case emptyInput
        /// An input has more tokens than the model reads and the request forbids truncation.
        case inputTooLong
        /// The API key is missing or wrong.
        case unauthorized
        /// No such route or model.
        case notFound
        /// The route exists but not for this method.
        case methodNotAllowed
        /// The body is larger than the configured limit.
        case payloadTooLarge
        /// The batching queue is full.
        case overloaded
        /// The server is draining for shutdown.
        case shuttingDown
        /// The embedding engine failed.
        case engineFailure
        /// The remote service behind the engine failed or could not be reached.
        case upstreamFailure
        /// The remote service behind the engine did not answer in time.
        case upstreamTimeout
    }

    let kind: Kind
    /// A sentence for the client saying what is wrong and how to fix it.
    let message: String
    /// The request field at fault (OpenAI's `param`), if one is.
    let param: String?
    /// What Ollama's own server would say instead of ``message``, where its clients or users may
    /// match on the wording.
    let ollamaWording: String?

    init(_ kind: Kind, _ message: String, param: String? = nil, ollamaWording: String? = nil) {
        self.kind = kind
        self.message = message
        self.param = param
        self.ollamaWording = ollamaWording
    }

    var description: String { "\(kind.rawValue): \(message)" }

    // MARK: Constructors for the common cases

    static func invalid(_ message: String, param: String? = nil) -> Self {
        Self(.invalidRequest, message, param: param)
    }

    static func unauthorized(_ dialectHint: String = "") -> Self {
        Self(.unauthorized, "Missing or incorrect API key. Send it as 'Authorization: Bearer <key>'.\(dialectHint)")
    }

    /// No served model answers to `requested`: OpenAI's `model_not_found`, Ollama's "try pulling
    /// it first", each naming the models that are served.
    static func modelNotFound(_ requested: String, served: [String], ambiguousAmong candidates: [String] = []) -> Self {
        let list = served.map { "'\($0)'" }.joined(separator: ", ")
        let reason = candidates.isEmpty
            ? "does not exist"
            : "is ambiguous (it could be \(candidates.map { "'\($0)'" }.joined(separator: " or ")))"
        return Self(
            .notFound, "The model '\(requested)' \(reason). This server serves: \(list).", param: "model",
            ollamaWording: "model \"\(requested)\" not found, try pulling it first")
    }

    static func payloadTooLarge(limit: Int) -> Self {
        Self(.payloadTooLarge, "The request body is larger than the server's limit of \(limit) bytes; send fewer or shorter inputs per request.")
    }

    static func tooManyInputs(_ count: Int, limit: Int, param: String) -> Self {
        Self(.invalidRequest, "\(count) inputs is more than this server accepts in one request (\(limit)); split the request.", param: param)
    }

    static func overloaded(queued: Int, capacity: Int) -> Self {
        Self(.overloaded, "The server is busy: \(queued) inputs are already waiting (capacity \(capacity)). Retry shortly.")
    }

    static let shuttingDown = Self(.shuttingDown, "The server is shutting down and accepts no new work.")

    /// The answer for an engine whose remote service failed — gateway statuses for a failure or a
    /// timeout, and a rate limit passed on as one (clients retry it) — or `nil` when `error` says
    /// nothing about a remote service.
    static func upstream(_ error: any Error) -> Self? {
        guard let failure = (error as? any UpstreamError)?.upstreamFailure else { return nil }
        switch failure {
        case .failed: return Self(.upstreamFailure, "The embedding service behind this server failed: \(error)")
        case .timedOut: return Self(.upstreamTimeout, "The embedding service behind this server did not answer in time: \(error)")
        case .rateLimited: return Self(.overloaded, "The embedding service behind this server is rate-limiting it; retry shortly: \(error)")
        }
    }

    // MARK: Rendering

    /// The status code for this error in `dialect`.
    func status(in dialect: APIDialect) -> HTTPResponse.Status {
        switch kind {
        case .invalidRequest: dialect == .tei ? .unprocessableContent : .badRequest
        case .emptyInput: .badRequest
        case .inputTooLong: dialect == .tei ? .unprocessableContent : .badRequest
        case .unauthorized: .unauthorized
        case .notFound: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .payloadTooLarge: .contentTooLarge
        // Ollama's scheduler answers a full queue with 503; OpenAI and TEI with 429. Both are
        // retried by the official SDKs.
        case .overloaded: dialect == .ollama ? .serviceUnavailable : .tooManyRequests
        case .shuttingDown: .serviceUnavailable
        case .engineFailure: .internalServerError
        case .upstreamFailure: .badGateway
        case .upstreamTimeout: .gatewayTimeout
        }
    }

    /// The response for this error in `dialect`.
    func response(in dialect: APIDialect) -> Response {
        var json = JSONWriter()
        switch dialect {
        case .openAI:
            json.raw(#"{"error":{"message":"#)
            json.string(message)
            json.raw(#","type":"#)
            json.string(openAIType)
            json.raw(#","param":"#)
            json.optionalString(param)
            json.raw(#","code":"#)
            json.optionalString(openAICode)
            json.raw("}}")
        case .ollama:
            json.raw(#"{"error":"#)
            json.string(ollamaMessage)
            json.raw("}")
        case .tei:
            json.raw(#"{"error":"#)
            json.string(message)
            json.raw(#","error_type":"#)
            json.string(teiType)
            json.raw("}")
        }
        var headers: HTTPFields = [:]
        if kind == .overloaded || kind == .shuttingDown {
            headers[.retryAfter] = "1"
        }
        if kind == .unauthorized {
            headers[.wwwAuthenticate] = "Bearer"
        }
        return .json(json, status: status(in: dialect), headers: headers)
    }

    private var openAIType: String {
        switch kind {
        case .invalidRequest, .emptyInput, .inputTooLong, .notFound, .methodNotAllowed, .payloadTooLarge, .unauthorized:
            "invalid_request_error"
        case .overloaded: "requests"
        case .shuttingDown, .engineFailure, .upstreamFailure, .upstreamTimeout: "server_error"
        }
    }

    private var openAICode: String? {
        switch kind {
        case .unauthorized: "invalid_api_key"
        case .notFound: param == "model" ? "model_not_found" : "not_found"
        case .inputTooLong: "context_length_exceeded"
        case .overloaded: "rate_limit_exceeded"
        case .payloadTooLarge: "request_too_large"
        case .invalidRequest, .emptyInput, .methodNotAllowed, .shuttingDown, .engineFailure, .upstreamFailure, .upstreamTimeout: nil
        }
    }

    /// Ollama's own wording where clients or users may match on it.
    private var ollamaMessage: String {
        switch kind {
        case .inputTooLong: "the input length exceeds the context length"
        case .unauthorized: "unauthorized"
        case .overloaded: "server busy, please try again.  maximum pending requests exceeded"
        default: ollamaWording ?? message
        }
    }

    /// TEI's `ErrorType` variant names; clients may decode them into that closed enum, so no
    /// other values are used.
    private var teiType: String {
        switch kind {
        case .emptyInput: "Empty"
        case .overloaded: "Overloaded"
        case .shuttingDown: "Unhealthy"
        case .engineFailure, .upstreamFailure, .upstreamTimeout: "Backend"
        case .invalidRequest, .inputTooLong, .unauthorized, .notFound, .methodNotAllowed, .payloadTooLarge: "Validation"
        }
    }
}
