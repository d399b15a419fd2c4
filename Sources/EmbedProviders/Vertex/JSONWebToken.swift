import EmbedCore
import Foundation
import _CryptoExtras

/// Compact JWS tokens signed with RS256 (RSASSA-PKCS1-v1_5 with SHA-256, RFC 7515/7518), as
/// Google's service-account flow requires.
enum JSONWebToken {
    /// `base64url(header) . base64url(claims) . base64url(signature)`, without padding.
    ///
    /// - Throws: An error from swift-crypto when the key cannot be parsed or used.
    static func signRS256(header: JSONValue, claims: JSONValue, privateKeyPEM: String) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let signingInput = base64URL(try encoder.encode(header)) + "." + base64URL(try encoder.encode(claims))
        let key = try _RSA.Signing.PrivateKey(pemRepresentation: privateKeyPEM)
        let signature = try key.signature(for: Data(signingInput.utf8), padding: .insecurePKCS1v1_5)
        return signingInput + "." + base64URL(signature.rawRepresentation)
    }

    /// Base64url without padding (RFC 7515 §2).
    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
