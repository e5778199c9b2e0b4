import Foundation

/// A JSON request body read by dotted paths (`results.0.from`, `message.text`), so adapters
/// and the configurable generic adapter ignore unknown fields and name what is missing.
public struct JSONBody: @unchecked Sendable {
    // JSONSerialization's tree: immutable once parsed, never shared mutably.
    let root: Any

    public static let mediaType = "application/json"

    public init(_ bytes: [UInt8]) throws(GatewayError) {
        guard !bytes.isEmpty else { throw GatewayError(status: 400, reason: "the body is empty; expected a JSON object") }
        do {
            root = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        } catch {
            throw GatewayError(status: 400, reason: "the body is not valid JSON")
        }
        guard root is [String: Any] else { throw GatewayError(status: 400, reason: "the body is JSON but not an object") }
    }

    init(node: Any) {
        root = node
    }

    /// The node at `path`: object keys match exactly first, then case-insensitively; a number
    /// indexes an array.
    public func node(_ path: String) -> JSONBody? {
        var current: Any = root
        for key in path.split(separator: ".") where !key.isEmpty {
            if let object = current as? [String: Any] {
                if let next = object[String(key)] {
                    current = next
                } else if let match = object.first(where: { $0.key.caseInsensitiveCompare(key) == .orderedSame }) {
                    current = match.value
                } else {
                    return nil
                }
            } else if let array = current as? [Any], let index = Int(key), array.indices.contains(index) {
                current = array[index]
            } else {
                return nil
            }
        }
        return current is NSNull ? nil : JSONBody(node: current)
    }

    /// A string or number at `path` as text (ids and timestamps come as either); nil when
    /// absent, null, an object or an array.
    public func string(_ path: String) -> String? {
        guard let value = node(path)?.root else { return nil }
        switch value {
        case let text as String: return text
        case let number as NSNumber:
            let double = number.doubleValue
            if double.rounded() == double, abs(double) < 1e15 { return String(Int64(double)) }
            return number.stringValue
        default: return nil
        }
    }

    /// The required text at `path`; its absence is the sender's error.
    public func required(_ path: String) throws(GatewayError) -> String {
        guard let value = string(path) else { throw .missingField(path) }
        return value
    }

    /// The elements of the array at `path` (empty when there is none).
    public func array(_ path: String) -> [JSONBody] {
        guard let items = node(path)?.root as? [Any] else { return [] }
        return items.map { JSONBody(node: $0) }
    }

    public var isObject: Bool { root is [String: Any] }

    /// A boolean at `path` (`true`, `"true"`, 1); nil when absent.
    public func bool(_ path: String) -> Bool? {
        guard let value = node(path)?.root else { return nil }
        if let flag = value as? Bool { return flag }
        if let text = value as? String { return ["true", "1", "yes"].contains(text.lowercased()) }
        return nil
    }
}

/// JSON bodies for send APIs, with stable key order so requests are testable as bytes.
public enum JSONWriting {
    public static func encode(_ object: [String: Any]) -> [UInt8] {
        // Only strings, numbers, booleans, arrays and dictionaries built here: cannot fail.
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return Array(data)
    }
}
