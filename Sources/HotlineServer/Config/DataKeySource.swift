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
            // Required, not derived from the data key: the blocklist and STOP opt-outs are kept
            // by the keyed hash alone, so that key must outlive every data-key rotation.
            guard let rawLookup = environment["HOTLINE_LOOKUP_KEY"] else { throw DataKeyError.lookupKeyMissing }
            let lookup = try decode(rawLookup, name: "HOTLINE_LOOKUP_KEY")
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
