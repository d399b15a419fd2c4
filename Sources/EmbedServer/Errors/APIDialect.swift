/// The API family a route belongs to, which decides the shape of its error bodies.
///
/// Clients parse errors with their own SDK's expectations: the OpenAI SDK reads
/// `{"error":{"message":…}}`, ollama-python reads `{"error":"…"}`, TEI clients read
/// `{"error":…,"error_type":…}`. Every error, including 401, 404 and 413 raised before a handler
/// runs, is rendered in the dialect of the path it was sent to.
enum APIDialect: String, Sendable, Hashable, CaseIterable {
    /// `/v1/*` and `/embeddings`.
    case openAI = "openai"
    /// `/api/*`.
    case ollama
    /// `/embed`, `/info`, `/health`, `/metrics` and anything else.
    case tei

    /// Returns the dialect of a request path (without its query).
    init(path: String) {
        if path == "/v1" || path.hasPrefix("/v1/") || path == "/embeddings" {
            self = .openAI
        } else if path == "/api" || path.hasPrefix("/api/") {
            self = .ollama
        } else {
            self = .tei
        }
    }
}
