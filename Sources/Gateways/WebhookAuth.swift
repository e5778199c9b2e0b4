import Foundation
import HotlineCore

/// What a gateway's webhook must prove before anything in it is read or stored. Built from
/// the gateway's `auth:` section and the secrets its variables hold.
public struct WebhookAuth: Sendable {
    /// A platform's own signature over the request (Twilio's and Vonage's are declared in their
    /// adapters' files): nil when it holds, otherwise the refusal.
    public struct Signature: Sendable {
        let refusal: @Sendable (_ request: GatewayRequest, _ now: Date) -> GatewayError?

        public init(refusal: @escaping @Sendable (_ request: GatewayRequest, _ now: Date) -> GatewayError?) {
            self.refusal = refusal
        }
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
        return signature?.refusal(request, now)
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
