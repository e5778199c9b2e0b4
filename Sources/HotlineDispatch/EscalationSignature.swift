import Crypto
import Foundation
import HotlineCore

/// `X-Hotline-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`: the
/// receiver recomputes it over the raw body and refuses an old `t`, so a captured request
/// cannot be replayed later or altered.
public enum EscalationSignature {
    public static let header = "X-Hotline-Signature"

    public static func sign(body: [UInt8], secret: String, timestamp: Int) -> String {
        "t=\(timestamp),v1=\(Hex.encode(mac(body: body, secret: secret, timestamp: timestamp)))"
    }

    /// True when `header` signs `body` with `secret` and is no older than `tolerance`.
    public static func verify(header: String, body: [UInt8], secret: String, now: Int, tolerance: Int = 300) -> Bool {
        var timestamp: Int? = nil
        var signatures: [String] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            if pair[0] == "t" { timestamp = Int(pair[1]) }
            if pair[0] == "v1" { signatures.append(String(pair[1])) }
        }
        guard let timestamp, abs(now - timestamp) <= tolerance else { return false }
        let message = signed(body: body, timestamp: timestamp)
        let key = SymmetricKey(data: Data(secret.utf8))
        // Constant-time comparison inside swift-crypto.
        return signatures.contains { candidate in
            guard let bytes = Hex.decode(candidate) else { return false }
            return HMAC<SHA256>.isValidAuthenticationCode(bytes, authenticating: message, using: key)
        }
    }

    static func signed(body: [UInt8], timestamp: Int) -> [UInt8] {
        Array("\(timestamp).".utf8) + body
    }

    static func mac(body: [UInt8], secret: String, timestamp: Int) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: signed(body: body, timestamp: timestamp), using: SymmetricKey(data: Data(secret.utf8))))
    }

}
