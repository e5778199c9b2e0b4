import Crypto
import Foundation
import Logging
import Storage

/// Where the data keys come from: `HOTLINE_DATA_KEY` (with `HOTLINE_DATA_KEYS_PREVIOUS` and
/// `HOTLINE_LOOKUP_KEY`), or a key file (`HOTLINE_KEY_FILE`, by default `hotline.key` beside
/// the database), created on first run for the embedded default.
public enum DataKeySource {
    public struct Loaded: Sendable {
        public var sealer: AESGCMSealer
        /// The key file, when keys come from one (rotate-key writes a new key into it).
        public var keyFile: String?
    }

    public static func defaultKeyFile(databasePath: String) -> String {
        URL(fileURLWithPath: databasePath).deletingLastPathComponent().appendingPathComponent("hotline.key").path
    }

    public static func load(environment: ServiceEnvironment, databasePath: String, logger: Logger) throws -> Loaded {
        if let current = environment["HOTLINE_DATA_KEY"] {
            let key = try decode(current, name: "HOTLINE_DATA_KEY")
            let previous = try (environment["HOTLINE_DATA_KEYS_PREVIOUS"] ?? "").split(separator: ",").map {
                try decode(String($0).trimmingCharacters(in: .whitespaces), name: "HOTLINE_DATA_KEYS_PREVIOUS")
            }
            let lookup: [UInt8]
            if let raw = environment["HOTLINE_LOOKUP_KEY"] {
                lookup = try decode(raw, name: "HOTLINE_LOOKUP_KEY")
            } else {
                // Derived, so it changes with the data key: a rotation then re-keys every
                // lookup (rotate-key does), and SMS conversations look new until it has.
                logger.warning(
                    "HOTLINE_LOOKUP_KEY is not set: the lookup key is derived from HOTLINE_DATA_KEY; set it to keep lookups across rotations"
                )
                lookup = HKDF<SHA256>.deriveKey(
                    inputKeyMaterial: SymmetricKey(data: key), info: Data("hotline lookup key".utf8), outputByteCount: 32
                ).withUnsafeBytes { Array($0) }
            }
            return Loaded(sealer: AESGCMSealer(keys: try DataKeys(current: key, previous: previous, lookup: lookup)), keyFile: nil)
        }
        let file = environment["HOTLINE_KEY_FILE"] ?? defaultKeyFile(databasePath: databasePath)
        if !FileManager.default.fileExists(atPath: file) {
            guard try !SQLiteStore.holdsEncryptedData(path: databasePath) else { throw DataKeyError.missingForExistingDatabase(file) }
            try DataKeys.write(file: file, keys: [DataKeys.generate()], lookup: DataKeys.generate())
            logger.warning(
                "created a data key file for the embedded default; production must supply its own key (HOTLINE_DATA_KEY) and back it up",
                metadata: ["file": "\(file)"])
        }
        return Loaded(sealer: AESGCMSealer(keys: try DataKeys.read(file: file), keyFile: file), keyFile: file)
    }

    static func decode(_ base64: String, name: String) throws -> [UInt8] {
        guard let data = Data(base64Encoded: base64) else { throw DataKeyError.notBase64(name) }
        return Array(data)
    }
}
