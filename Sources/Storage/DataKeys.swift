import Crypto
import Foundation
import HotlineCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The keys personal data is sealed with. The first key seals; every key opens what it
/// sealed; a separate lookup key makes the keyed hash a person's sessions are found by.
public struct DataKeys: Sendable {
    public struct Key: Sendable {
        /// The first 8 hex digits of SHA-256 of the key: stored with each value, never secret.
        public var id: String
        var key: SymmetricKey
    }

    public var current: Key
    public var previous: [Key]
    var lookup: SymmetricKey

    public var all: [Key] { [current] + previous }

    public init(current: [UInt8], previous: [[UInt8]] = [], lookup: [UInt8]) throws(DataKeyError) {
        for key in [current, lookup] + previous where key.count != 32 {
            throw .wrongLength(key.count)
        }
        self.current = Self.key(current)
        self.previous = previous.map(Self.key)
        self.lookup = SymmetricKey(data: lookup)
    }

    static func key(_ bytes: [UInt8]) -> Key {
        let id = Hex.encode(SHA256.hash(data: bytes).prefix(4))
        return Key(id: id, key: SymmetricKey(data: bytes))
    }

    /// 32 random bytes.
    public static func generate() -> [UInt8] {
        SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    }

    // MARK: The key file

    /// A key file: `lookup: <base64>` and one `key: <base64>` line per key, the sealing key first.
    public static func read(file path: String) throws(DataKeyError) -> DataKeys {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw .unreadable(path) }
        var keys: [[UInt8]] = []
        var lookup: [UInt8]?
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let bytes = Data(base64Encoded: parts[1]).map(Array.init) else {
                throw .malformed(path, line: number + 1)
            }
            switch parts[0] {
            case "key": keys.append(bytes)
            case "lookup": lookup = bytes
            default: throw .malformed(path, line: number + 1)
            }
        }
        guard let first = keys.first, let lookup else { throw .malformed(path, line: nil) }
        return try DataKeys(current: first, previous: Array(keys.dropFirst()), lookup: lookup)
    }

    /// Writes a key file readable by its owner only, replacing any file atomically.
    public static func write(file path: String, keys: [[UInt8]], lookup: [UInt8]) throws {
        var text = """
            # Hotline Gateway data keys: personal data in the database is sealed with them.
            # The first `key` seals; the others still open older rows (hotline rotate-key moves
            # them to the first). Losing this file makes the database unreadable: back it up
            # apart from the database. Production should supply its own key (HOTLINE_DATA_KEY).

            """
        text += "lookup: \(Data(lookup).base64EncodedString())\n"
        for key in keys { text += "key: \(Data(key).base64EncodedString())\n" }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // Written beside, flushed, then renamed over the old file (rename(2) is atomic): a
        // crash leaves the old keys or the new ones, never none.
        let temporary = path + ".new"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw DataKeyError.unwritable(temporary) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { posixWrite(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        close(fd)
        guard written == bytes.count, synced == 0, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw DataKeyError.unwritable(path)
        }
    }

    /// The raw keys of a key file, to rewrite it with a new first key.
    public static func rawKeys(file path: String) throws -> (keys: [[UInt8]], lookup: [UInt8]) {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var keys: [[UInt8]] = []
        var lookup: [UInt8] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let bytes = Data(base64Encoded: parts[1]) else { continue }
            if parts[0] == "key" { keys.append(Array(bytes)) } else if parts[0] == "lookup" { lookup = Array(bytes) }
        }
        return (keys, lookup)
    }
}

public enum DataKeyError: Error, CustomStringConvertible, Equatable {
    case wrongLength(Int)
    case notBase64(String)
    case unreadable(String)
    case malformed(String, line: Int?)
    case unwritable(String)
    case missingForExistingDatabase(String)
    case lookupKeyMissing

    public var description: String {
        switch self {
        case .wrongLength(let count): "a data key must be 32 bytes (base64 of 32 random bytes); got \(count)"
        case .notBase64(let name): "\(name) is not base64; generate one with: openssl rand -base64 32"
        case .unreadable(let path): "cannot read the key file \(path)"
        case .unwritable(let path): "cannot write the key file \(path)"
        case .lookupKeyMissing:
            "HOTLINE_DATA_KEY is set but HOTLINE_LOOKUP_KEY is not: set it too (openssl rand -base64 32) and keep it across data-key rotations"
        case .missingForExistingDatabase(let path):
            "the database holds encrypted data but its key file \(path) is missing: restore it from backup (or set HOTLINE_DATA_KEY); a new key could not open anything"
        case .malformed(let path, let line):
            "\(path)\(line.map { ":\($0)" } ?? ""): expected `lookup: <base64>` and at least one `key: <base64>` line"
        }
    }
}

/// `write(2)`, out of reach of `DataKeys.write(file:)`'s name.
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(fd, buffer, count)
}
