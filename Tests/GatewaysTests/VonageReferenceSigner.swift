import Crypto
import Foundation

/// Vonage's request signing as its own PHP library does it (`Vonage\Client\Signature`):
/// written apart from `VonageSignature`, so the adapter is checked against Vonage's algorithm
/// and not against itself.
enum VonageReferenceSigner {
    /// The query Vonage would send: `params` plus `sig`.
    static func signedQuery(_ params: [String: String], secret: String, method: String) -> String {
        // ksort, then `&` + http_build_query of the values with & and = made _, URL-decoded.
        let sorted = params.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
        let base = sorted.map { "&\($0.key)=\($0.value.replacingOccurrences(of: "&", with: "_").replacingOccurrences(of: "=", with: "_"))" }
            .joined()
        let sig: String
        switch method {
        case "md5hash": sig = hex(Insecure.MD5.hash(data: Data((base + secret).utf8)))
        case "md5": sig = hex(HMAC<Insecure.MD5>.authenticationCode(for: Data(base.utf8), using: key(secret))).uppercased()
        case "sha1": sig = hex(HMAC<Insecure.SHA1>.authenticationCode(for: Data(base.utf8), using: key(secret))).uppercased()
        case "sha256": sig = hex(HMAC<SHA256>.authenticationCode(for: Data(base.utf8), using: key(secret))).uppercased()
        case "sha512": sig = hex(HMAC<SHA512>.authenticationCode(for: Data(base.utf8), using: key(secret))).uppercased()
        default: fatalError("Vonage has no signature method \(method)")
        }
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return (sorted + [("sig", sig)])
            .map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.1)" }
            .joined(separator: "&")
    }

    private static func key(_ secret: String) -> SymmetricKey { SymmetricKey(data: Data(secret.utf8)) }

    private static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
