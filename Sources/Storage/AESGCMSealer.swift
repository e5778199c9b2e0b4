import Crypto
import Foundation
import HotlineCore
import Synchronization

/// Seals personal data with AES-256-GCM. A sealed value is `[1][key id length][key id]
/// [nonce | ciphertext | tag]`, so each value names the key that opens it and keys can be
/// rotated while rows sealed with older keys are still read. Values written by the
/// plaintext sealer (format 0) are still read, so an existing database can be re-sealed.
public final class AESGCMSealer: PersonalDataSealer {
    private let keys: Mutex<DataKeys>
    /// Where newer keys may appear (`hotline rotate-key` adds one while the service runs).
    private let keyFile: String?

    public init(keys: DataKeys, keyFile: String? = nil) {
        self.keys = Mutex(keys)
        self.keyFile = keyFile
    }

    public var currentKeyID: String { keys.withLock { $0.current.id } }

    public func seal(_ plaintext: String) throws -> Data {
        let key = keys.withLock { $0.current }
        let box = try AES.GCM.seal(Data(plaintext.utf8), using: key.key)
        guard let combined = box.combined else { throw SealerError.corrupt }
        var out = Data([1, UInt8(key.id.utf8.count)])
        out.append(contentsOf: key.id.utf8)
        out.append(combined)
        return out
    }

    public func open(_ sealed: Data) throws -> String {
        guard let format = sealed.first else { throw SealerError.corrupt }
        if format == 0 { return try PlaintextSealer().open(sealed) }
        guard format == 1, sealed.count > 2 else { throw SealerError.unknownFormat(format) }
        let start = sealed.startIndex
        let idLength = Int(sealed[start + 1])
        guard sealed.count >= 2 + idLength + 28 else { throw SealerError.corrupt }
        let id = String(decoding: sealed[(start + 2)..<(start + 2 + idLength)], as: UTF8.self)
        guard let key = try self.key(id) else { throw SealerError.unknownKey(id) }
        let box = try AES.GCM.SealedBox(combined: sealed[(start + 2 + idLength)...])
        guard let text = String(data: try AES.GCM.open(box, using: key.key), encoding: .utf8) else { throw SealerError.corrupt }
        return text
    }

    /// The key with `id`; an unknown id re-reads the key file once, for a key added since.
    private func key(_ id: String) throws -> DataKeys.Key? {
        if let key = keys.withLock({ $0.all.first { $0.id == id } }) { return key }
        guard reload() else { return nil }
        return keys.withLock { $0.all.first { $0.id == id } }
    }

    /// Re-reads the key file (a rotation puts a new sealing key first); true when it changed.
    @discardableResult public func reload() -> Bool {
        guard let keyFile, let fresh = try? DataKeys.read(file: keyFile) else { return false }
        return keys.withLock { keys in
            guard fresh.all.map(\.id) != keys.all.map(\.id) else { return false }
            keys = fresh
            return true
        }
    }

    /// HMAC-SHA256 of the number under the lookup key: finding a person's sessions needs the
    /// key, and the database alone does not reveal the number.
    public func lookupKey(for phone: PhoneNumber) -> String {
        let lookup = keys.withLock { $0.lookup }
        let mac = HMAC<SHA256>.authenticationCode(for: Data(phone.value.utf8), using: lookup)
        return "h1:" + Hex.encode(mac.prefix(16))
    }

    /// The key id a sealed value names (nil for plaintext or unreadable values).
    public static func keyID(of sealed: Data) -> String? {
        guard sealed.first == 1, sealed.count > 2 else { return nil }
        let start = sealed.startIndex
        let length = Int(sealed[start + 1])
        guard sealed.count > 2 + length else { return nil }
        return String(decoding: sealed[(start + 2)..<(start + 2 + length)], as: UTF8.self)
    }
}
