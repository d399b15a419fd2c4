import Crypto
import EmbedConfiguration
import EmbedCore
import Foundation
import Synchronization
import Testing
import _CryptoExtras
@testable import EmbedProviders

@Suite("Vertex AI")
struct VertexAITests {
    /// One RSA key for the suite: generating 2048-bit keys is slow in debug builds.
    static let key: _RSA.Signing.PrivateKey? = try? _RSA.Signing.PrivateKey(keySize: .bits2048)

    static let predictPath = "/v1/projects/proj-1/locations/us-central1/publishers/google/models/%@:predict"

    static func serviceAccountJSON(tokenURI: String, key: _RSA.Signing.PrivateKey) -> JSONValue {
        [
            "type": "service_account", "project_id": "proj-1", "private_key_id": "kid-123",
            "private_key": .string(key.pkcs8PEMRepresentation), "client_email": "embedder@proj-1.iam.gserviceaccount.com",
            "client_id": "1234567890", "token_uri": .string(tokenURI),
        ]
    }

    static func writeTemporaryFile(_ json: JSONValue) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vertex-\(UUID().uuidString).json").path
        try JSONEncoder().encode(json).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func predictions(_ request: RecordedRequest) -> FakeResponse {
        let instances = request.json["instances"]?.arrayValue ?? []
        return .json([
            "predictions": .array(
                instances.map { instance in
                    let text = instance["content"]?.stringValue ?? ""
                    return [
                        "embeddings": [
                            "values": FakeVectors.json(FakeVectors.vector(for: text)),
                            "statistics": ["truncated": .bool(text.count > 10), "token_count": .number(Double(text.count))],
                        ]
                    ]
                })
        ])
    }

    /// Checks an RS256 assertion with the public key; returns the claims when it verifies.
    static func verify(_ assertion: String, with key: _RSA.Signing.PublicKey) -> (header: JSONValue, claims: JSONValue)? {
        let parts = assertion.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, !assertion.contains("=") else { return nil }
        func decode(_ text: String) -> Data? {
            var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while base64.count % 4 != 0 { base64 += "=" }
            return Data(base64Encoded: base64)
        }
        guard let header = decode(parts[0]), let claims = decode(parts[1]), let signature = decode(parts[2]) else { return nil }
        let valid = key.isValidSignature(
            _RSA.Signing.RSASignature(rawRepresentation: signature), for: Data("\(parts[0]).\(parts[1])".utf8),
            padding: .insecurePKCS1v1_5)
        guard valid, let headerJSON = try? JSONDecoder().decode(JSONValue.self, from: header),
            let claimsJSON = try? JSONDecoder().decode(JSONValue.self, from: claims)
        else { return nil }
        return (headerJSON, claimsJSON)
    }

    /// A fake Google: `/token` verifies the JWT and issues numbered tokens; `:predict` demands the
    /// latest one.
    final class FakeGoogle: Sendable {
        let issued = Mutex<[String]>([])
        let rejectFirstPredict: Bool
        let expiresIn: Int
        let predictCalls = Counter()
        let publicKey: _RSA.Signing.PublicKey

        init(publicKey: _RSA.Signing.PublicKey, expiresIn: Int = 3599, rejectFirstPredict: Bool = false) {
            self.publicKey = publicKey
            self.expiresIn = expiresIn
            self.rejectFirstPredict = rejectFirstPredict
        }

        func handle(_ request: RecordedRequest) -> FakeResponse {
            if request.path == "/token" {
                let form = request.formFields
                guard request.header("content-type") == "application/x-www-form-urlencoded",
                    form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer",
                    let assertion = form["assertion"], let (header, claims) = VertexAITests.verify(assertion, with: publicKey),
                    header == ["alg": "RS256", "typ": "JWT", "kid": "kid-123"],
                    claims["iss"] == "embedder@proj-1.iam.gserviceaccount.com",
                    claims["scope"] == "https://www.googleapis.com/auth/cloud-platform",
                    claims["aud"] == "https://oauth2.googleapis.com/token",
                    let iat = claims["iat"]?.intValue, let exp = claims["exp"]?.intValue, exp - iat == 3600,
                    iat == Int(RecordingClock.fixedNow.timeIntervalSince1970)
                else {
                    return .json(["error": "invalid_grant", "error_description": "Invalid JWT Signature."], status: 400)
                }
                let token = issued.withLock { tokens in
                    tokens.append("ya29.token-\(tokens.count + 1)")
                    return tokens[tokens.count - 1]
                }
                return .json(["access_token": .string(token), "expires_in": .number(Double(expiresIn)), "token_type": "Bearer"])
            }
            let latest = issued.withLock { $0.last }
            let call = predictCalls.next()
            guard let latest, request.header("authorization") == "Bearer \(latest)", !(rejectFirstPredict && call == 0) else {
                return .json(
                    ErrorBodies.google(401, "Request had invalid authentication credentials.", status: "UNAUTHENTICATED"), status: 401)
            }
            return VertexAITests.predictions(request)
        }
    }

    private func embedder(
        _ server: FakeServer, credentialsFile: String, model: String = "text-embedding-005", batchSize: Int? = nil
    ) throws -> VertexAIEmbedder {
        VertexAIEmbedder(
            configuration: try VertexAIConfiguration(
                model: model, baseURL: server.baseURL, credentialsFile: credentialsFile, outputDimensionality: 4,
                normalizes: false, transport: RecordingClock().transport(batchSize: batchSize), environment: [:]), httpClient: server.client)
    }

    @Test("Signs an RS256 JWT that verifies with the key's public half, and caches the token across calls")
    func serviceAccountTokenIsCached() async throws {
        let key = try #require(Self.key)
        let google = FakeGoogle(publicKey: key.publicKey)
        try await withFakeServer({ google.handle($0) }) { server in
            let file = try Self.writeTemporaryFile(Self.serviceAccountJSON(tokenURI: server.baseURL + "/token", key: key))
            defer { try? FileManager.default.removeItem(atPath: file) }
            let embedder = try embedder(server, credentialsFile: file)
            #expect(embedder.configuration.projectID == "proj-1")
            #expect(try await embedder.vectors(["t1"]) == [FakeVectors.vector(for: "t1")])
            #expect(try await embedder.vectors(["t2", "t3"]) == [FakeVectors.vector(for: "t2"), FakeVectors.vector(for: "t3")])
            #expect(server.requests(to: "/token").count == 1)
            #expect(google.issued.withLock { $0 } == ["ya29.token-1"])
        }
    }

    @Test("Renews the token when it is about to expire")
    func renewsExpiringToken() async throws {
        let key = try #require(Self.key)
        let google = FakeGoogle(publicKey: key.publicKey, expiresIn: 120)  // inside the 5-minute margin
        try await withFakeServer({ google.handle($0) }) { server in
            let file = try Self.writeTemporaryFile(Self.serviceAccountJSON(tokenURI: server.baseURL + "/token", key: key))
            defer { try? FileManager.default.removeItem(atPath: file) }
            let embedder = try embedder(server, credentialsFile: file)
            _ = try await embedder.embed(["t1"])
            _ = try await embedder.embed(["t2"])
            #expect(server.requests(to: "/token").count == 2)
        }
    }

    @Test("A 401 from the API renews the token once and resends")
    func renewsAfterUnauthorized() async throws {
        let key = try #require(Self.key)
        let google = FakeGoogle(publicKey: key.publicKey, rejectFirstPredict: true)
        try await withFakeServer({ google.handle($0) }) { server in
            let file = try Self.writeTemporaryFile(Self.serviceAccountJSON(tokenURI: server.baseURL + "/token", key: key))
            defer { try? FileManager.default.removeItem(atPath: file) }
            #expect(try await embedder(server, credentialsFile: file).vectors(["t1"]) == [FakeVectors.vector(for: "t1")])
            #expect(server.requests(to: "/token").count == 2)
        }
    }

    @Test("A token endpoint refusing the JWT surfaces its error_description")
    func tokenEndpointError() async throws {
        let key = try #require(Self.key)
        let other = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let google = FakeGoogle(publicKey: other.publicKey)  // verifies with the wrong key
        try await withFakeServer({ google.handle($0) }) { server in
            let file = try Self.writeTemporaryFile(Self.serviceAccountJSON(tokenURI: server.baseURL + "/token", key: key))
            defer { try? FileManager.default.removeItem(atPath: file) }
            let error = try await #require(throws: ProviderError.self) {
                try await embedder(server, credentialsFile: file).embed(["t1"])
            }
            #expect(error.statusCode == 400)
            #expect(error.serverCode == "invalid_grant")
            #expect(error.serverMessage == "Invalid JWT Signature.")
            #expect(error.provider == "Google OAuth token endpoint")
        }
    }

    @Test("Instances carry snake_case task_type; parameters carry camelCase settings; statistics are reported")
    func predictShape() async throws {
        try await withFakeServer({ Self.predictions($0) }) { server in
            let embedder = VertexAIEmbedder(
                configuration: try VertexAIConfiguration(
                    model: "text-embedding-005", projectID: "proj-1", baseURL: server.baseURL, accessToken: "tok", outputDimensionality: 4,
                    taskTypes: GoogleTaskTypes(document: "RETRIEVAL_DOCUMENT", query: "QUESTION_ANSWERING",
                        unspecified: "SEMANTIC_SIMILARITY"),
                    extraParameters: ["autoTruncate": false], normalizes: false,
                    transport: RecordingClock().transport(), environment: [:]), httpClient: server.client)
            let embeddings = try await embedder.embed(["short", "a much longer text"], options: EmbeddingOptions(task: .query))
            #expect(embeddings.map(\.tokenCount) == [5, 18])
            #expect(embeddings.map(\.isTruncated) == [false, true])
            let request = try #require(server.requests.first)
            #expect(request.path == String(format: Self.predictPath, "text-embedding-005"))
            #expect(
                request.json == [
                    "instances": [
                        ["content": "short", "task_type": "QUESTION_ANSWERING"],
                        ["content": "a much longer text", "task_type": "QUESTION_ANSWERING"],
                    ],
                    "parameters": ["autoTruncate": false, "outputDimensionality": 4],
                ])
            _ = try await embedder.embed(["x"])
            #expect(server.requests.last?.json["instances"]?.arrayValue?.first?["task_type"] == "SEMANTIC_SIMILARITY")
            _ = try await embedder.embed(["x"], options: EmbeddingOptions(task: .document))
            #expect(server.requests.last?.json["instances"]?.arrayValue?.first?["task_type"] == "RETRIEVAL_DOCUMENT")
        }
    }

    @Test("gemini-embedding-001 gets one instance per request; other models up to 250", arguments: [
        ("gemini-embedding-001", 3, [1, 1, 1]), ("text-embedding-005", 300, [50, 250]),
    ])
    func instancesPerRequest(model: String, count: Int, expected: [Int]) async throws {
        let texts = FakeVectors.texts(count)
        try await withFakeServer({ Self.predictions($0) }) { server in
            let embedder = VertexAIEmbedder(
                configuration: try VertexAIConfiguration(
                    model: model, projectID: "proj-1", baseURL: server.baseURL, accessToken: "tok", outputDimensionality: 4,
                    normalizes: false, transport: RecordingClock().transport(), environment: [:]), httpClient: server.client)
            #expect(try await embedder.vectors(texts) == texts.map { FakeVectors.vector(for: $0) })
            #expect(server.requests.map { $0.json["instances"]?.arrayValue?.count ?? 0 }.sorted() == expected)
            #expect(server.requests.allSatisfy { $0.path == String(format: Self.predictPath, model) })
        }
    }

    @Test("Newer Gemini models use :embedContent")
    func embedContent() async throws {
        try await withFakeServer({ request in
            let text = request.json["content"]?["parts"]?.arrayValue?.first?["text"]?.stringValue ?? ""
            return .json([
                "embedding": ["values": FakeVectors.json(FakeVectors.vector(for: text))], "usageMetadata": ["promptTokenCount": 2],
                "truncated": false,
            ])
        }) { server in
            let embedder = VertexAIEmbedder(
                configuration: try VertexAIConfiguration(
                    model: "gemini-embedding-2", projectID: "proj-1", baseURL: server.baseURL, accessToken: "tok",
                    outputDimensionality: 4, normalizes: false, transport: RecordingClock().transport(), environment: [:]), httpClient: server.client)
            let embeddings = try await embedder.embed(["t1", "t2"], options: EmbeddingOptions(task: .query))
            #expect(embeddings.map(\.vector) == [FakeVectors.vector(for: "t1"), FakeVectors.vector(for: "t2")])
            #expect(embeddings.first?.tokenCount == 2)
            #expect(server.requests.count == 2)
            // The two single-text requests run concurrently; find the first text's.
            let request = try #require(
                server.requests.first { $0.json["content"]?["parts"]?.arrayValue?.first?["text"] == "t1" })
            #expect(request.path == "/v1/projects/proj-1/locations/us-central1/publishers/google/models/gemini-embedding-2:embedContent")
            #expect(
                request.json == [
                    "content": ["parts": [["text": "t1"]]],
                    "embedContentConfig": ["taskType": "RETRIEVAL_QUERY", "outputDimensionality": 4, "autoTruncate": true],
                ])
        }
    }

    @Test("authorized_user credentials use the refresh-token grant and bill the quota project")
    func authorizedUser() async throws {
        try await withFakeServer({ request in
            if request.path == "/token" {
                let form = request.formFields
                guard form == ["grant_type": "refresh_token", "client_id": "cid", "client_secret": "cs", "refresh_token": "1//rt"]
                else { return .json(["error": "invalid_grant", "error_description": "Bad Request"], status: 400) }
                return .json(["access_token": "ya29.user", "expires_in": 3599, "token_type": "Bearer"])
            }
            return request.header("authorization") == "Bearer ya29.user" && request.header("x-goog-user-project") == "billing-proj"
                ? Self.predictions(request) : .json(ErrorBodies.google(403, "denied", status: "PERMISSION_DENIED"), status: 403)
        }) { server in
            let credentials: JSONValue = [
                "type": "authorized_user", "client_id": "cid", "client_secret": "cs", "refresh_token": "1//rt",
                "quota_project_id": "billing-proj", "token_uri": .string(server.baseURL + "/token"),
            ]
            let text = String(decoding: try JSONEncoder().encode(credentials), as: UTF8.self)
            // vertex_credentials_json may hold the JSON itself.
            let embedder = VertexAIEmbedder(
                configuration: try VertexAIConfiguration(
                    model: "text-embedding-005", baseURL: server.baseURL, credentialsFile: text, outputDimensionality: 4,
                    normalizes: false, transport: RecordingClock().transport(), environment: [:]), httpClient: server.client)
            #expect(embedder.configuration.projectID == "billing-proj")
            let path = "/v1/projects/billing-proj/locations/us-central1/publishers/google/models/text-embedding-005:predict"
            #expect(try await embedder.vectors(["t1"]) == [FakeVectors.vector(for: "t1")])
            #expect(server.requests.last?.path == path)
        }
    }

    @Test("Resolves credentials, project and location from the environment, and names what is missing")
    func environment() throws {
        let key = try #require(Self.key)
        let file = try Self.writeTemporaryFile(Self.serviceAccountJSON(tokenURI: "http://127.0.0.1:1/token", key: key))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let fromEnvironment = try VertexAIConfiguration(
            environment: ["GOOGLE_APPLICATION_CREDENTIALS": file, "GOOGLE_CLOUD_LOCATION": "europe-west4"])
        #expect(fromEnvironment.projectID == "proj-1")
        #expect(fromEnvironment.location == "europe-west4")
        #expect(fromEnvironment.baseURL == "https://europe-west4-aiplatform.googleapis.com")
        #expect(fromEnvironment.outputDimensionality == 256)
        if case .serviceAccount(let account) = fromEnvironment.credentials {
            #expect(account.clientEmail == "embedder@proj-1.iam.gserviceaccount.com")
            #expect(!"\(account)".contains("PRIVATE KEY"))
        } else {
            Issue.record("expected service-account credentials")
        }
        let token = try VertexAIConfiguration(
            location: "global", environment: ["GOOGLE_OAUTH_ACCESS_TOKEN": "tok", "GOOGLE_CLOUD_PROJECT": "p"])
        #expect(token.credentials == .accessToken("tok"))
        #expect(token.baseURL == "https://aiplatform.googleapis.com")

        let none = try #require(throws: ConfigurationError.self) { try VertexAIConfiguration(environment: [:]) }
        #expect(none.description.contains("vertex_credentials_json"))
        #expect(none.description.contains("GOOGLE_APPLICATION_CREDENTIALS"))
        let noProject = try #require(throws: ConfigurationError.self) {
            try VertexAIConfiguration(accessToken: "tok", environment: [:])
        }
        #expect(noProject.description.contains("GOOGLE_CLOUD_PROJECT"))
        let badFile = try #require(throws: ConfigurationError.self) {
            try VertexAIConfiguration(credentialsFile: "/nonexistent/key.json", environment: [:])
        }
        #expect(badFile.description.contains("/nonexistent/key.json"))
    }
}
