import HotlineCore

/// Fields of an `application/x-www-form-urlencoded` body merged with the query string, as
/// gateways post them. Names match case-insensitively; a body value wins over the query's.
public struct FormFields: Sendable {
    public static let mediaType = "application/x-www-form-urlencoded"
    private var values: [String: String] = [:]
    /// Every field in arrival order with its name as sent: signatures are computed over these.
    public private(set) var pairs: [(name: String, value: String)] = []

    public init(query: String, body: [UInt8]) throws(GatewayError) {
        try add(Array(query.utf8))
        try add(body)
    }

    public subscript(name: String) -> String? { values[name.lowercased()] }

    /// The value of a field the gateway always sends; its absence is the gateway's error (400).
    public func required(_ name: String) throws(GatewayError) -> String {
        guard let value = self[name] else { throw .missingField(name) }
        return value
    }

    private mutating func add(_ bytes: [UInt8]) throws(GatewayError) {
        for pair in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let name = try Self.decode(parts[0]).lowercased()
            let value = parts.count > 1 ? try Self.decode(parts[1]) : ""
            guard !name.isEmpty else { continue }
            values[name] = value
            pairs.append((try Self.decode(parts[0]), value))
        }
    }

    static func decode(_ raw: ArraySlice<UInt8>) throws(GatewayError) -> String {
        guard let text = String(validating: try percentDecode(raw), as: UTF8.self) else {
            throw GatewayError(status: 400, reason: "a form value is not valid UTF-8")
        }
        return text
    }

    /// The bytes a form value stands for (`+` is a space, `%XX` a byte).
    static func percentDecode(_ raw: ArraySlice<UInt8>) throws(GatewayError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = raw.startIndex
        while i < raw.endIndex {
            let byte = raw[i]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%") {
                guard i + 2 < raw.endIndex, let hi = Hex.value(of: raw[i + 1]), let lo = Hex.value(of: raw[i + 2]) else {
                    throw GatewayError(status: 400, reason: "malformed percent-escape in the form body")
                }
                out.append(hi << 4 | lo)
                i += 2
            } else {
                out.append(byte)
            }
            i += 1
        }
        return out
    }
}
