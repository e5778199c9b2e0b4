import Crypto
import Foundation
import HotlineCore

/// What a gateway's webhook must prove before anything in it is read or stored. Built from
/// the gateway's `auth:` section and the secrets its variables hold.
public struct WebhookAuth: Sendable {
    public enum Signature: Sendable {
        /// `X-Twilio-Signature`: base64 HMAC-SHA1 of the public URL and the sorted POST fields.
        case twilio(authToken: String, publicURL: String?)
        /// Vonage signed webhooks: `sig` over the sorted fields, with `method`.
        case vonage(secret: String, method: VonageSignature.Method)
    }

    public var signature: Signature?
    /// A secret the gateway sends in a header or a query field.
    public var sharedSecret: String?
    public var sharedSecretHeader: String?
    public var sharedSecretQuery: String?
    public var basicAuth: (username: String, password: String)?
    public var allowedNetworks: [IPNetwork]
    /// A secret the gateway's file names but this environment lacks: nothing can be verified,
    /// so nothing is accepted (503, so the gateway retries once it is set).
    public var missingSecret: String?

    public init(
        signature: Signature? = nil, sharedSecret: String? = nil, sharedSecretHeader: String? = nil, sharedSecretQuery: String? = nil,
        basicAuth: (username: String, password: String)? = nil, allowedNetworks: [IPNetwork] = []
    ) {
        self.signature = signature
        self.sharedSecret = sharedSecret
        self.sharedSecretHeader = sharedSecretHeader
        self.sharedSecretQuery = sharedSecretQuery
        self.basicAuth = basicAuth
        self.allowedNetworks = allowedNetworks
    }

    public var checksSomething: Bool {
        signature != nil || sharedSecret != nil || basicAuth != nil || !allowedNetworks.isEmpty || missingSecret != nil
    }

    /// Nil when the request proves where it comes from; otherwise 401 (no proof offered, or a
    /// signed request too old or too new to be fresh) or 403 (a wrong proof, or an address
    /// outside the allow-list) with the reason. `now` is the clock signed timestamps are held to.
    public func refusal(_ request: GatewayRequest, remoteAddress: String?, now: Date = Date()) -> GatewayError? {
        if let missingSecret {
            return GatewayError(
                status: 503, reason: "this gateway's \(missingSecret) is not set here, so no request can be verified; retry later")
        }
        if !allowedNetworks.isEmpty {
            guard let remoteAddress, let address = IPAddress(remoteAddress), allowedNetworks.contains(where: { $0.contains(address) })
            else {
                return GatewayError(status: 403, reason: "the sender's address is not in this gateway's allow-list")
            }
        }
        if let basicAuth {
            guard let header = request.headers["authorization"], header.lowercased().hasPrefix("basic ") else {
                return GatewayError(status: 401, reason: "Basic authentication is required")
            }
            let expected = Data("\(basicAuth.username):\(basicAuth.password)".utf8).base64EncodedString()
            guard ConstantTime.equal(String(header.dropFirst(6)).trimmingCharacters(in: " "), expected) else {
                return GatewayError(status: 403, reason: "wrong Basic authentication credentials")
            }
        }
        if let sharedSecret {
            var offered: String? = nil
            if let name = sharedSecretHeader { offered = request.headers[name.lowercased()] }
            if offered == nil, let name = sharedSecretQuery { offered = (try? FormFields(query: request.query, body: []))?[name] }
            guard let offered else {
                let place = sharedSecretHeader.map { "header '\($0)'" } ?? "query field '\(sharedSecretQuery ?? "secret")'"
                return GatewayError(status: 401, reason: "the shared secret is missing (\(place))")
            }
            guard ConstantTime.equal(offered, sharedSecret) else { return GatewayError(status: 403, reason: "wrong shared secret") }
        }
        switch signature {
        case .twilio(let token, let publicURL):
            guard let offered = request.headers["x-twilio-signature"], !offered.isEmpty else {
                return GatewayError(status: 401, reason: "X-Twilio-Signature is missing")
            }
            let url = TwilioSignature.url(publicURL: publicURL, request: request)
            let form = request.mediaType == FormFields.mediaType ? (try? FormFields(query: "", body: request.body))?.pairs ?? [] : []
            guard ConstantTime.equal(offered, TwilioSignature.sign(url: url, parameters: form, authToken: token)) else {
                return GatewayError(
                    status: 403, reason: "X-Twilio-Signature does not match (signed URL \(url.split(separator: "?").first ?? ""))")
            }
        case .vonage(let secret, let method):
            guard let fields = try? Vonage.fields(request) else { return GatewayError(status: 401, reason: "unreadable signed fields") }
            guard let offered = fields.first(where: { $0.name == "sig" })?.value, !offered.isEmpty else {
                return GatewayError(status: 401, reason: "the Vonage signature (sig) is missing")
            }
            let expected = VonageSignature.sign(fields.filter { $0.name != "sig" }, secret: secret, method: method)
            guard ConstantTime.equal(offered.lowercased(), expected.lowercased()) else {
                return GatewayError(status: 403, reason: "the Vonage signature (sig) does not match")
            }
            if let stale = VonageSignature.staleness(fields, now: now) { return stale }
        case nil:
            break
        }
        return nil
    }
}

public enum TwilioSignature {
    /// base64(HMAC-SHA1(token, url + name1 + value1 + name2 + value2...)), names sorted.
    public static func sign(url: String, parameters: [(name: String, value: String)], authToken: String) -> String {
        var message = url
        for (name, value) in parameters.sorted(by: { $0.name == $1.name ? $0.value < $1.value : $0.name < $1.name }) {
            message += name + value
        }
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Data(message.utf8), using: SymmetricKey(data: Data(authToken.utf8)))
        return Data(mac).base64EncodedString()
    }

    /// The URL Twilio called: the configured public URL (the service sits behind a proxy that
    /// changes host or scheme) or the one the request names, with the query it carried.
    static func url(publicURL: String?, request: GatewayRequest) -> String {
        let base: String
        if let publicURL, !publicURL.isEmpty {
            base = publicURL.split(separator: "?", maxSplits: 1).first.map(String.init) ?? publicURL
        } else {
            let scheme = request.headers["x-forwarded-proto"] ?? "https"
            base = "\(scheme)://\(request.headers["x-forwarded-host"] ?? request.headers["host"] ?? "localhost")\(request.path)"
        }
        return request.query.isEmpty ? base : base + "?" + request.query
    }
}

public enum VonageSignature {
    public enum Method: String, Sendable, Decodable, CaseIterable {
        case md5hash
        case md5
        case sha1
        case sha256
        case sha512
    }

    /// `&name=value` for each field sorted by name (byte order), `&` and `=` in values made `_`;
    /// md5hash appends the secret and hashes (lower-case hex), the others are HMACs keyed by
    /// the secret (upper-case hex).
    public static func sign(_ fields: [(name: String, value: String)], secret: String, method: Method) -> String {
        var message = ""
        for (name, value) in fields.sorted(by: { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }) {
            let cleaned = value.replacingOccurrences(of: "&", with: "_").replacingOccurrences(of: "=", with: "_")
            message += "&\(name)=\(cleaned)"
        }
        let key = SymmetricKey(data: Data(secret.utf8))
        let data = Data(message.utf8)
        switch method {
        case .md5hash: return hex(Insecure.MD5.hash(data: Data((message + secret).utf8)), upper: false)
        case .md5: return hex(HMAC<Insecure.MD5>.authenticationCode(for: data, using: key), upper: true)
        case .sha1: return hex(HMAC<Insecure.SHA1>.authenticationCode(for: data, using: key), upper: true)
        case .sha256: return hex(HMAC<SHA256>.authenticationCode(for: data, using: key), upper: true)
        case .sha512: return hex(HMAC<SHA512>.authenticationCode(for: data, using: key), upper: true)
        }
    }

    /// How far a signed request's `timestamp` may be from our clock, either way. Message ids
    /// are remembered for days, not for ever, so a captured request replayed later would be
    /// taken as new; Vonage's own libraries allow the same five minutes.
    public static let freshness: TimeInterval = 5 * 60

    /// Nil when the signed `timestamp` (Unix seconds) is within `freshness` of `now`.
    static func staleness(_ fields: [(name: String, value: String)], now: Date) -> GatewayError? {
        guard let raw = fields.first(where: { $0.name == "timestamp" })?.value, !raw.isEmpty else {
            return GatewayError(status: 401, reason: "the signed request carries no timestamp, so it could be a replay")
        }
        guard let seconds = Int64(raw) else {
            return GatewayError(status: 401, reason: "the signed timestamp is not Unix seconds")
        }
        let offset = Double(seconds) - now.timeIntervalSince1970
        guard abs(offset) <= freshness else {
            let seconds = Int(abs(offset).rounded(.down))
            let when = offset < 0 ? "\(seconds) s old" : "\(seconds) s ahead of our clock"
            return GatewayError(
                status: 401,
                reason: "the signed timestamp is \(when); requests more than 5 minutes from our clock are refused"
                    + " as possible replays (check both clocks)")
        }
        return nil
    }

    static func hex<D: Sequence>(_ digest: D, upper: Bool) -> String where D.Element == UInt8 {
        let text = Hex.encode(Array(digest))
        return upper ? text.uppercased() : text
    }
}

enum ConstantTime {
    /// Equal lengths compared without an early exit, so timing does not leak the secret.
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in x.indices { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}
