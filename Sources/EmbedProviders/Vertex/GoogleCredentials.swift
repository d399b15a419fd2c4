import EmbedConfiguration
import EmbedCore
import Foundation
import _CryptoExtras

/// Credentials for Google Cloud APIs (Vertex AI).
public enum GoogleCredentials: Sendable, Hashable {
    /// A ready OAuth 2 access token (e.g. from `gcloud auth print-access-token`); used as is,
    /// never refreshed.
    case accessToken(String)
    /// A service-account key file: a signed JWT is exchanged for access tokens.
    case serviceAccount(GoogleServiceAccountKey)
    /// `gcloud auth application-default login` credentials: a refresh token is exchanged for
    /// access tokens.
    case authorizedUser(GoogleAuthorizedUser)

    /// Reads a credentials file (`type` `service_account` or `authorized_user`).
    ///
    /// - Throws: ``ConfigurationError/unreadableFile(_:purpose:reason:)`` saying what is wrong.
    public static func load(contentsOf path: String) throws(ConfigurationError) -> GoogleCredentials {
        let expanded = (path as NSString).expandingTildeInPath
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: expanded))
        } catch {
            throw ConfigurationError.unreadableFile(path, purpose: "the Google credentials file", reason: "\(error.localizedDescription)")
        }
        return try parse(data, source: path)
    }

    /// Parses credentials JSON text; `source` names it in errors.
    ///
    /// - Throws: ``ConfigurationError/unreadableFile(_:purpose:reason:)`` for malformed content.
    public static func parse(_ data: Data, source: String) throws(ConfigurationError) -> GoogleCredentials {
        func fail(_ reason: String) -> ConfigurationError {
            ConfigurationError.unreadableFile(source, purpose: "the Google credentials", reason: reason)
        }
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: data), json.objectValue != nil else {
            throw fail("it is not a JSON object.")
        }
        func field(_ name: String) throws(ConfigurationError) -> String {
            guard let value = json[name]?.stringValue, !value.isEmpty else { throw fail("the field '\(name)' is missing.") }
            return value
        }
        switch json["type"]?.stringValue {
        case "service_account":
            let pem = try field("private_key")
            do {
                _ = try _RSA.Signing.PrivateKey(pemRepresentation: pem)
            } catch {
                throw fail("'private_key' is not a PEM RSA private key of 2048 bits or more (\(error)).")
            }
            return .serviceAccount(
                GoogleServiceAccountKey(
                    clientEmail: try field("client_email"), privateKeyPEM: pem,
                    privateKeyID: json["private_key_id"]?.stringValue,
                    tokenURI: json["token_uri"]?.stringValue ?? GoogleServiceAccountKey.defaultTokenURI,
                    projectID: json["project_id"]?.stringValue))
        case "authorized_user":
            return .authorizedUser(
                GoogleAuthorizedUser(
                    clientID: try field("client_id"), clientSecret: try field("client_secret"),
                    refreshToken: try field("refresh_token"),
                    tokenURI: json["token_uri"]?.stringValue ?? GoogleServiceAccountKey.defaultTokenURI,
                    quotaProjectID: json["quota_project_id"]?.stringValue))
        case let other:
            throw fail(
                "type '\(other ?? "(missing)")' is not supported; use a service_account key or authorized_user credentials.")
        }
    }

    /// The project named in the credentials, if any.
    public var projectID: String? {
        switch self {
        case .accessToken: nil
        case .serviceAccount(let key): key.projectID
        case .authorizedUser(let user): user.quotaProjectID
        }
    }
}

extension GoogleCredentials: CustomStringConvertible {
    /// A description without secrets.
    public var description: String {
        switch self {
        case .accessToken: "access token"
        case .serviceAccount(let key): "service account \(key.clientEmail)"
        case .authorizedUser: "authorized user credentials"
        }
    }
}

/// The fields of a Google service-account key file that token exchange needs.
public struct GoogleServiceAccountKey: Sendable, Hashable, CustomStringConvertible {
    /// Google's OAuth 2 token endpoint, and the JWT audience google-auth always uses.
    public static let defaultTokenURI = "https://oauth2.googleapis.com/token"

    /// `client_email`: the JWT issuer.
    public var clientEmail: String
    /// `private_key`: PKCS#8 (or PKCS#1) PEM of an RSA key.
    public var privateKeyPEM: String
    /// `private_key_id`: sent as the JWT `kid`.
    public var privateKeyID: String?
    /// `token_uri`: where the JWT is exchanged.
    public var tokenURI: String
    /// `project_id`.
    public var projectID: String?

    /// Creates a key description.
    public init(
        clientEmail: String, privateKeyPEM: String, privateKeyID: String? = nil,
        tokenURI: String = GoogleServiceAccountKey.defaultTokenURI, projectID: String? = nil
    ) {
        self.clientEmail = clientEmail
        self.privateKeyPEM = privateKeyPEM
        self.privateKeyID = privateKeyID
        self.tokenURI = tokenURI
        self.projectID = projectID
    }

    /// The client email only; the key is never printed.
    public var description: String { "GoogleServiceAccountKey(\(clientEmail))" }
}

/// `authorized_user` credentials from `gcloud auth application-default login`.
public struct GoogleAuthorizedUser: Sendable, Hashable, CustomStringConvertible {
    /// `client_id`.
    public var clientID: String
    /// `client_secret`.
    public var clientSecret: String
    /// `refresh_token`.
    public var refreshToken: String
    /// `token_uri`.
    public var tokenURI: String
    /// `quota_project_id`: billed project, sent as `x-goog-user-project`.
    public var quotaProjectID: String?

    /// Creates authorized-user credentials.
    public init(
        clientID: String, clientSecret: String, refreshToken: String,
        tokenURI: String = GoogleServiceAccountKey.defaultTokenURI, quotaProjectID: String? = nil
    ) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.refreshToken = refreshToken
        self.tokenURI = tokenURI
        self.quotaProjectID = quotaProjectID
    }

    /// The client id only; secrets are never printed.
    public var description: String { "GoogleAuthorizedUser(\(clientID))" }
}
