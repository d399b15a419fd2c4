import EmbedCore
import Foundation
import NIOHTTP1

/// Hands out OAuth 2 access tokens for Google APIs, exchanging credentials only when the cached
/// token is missing or about to expire; concurrent callers share one exchange.
actor GoogleAccessTokenProvider {
    /// The scope Vertex AI needs.
    static let cloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform"
    /// Service-account assertions live one hour, the maximum Google accepts.
    static let assertionLifetime: TimeInterval = 3600

    private let credentials: GoogleCredentials
    private let tokenURIOverride: String?
    private let transport: HTTPTransport
    private let refreshMargin: TimeInterval
    private var cached: (token: String, expiry: Date)?
    private var exchange: Task<(String, Date), any Error>?

    /// - Parameters:
    ///   - tokenURI: Replaces the credentials' `token_uri` when set.
    ///   - refreshMargin: A token is renewed when it has less than this left (5 minutes).
    init(credentials: GoogleCredentials, tokenURI: String?, transport: HTTPTransport, refreshMargin: TimeInterval = 300) {
        self.credentials = credentials
        self.tokenURIOverride = tokenURI
        self.transport = transport
        self.refreshMargin = refreshMargin
    }

    /// Whether ``invalidate()`` followed by ``token()`` can produce a different token.
    nonisolated var canRefresh: Bool {
        if case .accessToken = credentials { false } else { true }
    }

    /// A token valid for at least the refresh margin.
    func token() async throws -> String {
        if case .accessToken(let token) = credentials { return token }
        let now = transport.options.retry.clock.now()
        if let cached, cached.expiry.timeIntervalSince(now) > refreshMargin {
            return cached.token
        }
        if let exchange {
            return try await exchange.value.0
        }
        let task = Task { try await self.requestToken() }
        exchange = task
        defer { exchange = nil }
        let (token, expiry) = try await task.value
        cached = (token, expiry)
        return token
    }

    /// Forgets the cached token (after the API rejected it).
    func invalidate() { cached = nil }

    private func requestToken() async throws -> (String, Date) {
        let now = transport.options.retry.clock.now()
        let fields: [(String, String)]
        let tokenURI: String
        switch credentials {
        case .accessToken(let token):
            return (token, .distantFuture)
        case .serviceAccount(let key):
            tokenURI = tokenURIOverride ?? key.tokenURI
            let issuedAt = now.timeIntervalSince1970.rounded(.down)
            var header: [String: JSONValue] = ["alg": "RS256", "typ": "JWT"]
            if let kid = key.privateKeyID { header["kid"] = .string(kid) }
            let claims: JSONValue = [
                "iss": .string(key.clientEmail), "scope": .string(Self.cloudPlatformScope),
                // google-auth always uses Google's endpoint as the audience, whatever token_uri says.
                "aud": .string(GoogleServiceAccountKey.defaultTokenURI),
                "iat": .number(issuedAt), "exp": .number(issuedAt + Self.assertionLifetime),
            ]
            let assertion: String
            do {
                assertion = try JSONWebToken.signRS256(header: .object(header), claims: claims, privateKeyPEM: key.privateKeyPEM)
            } catch {
                throw ProviderError.credentials(provider: transport.provider, detail: "cannot sign with the service-account key: \(error)")
            }
            fields = [("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", assertion)]
        case .authorizedUser(let user):
            tokenURI = tokenURIOverride ?? user.tokenURI
            fields = [
                ("grant_type", "refresh_token"), ("client_id", user.clientID), ("client_secret", user.clientSecret),
                ("refresh_token", user.refreshToken),
            ]
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        let request = HTTPTransport.Request(
            method: .POST, url: tokenURI, headers: headers, body: Data(Endpoint.formEncoded(fields).utf8))
        var transport = transport
        transport.endpoint = ProviderEndpoint(
            url: tokenURI,
            source: .configuration(key: tokenURIOverride != nil ? "token_uri" : "the credentials' token_uri"))
        let response = try await transport.send(request)
        let decoded = try ResponseDecoding.decode(TokenResponse.self, from: response.body, provider: transport.provider)
        return (decoded.access_token, now.addingTimeInterval(decoded.expires_in ?? 3600))
    }

    // Field names are the OAuth 2 wire names (RFC 6749 §5.1).
    private struct TokenResponse: Decodable {
        var access_token: String
        var expires_in: Double?
    }
}
