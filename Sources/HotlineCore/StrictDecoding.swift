/// A coding key that accepts any name, to see every key a mapping holds.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}

/// The error thrown for a key a configuration type does not know, so a typo (`encodng:`) is
/// reported instead of silently ignored.
public struct UnknownKeyError: Error, CustomStringConvertible {
    public var codingPath: [any CodingKey]
    public var key: String
    public var expected: [String]
    public var description: String {
        "unknown key '\(key)'; expected one of: \(expected.joined(separator: ", "))"
    }
}

extension Decoder {
    /// Throws `UnknownKeyError` when the mapping being decoded holds a key outside `keys`.
    public func rejectUnknownKeys<K: CodingKey & CaseIterable>(_ keys: K.Type) throws {
        guard let container = try? container(keyedBy: AnyCodingKey.self) else { return }
        let known = Set(K.allCases.map(\.stringValue))
        for key in container.allKeys where !known.contains(key.stringValue) {
            throw UnknownKeyError(
                codingPath: codingPath + [key], key: key.stringValue, expected: K.allCases.map(\.stringValue))
        }
    }
}
