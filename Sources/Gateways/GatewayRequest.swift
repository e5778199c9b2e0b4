/// An HTTP request as a gateway sent it, free of any server framework, so every adapter is
/// tested with captured payloads and no server.
public struct GatewayRequest: Sendable {
    public var method: String
    public var path: String
    /// The raw query string, without the `?`.
    public var query: String
    /// Header names in lower case.
    public var headers: [String: String]
    public var body: [UInt8]

    public init(method: String, path: String, query: String = "", headers: [String: String] = [:], body: [UInt8] = []) {
        self.method = method.uppercased()
        self.path = path
        self.query = query
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { _, last in last })
        self.body = body
    }

    /// The media type without parameters, lower case (`application/x-www-form-urlencoded`).
    public var mediaType: String? {
        guard let raw = headers["content-type"] else { return nil }
        return raw.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: " \t").lowercased() }
    }
}

/// What the service answers the gateway.
public struct GatewayResponse: Sendable, Equatable {
    public var status: Int
    public var contentType: String
    public var body: String

    public init(status: Int = 200, contentType: String = "text/plain; charset=utf-8", body: String) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }
}

/// A request the adapter refuses, with the HTTP status and a reason a gateway operator can act on.
public struct GatewayError: Error, Equatable, CustomStringConvertible {
    public var status: Int
    public var reason: String

    public init(status: Int, reason: String) {
        self.status = status
        self.reason = reason
    }

    public static func missingField(_ name: String) -> GatewayError {
        GatewayError(status: 400, reason: "missing field '\(name)'")
    }

    public static func unsupportedMediaType(_ got: String?, expected: String) -> GatewayError {
        GatewayError(status: 415, reason: "content type \(got.map { "'\($0)'" } ?? "missing"); expected \(expected)")
    }

    public var description: String { "\(status): \(reason)" }
}

extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
