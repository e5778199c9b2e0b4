import Foundation
import HotlineCore

/// The one narrow place personal data (phone numbers, anything a person typed) passes through
/// on its way to and from disk. The store never writes such a value any other way, so
/// encryption at rest is a different sealer, not a hunt through the code.
public protocol PersonalDataSealer: Sendable {
    func seal(_ plaintext: String) throws -> Data
    func open(_ sealed: Data) throws -> String
    /// A stable key to find a person's sessions by their number without storing the number in
    /// the clear beside it (a keyed hash once encryption is on).
    func lookupKey(for phone: PhoneNumber) -> String
    /// The key new values are sealed with now; it changes when a rotated key is loaded.
    var currentKeyID: String { get }
}

/// Stores values as tagged UTF-8: the format version byte `0` means "not encrypted", so a
/// later sealer can read what this one wrote and re-encrypt it.
public struct PlaintextSealer: PersonalDataSealer {
    public init() {}

    public var currentKeyID: String { "plaintext" }

    public func seal(_ plaintext: String) throws -> Data {
        var data = Data([0])
        data.append(contentsOf: plaintext.utf8)
        return data
    }

    public func open(_ sealed: Data) throws -> String {
        guard sealed.first == 0 else { throw SealerError.unknownFormat(sealed.first) }
        guard let text = String(data: sealed.dropFirst(), encoding: .utf8) else { throw SealerError.corrupt }
        return text
    }

    public func lookupKey(for phone: PhoneNumber) -> String { phone.value }
}

public enum SealerError: Error, CustomStringConvertible {
    case unknownFormat(UInt8?)
    case corrupt
    case unknownKey(String)

    public var description: String {
        switch self {
        case .unknownFormat(let tag): "sealed value has format \(tag.map(String.init) ?? "none"), which this sealer cannot open"
        case .corrupt: "sealed value is corrupt"
        case .unknownKey(let id): "sealed with key \(id), which is not among the data keys (HOTLINE_DATA_KEYS_PREVIOUS or the key file)"
        }
    }
}
